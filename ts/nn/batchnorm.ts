/**
 * BatchNorm1d and BatchNorm2d (PyTorch's names, defaults and state-dict keys): normalise each
 * channel by the batch's mean and variance while training, by running estimates in eval().
 * Built from differentiable primitives (mean, sub, mul, pow), so the gradient flows through the
 * batch statistics exactly as autograd derives it.
 */
import { noGrad } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { add, mul, pow, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { Tensor, ones, zeros } from '../tensor.js';
import { checkConfigKeys, optionalBool, positiveInt, type JsonObject } from './config.js';
import { Module } from './module.js';
import { register } from './registry.js';

export interface BatchNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of the new batch in the running estimates. Default 0.1. */
  momentum?: number;
  /** Learnable per-channel scale (weight, ones) and shift (bias, zeros). Default true. */
  affine?: boolean;
  /** Keep running estimates for eval(); without them eval() also uses batch statistics. Default true. */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(
    private readonly layerType: string,
    readonly numFeatures: number,
    opts: BatchNormOptions,
  ) {
    super();
    const where = layerType;
    checkConfigKeys(opts, ['eps', 'momentum', 'affine', 'trackRunningStats'], where);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new KnobsError(`${where}: numFeatures must be a positive integer, got ${fmtValue(numFeatures)}`);
    const eps = opts.eps ?? 1e-5;
    const momentum = opts.momentum ?? 0.1;
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) throw new KnobsError(`${where}: eps must be a positive number, got ${fmtValue(eps)}`);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new KnobsError(`${where}: momentum must be a number in [0, 1], got ${fmtValue(momentum)}`);
    for (const k of ['affine', 'trackRunningStats'] as const) {
      if (opts[k] !== undefined && typeof opts[k] !== 'boolean') throw new KnobsError(`${where}: ${k} must be true or false, got ${fmtValue(opts[k])}`);
    }
    this.eps = eps;
    this.momentum = momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? this.addParameter('weight', ones([numFeatures])) : null;
    this.bias = this.affine ? this.addParameter('bias', zeros([numFeatures])) : null;
    // PyTorch's state-dict keys, so a saved BatchNorm reads like PyTorch's.
    this.runningMean = this.trackRunningStats ? this.addBuffer('running_mean', zeros([numFeatures])) : null;
    this.runningVar = this.trackRunningStats ? this.addBuffer('running_var', ones([numFeatures])) : null;
    this.numBatchesTracked = this.trackRunningStats ? this.addBuffer('num_batches_tracked', zeros([1])) : null;
  }

  get label(): string {
    return `${this.layerType}(${this.numFeatures})`;
  }

  /** The input ranks this layer accepts, and how they are described in an error. */
  protected abstract readonly ranks: readonly number[];
  protected abstract readonly axesText: string;

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new KnobsError(`${this.label}: input must be a Tensor, got ${fmtValue(x)}`);
    if (!this.ranks.includes(x.rank)) throw new ShapeError(`${this.label}: input must be ${this.axesText}, got ${fmtShape(x.shape)}`);
    if (x.shape[1] !== this.numFeatures) throw new ShapeError(`${this.label}: input ${fmtShape(x.shape)} has ${x.shape[1]} channels, expected ${this.numFeatures}`);
    // Statistics are per channel (axis 1), over the batch and every spatial position.
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const count = axes.reduce((n, a) => n * x.shape[a], 1);
    const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const useBatch = this.training || !this.trackRunningStats;
    if (useBatch && count <= 1) throw new ShapeError(`${this.label}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
    let y: Tensor;
    if (useBatch) {
      const reduce = (t: Tensor) => axes.reduce((acc, a) => mean(acc, { axis: a, keepDims: true }), t);
      const mu = reduce(x);
      const xc = sub(x, mu);
      // Biased variance normalises (as PyTorch); the running estimate stores the unbiased one.
      const v = reduce(mul(xc, xc));
      y = mul(xc, pow(add(v, this.eps), -0.5));
      if (this.training && this.trackRunningStats) this.updateRunning(mu, v, count);
    } else {
      y = mul(sub(x, this.runningMean!.reshape(statShape)), pow(add(this.runningVar!.reshape(statShape), this.eps), -0.5));
    }
    if (this.affine) y = add(mul(y, this.weight!.reshape(statShape)), this.bias!.reshape(statShape));
    return y;
  }

  private updateRunning(mu: Tensor, v: Tensor, count: number): void {
    noGrad(() => {
      const m = this.momentum;
      const rm = this.runningMean!.data, rv = this.runningVar!.data;
      const bm = mu.data, bv = v.data;
      const unbias = count / (count - 1);
      // numFeatures values: a per-channel blend, not data movement worth a kernel.
      for (let c = 0; c < rm.length; c++) {
        rm[c] = (1 - m) * rm[c] + m * bm[c];
        rv[c] = (1 - m) * rv[c] + m * bv[c] * unbias;
      }
      this.numBatchesTracked!.data[0] += 1;
    });
  }

  override config(): JsonObject {
    return { numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum, affine: this.affine, trackRunningStats: this.trackRunningStats };
  }

  static validateBn(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['numFeatures', 'eps', 'momentum', 'affine', 'trackRunningStats'], where);
    positiveInt(c, 'numFeatures', where);
    if (c.eps !== undefined && !(typeof c.eps === 'number' && c.eps > 0)) throw new KnobsError(`${where}: eps must be a positive number, got ${JSON.stringify(c.eps)}`);
    if (c.momentum !== undefined && !(typeof c.momentum === 'number' && c.momentum >= 0 && c.momentum <= 1)) throw new KnobsError(`${where}: momentum must be a number in [0, 1], got ${JSON.stringify(c.momentum)}`);
    optionalBool(c, 'affine', where);
    optionalBool(c, 'trackRunningStats', where);
  }
}

function optsOf(c: JsonObject): BatchNormOptions {
  return { eps: c.eps as number | undefined, momentum: c.momentum as number | undefined, affine: c.affine as boolean | undefined, trackRunningStats: c.trackRunningStats as boolean | undefined };
}

/** Over [N, C] or [N, C, L]: statistics per feature C. */
export class BatchNorm1d extends BatchNormBase {
  static readonly type = 'BatchNorm1d';
  protected readonly ranks = [2, 3] as const;
  protected readonly axesText = '2-D [batch, features] or 3-D [batch, channels, length]';
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, opts);
  }
  static validateConfig(config: JsonObject, where: string): void {
    BatchNormBase.validateBn(config, where);
  }
  static fromConfig(config: JsonObject): BatchNorm1d {
    BatchNorm1d.validateConfig(config, 'BatchNorm1d.fromConfig');
    return new BatchNorm1d(config.numFeatures as number, optsOf(config));
  }
}

/** Over [N, C, H, W]: statistics per channel C, over batch and pixels. */
export class BatchNorm2d extends BatchNormBase {
  static readonly type = 'BatchNorm2d';
  protected readonly ranks = [4] as const;
  protected readonly axesText = '4-D [batch, channels, height, width]';
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, opts);
  }
  static validateConfig(config: JsonObject, where: string): void {
    BatchNormBase.validateBn(config, where);
  }
  static fromConfig(config: JsonObject): BatchNorm2d {
    BatchNorm2d.validateConfig(config, 'BatchNorm2d.fromConfig');
    return new BatchNorm2d(config.numFeatures as number, optsOf(config));
  }
}

register(BatchNorm1d);
register(BatchNorm2d);
