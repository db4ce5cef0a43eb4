/** SGD (momentum, Nesterov), Adam/AdamW, RMSprop, Adagrad — PyTorch semantics and defaults. */
import { K, _kernelsRecording } from '../backend/wasm.js';
import type { Tensor } from '../tensor.js';
import { ForeachTable } from './foreach.js';
import { Optimizer } from './optimizer.js';
import { registerOptimizer, type HyperDef, type OptimizerDef } from './registry.js';

// lr may be 0 (PyTorch allows it, and a cosine schedule ends there); the others as PyTorch checks.
const LR = { kind: 'number', range: [0, Infinity] } as const satisfies HyperDef;
const unit = (d: number): HyperDef => ({ kind: 'number', default: d, range: [0, 1] });
const nonNeg = (d: number): HyperDef => ({ kind: 'number', default: d, range: [0, Infinity] });

export interface SGDOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

const SGD_DEF: OptimizerDef = {
  type: 'SGD',
  hyper: { lr: LR, momentum: unit(0), nesterov: { kind: 'boolean', default: false }, weightDecay: nonNeg(0) },
  slots: (h) => (h.momentum ? ['momentum'] : []),
  check: (h) => (h.nesterov && h.momentum === 0 ? 'nesterov needs momentum > 0' : null),
  create: (params, opts) => new SGD(params, opts as unknown as SGDOptions),
};

export class SGD extends Optimizer {
  private table: ForeachTable | null = null;
  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super(params, SGD_DEF, opts);
  }
  /**
   * Every parameter with a gradient in one sgd_foreach call, each getting update()'s arithmetic.
   * A recording kernel table (compileStep's trace) gets the per-parameter calls it knows, and a
   * subclass that overrides update() gets its update() called.
   */
  override step(): void {
    if (_kernelsRecording() || this.update !== SGD.prototype.update) return super.step();
    this.stepCount++;
    const ps = this.params;
    const table = (this.table ??= new ForeachTable(ps.length));
    const ptr = table.ptr;
    const momentum = this.momentum;
    let rows = 0;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i], g = p.grad;
      if (g === null || p.size === 0) continue;
      table.set(rows++, p.ptr, g.ptr, momentum !== 0 ? this.slot('momentum', i).ptr : 0, p.size);
    }
    if (rows > 0) K().sgd_foreach(ptr, rows, this.lr, momentum, this.weightDecay, this.nesterov);
  }
  get momentum(): number {
    return this.hyper.momentum as number;
  }
  get nesterov(): boolean {
    return this.hyper.nesterov as boolean;
  }
  get weightDecay(): number {
    return this.hyper.weightDecay as number;
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const v = this.momentum !== 0 ? this.slot('momentum', i).ptr : 0;
    K().sgd(p.ptr, g.ptr, v, p.size, this.lr, this.momentum, this.weightDecay, this.nesterov);
  }
  override dispose(): void {
    super.dispose();
    this.table?.dispose();
    this.table = null;
  }
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

const adamHyper = (weightDecay: number) => ({ lr: { ...LR, default: 1e-3 }, beta1: unit(0.9), beta2: unit(0.999), eps: nonNeg(1e-8), weightDecay: nonNeg(weightDecay) });
const ADAM_DEF: OptimizerDef = { type: 'Adam', hyper: adamHyper(0), slots: () => ['m', 'v'], create: (params, opts) => new Adam(params, opts) };
const ADAMW_DEF: OptimizerDef = { type: 'AdamW', hyper: adamHyper(1e-2), slots: () => ['m', 'v'], create: (params, opts) => new AdamW(params, opts) };

export class Adam extends Optimizer {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}, def: OptimizerDef = ADAM_DEF) {
    super(params, def, opts);
  }
  get beta1(): number {
    return this.hyper.beta1 as number;
  }
  get beta2(): number {
    return this.hyper.beta2 as number;
  }
  get eps(): number {
    return this.hyper.eps as number;
  }
  get weightDecay(): number {
    return this.hyper.weightDecay as number;
  }
  /** AdamW: decay the weights directly instead of adding decay to the gradient. */
  get decoupled(): boolean {
    return this.def === ADAMW_DEF;
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const t = this.stepCount;
    const m = this.slot('m', i), v = this.slot('v', i);
    K().adam(p.ptr, g.ptr, m.ptr, v.ptr, p.size, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, this.decoupled, 1 - this.beta1 ** t, 1 - this.beta2 ** t);
  }
}

export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, opts, ADAMW_DEF);
  }
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
}

const RMSPROP_DEF: OptimizerDef = {
  type: 'RMSprop',
  hyper: { lr: { ...LR, default: 1e-2 }, alpha: unit(0.99), eps: nonNeg(1e-8), weightDecay: nonNeg(0) },
  slots: () => ['square_avg'],
  create: (params, opts) => new RMSprop(params, opts),
};

export class RMSprop extends Optimizer {
  constructor(params: Iterable<Tensor>, opts: RMSpropOptions = {}) {
    super(params, RMSPROP_DEF, opts);
  }
  get alpha(): number {
    return this.hyper.alpha as number;
  }
  get eps(): number {
    return this.hyper.eps as number;
  }
  get weightDecay(): number {
    return this.hyper.weightDecay as number;
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    K().rmsprop(p.ptr, g.ptr, this.slot('square_avg', i).ptr, p.size, this.lr, this.alpha, this.eps, this.weightDecay);
  }
}

export interface AdagradOptions {
  lr?: number;
  eps?: number;
  weightDecay?: number;
}

const ADAGRAD_DEF: OptimizerDef = {
  type: 'Adagrad',
  hyper: { lr: { ...LR, default: 1e-2 }, eps: nonNeg(1e-10), weightDecay: nonNeg(0) },
  slots: () => ['sum'],
  create: (params, opts) => new Adagrad(params, opts),
};

export class Adagrad extends Optimizer {
  constructor(params: Iterable<Tensor>, opts: AdagradOptions = {}) {
    super(params, ADAGRAD_DEF, opts);
  }
  get eps(): number {
    return this.hyper.eps as number;
  }
  get weightDecay(): number {
    return this.hyper.weightDecay as number;
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    K().adagrad(p.ptr, g.ptr, this.slot('sum', i).ptr, p.size, this.lr, this.eps, this.weightDecay);
  }
}

for (const def of [SGD_DEF, ADAM_DEF, ADAMW_DEF, RMSPROP_DEF, ADAGRAD_DEF]) registerOptimizer(def);
