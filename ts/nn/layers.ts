/** The layers: Linear, activations as modules, Dropout, Sequential — each registered by its type. */
import { checkOptions, optionKeys } from '../options.js';
import { KnobsError } from '../errors.js';
import { dropout, logSoftmax, relu, sigmoid, softmax, tanh } from '../ops/activations.js';
import { linear, type DenseActivation } from '../ops/dense.js';
import { denseActivationCodes, linearChainWith } from '../ops/dense-chain.js';
import { SparseCsr, sparseMm } from '../ops/sparse.js';
import { Conv2d, MaxPool2d } from './conv.js';
import { Rng } from '../random.js';
import { Tensor, rand } from '../tensor.js';
import { checkConfigKeys, optionalBool, optionalInt, optionalSeed, positiveInt, type JsonObject, type JsonValue } from './config.js';
import { Module, type AnyModule } from './module.js';
import { register, type ChildSpec } from './registry.js';

export interface LinearOptions {
  bias?: boolean;
  /** Seed of the initial weights; without it the global stream (manualSeed) is used. */
  seed?: number;
}
const LINEAR_KEYS = optionKeys<LinearOptions>()('bias', 'seed');

/**
 * y = x·W + b with W of shape [in, out] — the book's `np.dot(layer, weights)` layout, so forward
 * is a plain A·B and no transpose is ever materialised. (PyTorch stores [out, in].)
 */
export class Linear extends Module<[Tensor | SparseCsr], Tensor> {
  static readonly type = 'Linear';
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  private readonly seed: number | undefined;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkOptions('Linear', opts, LINEAR_KEYS);
    for (const [n, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`Linear: ${n} must be a positive integer, got ${v}`);
    }
    this.seed = opts.seed;
    // PyTorch's default: U(−1/√in, 1/√in) for weights and bias keeps pre-activation variance
    // near 1/3 of the input's whatever the fan-in, so deep stacks neither explode nor vanish at start.
    const bound = 1 / Math.sqrt(inFeatures);
    const seeds = opts.seed === undefined ? undefined : new Rng(opts.seed);
    const s = () => (seeds ? seeds.nextU32() : undefined);
    this.weight = this.addParameter('weight', rand([inFeatures, outFeatures], { low: -bound, high: bound, seed: s() }));
    this.bias = opts.bias === false ? null : this.addParameter('bias', rand([outFeatures], { low: -bound, high: bound, seed: s() }));
  }
  /** x·W + b; a SparseCsr input (toSparseCsr) costs in proportion to its nonzeros (sparseMm). */
  forward(x: Tensor | SparseCsr): Tensor {
    return x instanceof SparseCsr ? sparseMm(x, this.weight, this.bias) : linear(x, this.weight, this.bias);
  }
  /** act(x·W + b) as one fused kernel call. */
  forwardWith(x: Tensor, activation: DenseActivation): Tensor {
    return linear(x, this.weight, this.bias, activation);
  }
  override config(): JsonObject {
    const c: JsonObject = { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['inFeatures', 'outFeatures', 'bias', 'seed'], where);
    positiveInt(c, 'inFeatures', where);
    positiveInt(c, 'outFeatures', where);
    optionalBool(c, 'bias', where);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): Linear {
    Linear.validateConfig(config, 'Linear.fromConfig');
    return new Linear(config.inFeatures as number, config.outFeatures as number, { bias: config.bias as boolean | undefined, seed: config.seed as number | undefined });
  }
}

function noConfig(type: string) {
  return (config: JsonObject, where: string = `${type}.fromConfig`): void => void checkConfigKeys(config, [], where);
}

