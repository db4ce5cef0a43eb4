/** SGD (momentum, Nesterov), Adam/AdamW, RMSprop, Adagrad — PyTorch semantics and defaults. */
import { K } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { Optimizer, checkHyper } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super(params, 'SGD');
    checkHyper('SGD', 'lr', opts.lr, 0, Infinity, true);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    checkHyper('SGD', 'momentum', this.momentum, 0, 1);
    checkHyper('SGD', 'weightDecay', this.weightDecay, 0, Infinity);
    if (this.nesterov && this.momentum === 0) throw new KnobsError('SGD: nesterov needs momentum > 0');
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const v = this.momentum !== 0 ? this.slot('momentum', i).ptr : 0;
    K().sgd(p.ptr, g.ptr, v, p.size, this.lr, this.momentum, this.weightDecay, this.nesterov);
  }
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of adding decay to the gradient. */
  decoupled?: boolean;
}

export class Adam extends Optimizer {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, opts.decoupled ? 'AdamW' : 'Adam');
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? (opts.decoupled ? 1e-2 : 0);
    this.decoupled = !!opts.decoupled;
    checkHyper(this.name, 'lr', this.lr, 0, Infinity, true);
    checkHyper(this.name, 'beta1', this.beta1, 0, 1);
    checkHyper(this.name, 'beta2', this.beta2, 0, 1);
    checkHyper(this.name, 'eps', this.eps, 0, Infinity);
    checkHyper(this.name, 'weightDecay', this.weightDecay, 0, Infinity);
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const t = this.stepCount;
    const m = this.slot('m', i), v = this.slot('v', i);
    K().adam(p.ptr, g.ptr, m.ptr, v.ptr, p.size, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, this.decoupled, 1 - this.beta1 ** t, 1 - this.beta2 ** t);
  }
}

export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, opts: Omit<AdamOptions, 'decoupled'> = {}) {
    super(params, { ...opts, decoupled: true });
  }
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
}

export class RMSprop extends Optimizer {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  constructor(params: Iterable<Tensor>, opts: RMSpropOptions = {}) {
    super(params, 'RMSprop');
    this.lr = opts.lr ?? 1e-2;
    this.alpha = opts.alpha ?? 0.99;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    checkHyper('RMSprop', 'lr', this.lr, 0, Infinity, true);
    checkHyper('RMSprop', 'alpha', this.alpha, 0, 1);
    checkHyper('RMSprop', 'eps', this.eps, 0, Infinity);
    checkHyper('RMSprop', 'weightDecay', this.weightDecay, 0, Infinity);
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

export class Adagrad extends Optimizer {
  readonly lr: number;
  readonly eps: number;
  readonly weightDecay: number;
  constructor(params: Iterable<Tensor>, opts: AdagradOptions = {}) {
    super(params, 'Adagrad');
    this.lr = opts.lr ?? 1e-2;
    this.eps = opts.eps ?? 1e-10;
    this.weightDecay = opts.weightDecay ?? 0;
    checkHyper('Adagrad', 'lr', this.lr, 0, Infinity, true);
    checkHyper('Adagrad', 'eps', this.eps, 0, Infinity);
    checkHyper('Adagrad', 'weightDecay', this.weightDecay, 0, Infinity);
  }
  protected update(p: Tensor, g: Tensor, i: number): void {
    K().adagrad(p.ptr, g.ptr, this.slot('sum', i).ptr, p.size, this.lr, this.eps, this.weightDecay);
  }
}
