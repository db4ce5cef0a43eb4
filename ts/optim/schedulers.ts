/**
 * Learning-rate schedulers with PyTorch's names and semantics (torch.optim.lr_scheduler).
 * Constructing one attaches it to its optimizer (`optimizer.schedulers`) and, like PyTorch, sets
 * the epoch-0 lr; so the optimizer's stateDict and saveModel carry the scheduler's state, and
 * loadModel/loadStateDict rebuild it. Each is also a fit() callback: it steps at every epoch end.
 *
 * The epoch schedulers compute lr from PyTorch's closed forms (a function of lastEpoch and the
 * initial lr), not by repeated multiplication, so a resumed run gets the very same lr bits. They
 * therefore do not compose: attach one epoch scheduler per optimizer (ReduceLROnPlateau may sit
 * on top, it multiplies whatever lr it finds).
 */
import { KnobsError } from '../errors.js';
import type { Callback, Logs } from '../train/callbacks.js';
import { Optimizer } from './optimizer.js';

export type SchedulerConfig = Record<string, number | string | boolean>;
/** JSON-able: ±Infinity (an unset best) is stored as null. */
export interface SchedulerState {
  type: string;
  config: SchedulerConfig;
  state: Record<string, number | null>;
}

type Check = (v: unknown) => boolean;
const isNum: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const posInt: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0;
const nonNegInt: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const positive: Check = (v) => isNum(v) && (v as number) > 0;
const nonNeg: Check = (v) => isNum(v) && (v as number) >= 0;

/** Reads options against a table of { default, check, description }; unknown keys are errors. */
function readOptions<T extends SchedulerConfig>(op: string, opts: unknown, spec: { [K in keyof T]: [def: T[K] | undefined, check: Check, want: string] }): T {
  if (opts === undefined) opts = {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new KnobsError(`${op}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const o = opts as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!Object.hasOwn(spec, k)) throw new KnobsError(`${op}: unknown option '${k}' (${op} takes ${Object.keys(spec).join(', ')})`);
  const out: Record<string, unknown> = {};
  for (const [k, [def, check, want]] of Object.entries(spec) as [string, [unknown, Check, string]][]) {
    const v = o[k] === undefined ? def : o[k];
    if (v === undefined) throw new KnobsError(`${op}: ${k} is required`);
    if (!check(v)) throw new KnobsError(`${op}: ${k} must be ${want}, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out as T;
}

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The optimizer's lr when the scheduler was created (PyTorch's initial_lr). */
  baseLr: number;
  /** Number of step() calls so far. */
  lastEpoch = 0;

  constructor(optimizer: Optimizer, readonly type: string) {
    if (!(optimizer instanceof Optimizer)) throw new KnobsError(`${type}: the first argument must be an optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`);
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
  }

  /** Called by subclasses once their options are valid, so a rejected scheduler is never attached. */
  protected attach(): void {
    this.optimizer.schedulers.push(this);
  }

  /** The constructor options, complete with defaults. */
  abstract config(): SchedulerConfig;

  /** Advances one epoch (ReduceLROnPlateau: given that epoch's value of the monitored metric). */
  abstract step(metric?: number): void;

  /** The lr the optimizer has now (one number: knobs optimizers have one parameter group). */
  getLastLr(): number {
    return this.optimizer.lr;
  }

  protected extraState(): Record<string, number | null> {
    return {};
  }
  protected loadExtraState(_s: Record<string, unknown>, _op: string): void {}

  stateDict(): SchedulerState {
    return { type: this.type, config: this.config(), state: { lastEpoch: this.lastEpoch, baseLr: this.baseLr, ...this.extraState() } };
  }

  loadStateDict(s: SchedulerState): void {
    const op = `${this.type}.loadStateDict`;
    if (!s || typeof s !== 'object' || !s.state || typeof s.state !== 'object') throw new KnobsError(`${op}: expected { type, config, state }`);
    if (s.type !== this.type) throw new KnobsError(`${op}: the state is of a ${JSON.stringify(s.type)}`);
    const mine = this.config();
    for (const [k, v] of Object.entries(s.config ?? {})) {
      if (mine[k] !== v) throw new KnobsError(`${op}: saved ${k} = ${JSON.stringify(v)} but this scheduler has ${JSON.stringify(mine[k])}`);
    }
    const { lastEpoch, baseLr } = s.state;
    if (!nonNegInt(lastEpoch)) throw new KnobsError(`${op}: lastEpoch must be a non-negative integer, got ${JSON.stringify(lastEpoch)}`);
    if (!nonNeg(baseLr)) throw new KnobsError(`${op}: baseLr must be a finite number ≥ 0, got ${JSON.stringify(baseLr)}`);
    this.loadExtraState(s.state, op);
    this.lastEpoch = lastEpoch as number;
    this.baseLr = baseLr as number;
  }
}