export class ReLU extends Module {
  static readonly type = 'ReLU';
  static readonly validateConfig = noConfig('ReLU');
  static fromConfig(config: JsonObject): ReLU {
    ReLU.validateConfig(config);
    return new ReLU();
  }
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
export class Sigmoid extends Module {
  static readonly type = 'Sigmoid';
  static readonly validateConfig = noConfig('Sigmoid');
  static fromConfig(config: JsonObject): Sigmoid {
    Sigmoid.validateConfig(config);
    return new Sigmoid();
  }
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
export class Tanh extends Module {
  static readonly type = 'Tanh';
  static readonly validateConfig = noConfig('Tanh');
  static fromConfig(config: JsonObject): Tanh {
    Tanh.validateConfig(config);
    return new Tanh();
  }
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

function checkAxisConfig(config: JsonObject, where: string): void {
  optionalInt(checkConfigKeys(config, ['axis'], where), 'axis', where);
}

export class Softmax extends Module {
  static readonly type = 'Softmax';
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
  override config(): JsonObject {
    return { axis: this.axis };
  }
  static validateConfig = checkAxisConfig;
  static fromConfig(config: JsonObject): Softmax {
    checkAxisConfig(config, 'Softmax.fromConfig');
    return new Softmax((config.axis as number | undefined) ?? -1);
  }
}
export class LogSoftmax extends Module {
  static readonly type = 'LogSoftmax';
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.axis);
  }
  override config(): JsonObject {
    return { axis: this.axis };
  }
  static validateConfig = checkAxisConfig;
  static fromConfig(config: JsonObject): LogSoftmax {
    checkAxisConfig(config, 'LogSoftmax.fromConfig');
    return new LogSoftmax((config.axis as number | undefined) ?? -1);
  }
}

/** Randomly silences units while training (p = probability of zeroing); identity in eval(). */
export class Dropout extends Module {
  static readonly type = 'Dropout';
  /** Mask stream; its position is the module's extra state, saved so training resumes identically. */
  readonly rng: Rng;
  /** Seed of the mask stream (kept so a model spec can rebuild the same layer). */
  readonly seed: number;
  constructor(readonly p = 0.5, opts: { seed?: number } = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new KnobsError(`Dropout: p must be in [0, 1), got ${p}`);
    this.seed = opts.seed ?? 0;
    this.rng = new Rng(this.seed);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, this.rng.nextSeed());
  }
  override config(): JsonObject {
    return { p: this.p, seed: this.seed };
  }
  override forkRandomStreams(index: number): void {
    this.rng.setState(new Rng(this.seed + index * 0x9e3779).getState());
  }
  override getExtraState(): JsonValue {
    return { rng: this.rng.getState() };
  }
  override setExtraState(state: JsonValue): void {
    const words = (state as { rng?: unknown } | null)?.rng;
    if (!Array.isArray(words)) throw new KnobsError(`Dropout.setExtraState: expected { rng: [4 state words] }, got ${JSON.stringify(state)}`);
    this.rng.setState(words as number[]);
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['p', 'seed'], where);
    const p = c.p;
    if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p < 1))) throw new KnobsError(`${where}: p must be a number in [0, 1), got ${JSON.stringify(p)}`);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): Dropout {
    Dropout.validateConfig(config, 'Dropout.fromConfig');
    return new Dropout((config.p as number | undefined) ?? 0.5, { seed: config.seed as number | undefined });
  }
}

/**
 * Whether a module runs its class's own forward: one replaced on the instance (a probe or summary
 * capturing a submodule's output, a user's hook) or overridden by a subclass must run, and
 * fusing would call neither that layer's forward nor the activation's. Compared by identity: a
 * property read, not a hasOwnProperty call per layer per step.
 */
function fusable(m: AnyModule | undefined): DenseActivation | null {
  if (m === undefined) return null;
  const f = m.forward;
  if (f === ReLU.prototype.forward) return 'relu';
  if (f === Sigmoid.prototype.forward) return 'sigmoid';
  if (f === Tanh.prototype.forward) return 'tanh';
  return null;
}

/** Whether m is a Linear that runs its class's own forward and forwardWith (see fusable). */
function plainLinear(m: AnyModule | undefined): m is Linear {
  return m !== undefined && m.forward === Linear.prototype.forward && (m as Linear).forwardWith === Linear.prototype.forwardWith;
}

/**
 * A run of ≥ 2 plain Linear layers (each maybe followed by a fusable activation) whose widths
 * fit: Sequential runs it as one linearChain, from layer index `start` up to (not incl.) `end`.
 */
interface Chain {
  end: number;
  layers: Linear[];
  acts: DenseActivation[];
  codes: number[];
}

/** Where Sequential's chains start (null elsewhere), and what they were found from. */
interface Plan {
  mods: AnyModule[];
  /** Each module's forward (and a Linear's forwardWith) when the plan was made. */
  fns: unknown[];
  chains: (Chain | null)[];
}