/** Schedulers whose lr is a closed form of the epoch: step() sets lr = lrAt(++lastEpoch). */
abstract class EpochScheduler extends LRScheduler implements Callback {
  /** PyTorch's closed form at `epoch`, from baseLr. */
  abstract lrAt(epoch: number): number;
  protected start(): void {
    this.attach();
    this.optimizer.lr = this.lrAt(0);
  }
  override step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }
  onEpochEnd(): void {
    this.step();
  }
}

export interface StepLROptions {
  stepSize: number;
  /** Default 0.1. */
  gamma?: number;
}
/** lr = baseLr · gamma^⌊epoch / stepSize⌋. */
export class StepLR extends EpochScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: StepLROptions) {
    super(optimizer, 'StepLR');
    const o = readOptions<{ stepSize: number; gamma: number }>('StepLR', opts, { stepSize: [undefined, posInt, 'a positive integer'], gamma: [0.1, positive, 'a number > 0'] });
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this.start();
  }
  config(): SchedulerConfig {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }
  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

export interface ExponentialLROptions {
  gamma: number;
}
/** lr = baseLr · gamma^epoch. */
export class ExponentialLR extends EpochScheduler {
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: ExponentialLROptions) {
    super(optimizer, 'ExponentialLR');
    this.gamma = readOptions<{ gamma: number }>('ExponentialLR', opts, { gamma: [undefined, positive, 'a number > 0'] }).gamma;
    this.start();
  }
  config(): SchedulerConfig {
    return { gamma: this.gamma };
  }
  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** epoch;
  }
}

export interface CosineAnnealingLROptions {
  tMax: number;
  /** Default 0. */
  etaMin?: number;
}
/** lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch/tMax))/2 (SGDR without restarts). */
export class CosineAnnealingLR extends EpochScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, opts: CosineAnnealingLROptions) {
    super(optimizer, 'CosineAnnealingLR');
    const o = readOptions<{ tMax: number; etaMin: number }>('CosineAnnealingLR', opts, { tMax: [undefined, posInt, 'a positive integer'], etaMin: [0, nonNeg, 'a number ≥ 0'] });
    this.tMax = o.tMax;
    this.etaMin = o.etaMin;
    this.start();
  }
  config(): SchedulerConfig {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }
  lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

export interface LinearLROptions {
  /** Default 1/3. */
  startFactor?: number;
  /** Default 1. */
  endFactor?: number;
  /** Default 5. */
  totalIters?: number;
}
/** Linear warmup: lr = baseLr · (start + (end − start)·min(epoch, totalIters)/totalIters). */
export class LinearLR extends EpochScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: Optimizer, opts: LinearLROptions = {}) {
    super(optimizer, 'LinearLR');
    const o = readOptions<{ startFactor: number; endFactor: number; totalIters: number }>('LinearLR', opts, {
      startFactor: [1 / 3, (v) => positive(v) && (v as number) <= 1, 'in (0, 1]'],
      endFactor: [1, (v) => nonNeg(v) && (v as number) <= 1, 'in [0, 1]'],
      totalIters: [5, posInt, 'a positive integer'],
    });
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this.start();
  }
  config(): SchedulerConfig {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }
  lrAt(epoch: number): number {
    return this.baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, epoch)) / this.totalIters);
  }
}

export interface ReduceLROnPlateauOptions {
  /** Log key fit() passes to step() at each epoch end. Default 'val_loss'. */
  monitor?: string;
  /** 'min': lower is better (losses); 'max': higher is (accuracies). Default 'min'. */
  mode?: 'min' | 'max';
  /** lr ← max(lr·factor, minLr). Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** Improvement smaller than this does not count. Default 1e-4. */
  threshold?: number;
  /** 'rel': relative to best; 'abs': absolute. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Default 0. */
  minLr?: number;
  /** Reductions smaller than this are skipped. Default 1e-8. */
  eps?: number;
}
type PlateauConfig = Required<ReduceLROnPlateauOptions>;

/** Divides lr by 1/factor when `monitor` stops improving for `patience` epochs (PyTorch semantics). */
export class ReduceLROnPlateau extends LRScheduler implements Callback {
  readonly opts: Readonly<PlateauConfig>;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(optimizer: Optimizer, opts: ReduceLROnPlateauOptions = {}) {
    super(optimizer, 'ReduceLROnPlateau');
    this.opts = readOptions<PlateauConfig>('ReduceLROnPlateau', opts, {
      monitor: ['val_loss', (v) => typeof v === 'string', 'a log key'],
      mode: ['min', (v) => v === 'min' || v === 'max', "'min' or 'max'"],
      factor: [0.1, (v) => positive(v) && (v as number) < 1, 'in (0, 1)'],
      patience: [10, nonNegInt, 'a non-negative integer'],
      threshold: [1e-4, nonNeg, 'a number ≥ 0'],
      thresholdMode: ['rel', (v) => v === 'rel' || v === 'abs', "'rel' or 'abs'"],
      cooldown: [0, nonNegInt, 'a non-negative integer'],
      minLr: [0, nonNeg, 'a number ≥ 0'],
      eps: [1e-8, nonNeg, 'a number ≥ 0'],
    });
    this.best = this.worst();
    this.attach();
  }
  private worst(): number {
    return this.opts.mode === 'min' ? Infinity : -Infinity;
  }
  config(): SchedulerConfig {
    return { ...this.opts };
  }

  private isBetter(a: number): boolean {
    const { mode, thresholdMode: tm, threshold: t } = this.opts;
    const best = this.best;
    if (mode === 'min') return tm === 'rel' ? a < best * (1 - t) : a < best - t;
    return tm === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** One epoch's value of the monitored metric. A NaN never improves. */
  override step(metric: number): void {
    if (typeof metric !== 'number') throw new KnobsError(`ReduceLROnPlateau.step: metric must be a number, got ${JSON.stringify(metric)}`);
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.opts.patience) {
      const old = this.optimizer.lr;
      const lr = Math.max(old * this.opts.factor, this.opts.minLr);
      if (old - lr > this.opts.eps) this.optimizer.lr = lr;
      this.cooldownCounter = this.opts.cooldown;
      this.numBadEpochs = 0;
    }
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    const v = logs[this.opts.monitor];
    if (v === undefined) {
      throw new KnobsError(`ReduceLROnPlateau: monitor '${this.opts.monitor}' is not in the epoch logs (have: ${Object.keys(logs).join(', ')}); pass validation to fit() or monitor another key`);
    }
    this.step(v);
  }

  protected override extraState(): Record<string, number | null> {
    return { best: Number.isFinite(this.best) ? this.best : null, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }
  protected override loadExtraState(s: Record<string, unknown>, op: string): void {
    if (s.best !== null && !isNum(s.best)) throw new KnobsError(`${op}: best must be a number or null, got ${JSON.stringify(s.best)}`);
    for (const k of ['numBadEpochs', 'cooldownCounter']) if (!nonNegInt(s[k])) throw new KnobsError(`${op}: ${k} must be a non-negative integer, got ${JSON.stringify(s[k])}`);
    this.best = s.best === null ? this.worst() : (s.best as number);
    this.numBadEpochs = s.numBadEpochs as number;
    this.cooldownCounter = s.cooldownCounter as number;
  }
}

const SCHEDULERS: Record<string, (o: Optimizer, c: SchedulerConfig) => LRScheduler> = {
  StepLR: (o, c) => new StepLR(o, c as unknown as StepLROptions),
  ExponentialLR: (o, c) => new ExponentialLR(o, c as unknown as ExponentialLROptions),
  CosineAnnealingLR: (o, c) => new CosineAnnealingLR(o, c as unknown as CosineAnnealingLROptions),
  LinearLR: (o, c) => new LinearLR(o, c as LinearLROptions),
  ReduceLROnPlateau: (o, c) => new ReduceLROnPlateau(o, c as ReduceLROnPlateauOptions),
};

/** Rebuilds a saved scheduler on `optimizer` (attaching it) and loads its state. */
export function schedulerFromState(optimizer: Optimizer, s: SchedulerState, op: string): LRScheduler {
  if (!s || typeof s !== 'object' || typeof s.type !== 'string' || !Object.hasOwn(SCHEDULERS, s.type)) {
    throw new KnobsError(`${op}: unknown scheduler type ${JSON.stringify(s?.type)} (supported: ${Object.keys(SCHEDULERS).join(', ')})`);
  }
  if (!s.config || typeof s.config !== 'object') throw new KnobsError(`${op}: scheduler ${s.type} has no config object`);
  const n = optimizer.schedulers.length, lr = optimizer.lr;
  try {
    const sched = SCHEDULERS[s.type](optimizer, s.config);
    sched.loadStateDict(s);
    return sched;
  } catch (e) {
    optimizer.schedulers.length = n;
    optimizer.lr = lr;
    throw e;
  }
}