function makePlan(L: readonly AnyModule[]): Plan {
  const chains: (Chain | null)[] = L.map(() => null);
  for (let i = 0; i < L.length; ) {
    const layers: Linear[] = [], acts: DenseActivation[] = [];
    let j = i;
    while (plainLinear(L[j]) && (layers.length === 0 || layers[layers.length - 1].outFeatures === (L[j] as Linear).inFeatures)) {
      layers.push(L[j] as Linear);
      const act = fusable(L[j + 1]);
      acts.push(act ?? 'none');
      j += act ? 2 : 1;
    }
    if (layers.length >= 2) chains[i] = { end: j, layers, acts, codes: denseActivationCodes(acts, layers) };
    i = layers.length >= 2 ? j : i + 1;
  }
  return { mods: [...L], fns: L.map((m) => [m.forward, (m as { forwardWith?: unknown }).forwardWith]).flat(), chains };
}

/** Modules applied in order; parameters are named by position ("0.weight", "2.bias"). */
export class Sequential extends Module {
  static readonly type = 'Sequential';
  static readonly childrenInSpec = true;
  readonly layers: Module[];
  private plan: Plan | null = null;
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.addModule(String(i), m));
  }
  /** The chains of the layers as they are now: re-made when a layer or a layer's forward changed. */
  private chains(): (Chain | null)[] {
    const L = this.layers;
    let p = this.plan;
    let same = p !== null && p.mods.length === L.length;
    for (let i = 0; same && i < L.length; i++) {
      same = L[i] === p!.mods[i] && L[i].forward === p!.fns[2 * i] && (L[i] as { forwardWith?: unknown }).forwardWith === p!.fns[2 * i + 1];
    }
    if (!same) this.plan = p = makePlan(L);
    return p!.chains;
  }
  forward(x: Tensor): Tensor {
    let h = x;
    const L = this.layers;
    const chains = this.chains();
    for (let i = 0; i < L.length; i++) {
      // A run of Linear (+ activation) layers whose input fits runs as one op (same kernels, same
      // bits); an input that does not fit takes the layer-by-layer path, which says why.
      const c = chains[i];
      if (c !== null && h instanceof Tensor && !h.isDisposed && (h.rank === 1 || h.rank === 2) && h.shape[h.rank - 1] === c.layers[0].inFeatures) {
        h = linearChainWith(h, c.layers, c.acts, c.codes);
        i = c.end - 1;
        continue;
      }
      // Linear or Conv2d followed by an elementwise activation runs as one fused kernel (same math).
      const f = L[i].forward;
      const act = f === Linear.prototype.forward || f === Conv2d.prototype.forward ? fusable(L[i + 1]) : null;
      // So does Conv2d [+ activation] + 2×2 max pool, in inference.
      const pool = f === Conv2d.prototype.forward && h instanceof Tensor ? L[act ? i + 2 : i + 1] : undefined;
      const pooled = pool !== undefined && pool.forward === MaxPool2d.prototype.forward && (pool as MaxPool2d).isPool2 ? (L[i] as Conv2d).forwardPooled(h, act ?? 'none') : null;
      if (pooled) {
        h = pooled;
        i += act ? 2 : 1;
      } else if (act) {
        h = (L[i] as Linear | Conv2d).forwardWith(h, act);
        i++;
      } else {
        h = L[i].forward(h);
      }
    }
    return h;
  }
  static validateConfig(config: JsonObject, where: string, children: ChildSpec[] = []): void {
    checkConfigKeys(config, [], where);
    children.forEach((c, i) => {
      if (c.name !== String(i)) throw new KnobsError(`${where}: child ${i} must be named '${i}', got ${JSON.stringify(c.name)}`);
    });
    // Catches the commonest spec mistake (784→40 followed by 100→10) before any weights are made.
    let prev: { width: number; index: number } | null = null;
    children.forEach((c, i) => {
      if (c.type !== 'Linear') return;
      const inF = c.config.inFeatures as number, outF = c.config.outFeatures as number;
      if (prev && prev.width !== inF) throw new KnobsError(`${where}: child ${i} (Linear) takes ${inF} inputs but child ${prev.index} produces ${prev.width}`);
      prev = { width: outF, index: i };
    });
  }
  static fromConfig(config: JsonObject, children: [string, AnyModule][] = []): Sequential {
    Sequential.validateConfig(config, 'Sequential.fromConfig');
    return new Sequential(...children.map(([, m]) => m));
  }
}

for (const cls of [Linear, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout, Sequential]) register(cls);
