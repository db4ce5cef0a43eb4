/** LayerNorm as a registered module (the op is ts/ops/norm.ts). */
import { KnobsError } from '../errors.js';
import { layerNorm } from '../ops/norm.js';
import { Tensor, ones, zeros } from '../tensor.js';
import { checkConfigKeys, optionalBool, type JsonObject } from './config.js';
import { Module } from './module.js';
import { register } from './registry.js';

export interface LayerNormOptions {
  eps?: number;
  /** Learn a per-element weight (init 1) and bias (init 0). Default true. */
  elementwiseAffine?: boolean;
}

/** torch.nn.LayerNorm: normalises the last axes (normalizedShape) of every sample. */
export class LayerNorm extends Module {
  static readonly type = 'LayerNorm';
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new KnobsError(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    this.eps = opts.eps ?? 1e-5;
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new KnobsError(`LayerNorm: eps must be a positive number, got ${opts.eps}`);
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? this.addParameter('weight', ones(this.normalizedShape)) : null;
    this.bias = affine ? this.addParameter('bias', zeros(this.normalizedShape)) : null;
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override config(): JsonObject {
    return { normalizedShape: this.normalizedShape, eps: this.eps, elementwiseAffine: this.weight !== null };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['normalizedShape', 'eps', 'elementwiseAffine'], where);
    const ns = c.normalizedShape;
    if (!Array.isArray(ns) || ns.length === 0 || ns.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0)) {
      throw new KnobsError(`${where}: normalizedShape must be a non-empty list of positive integers, got ${JSON.stringify(ns)}`);
    }
    if (c.eps !== undefined && (typeof c.eps !== 'number' || !(c.eps > 0))) throw new KnobsError(`${where}: eps must be a positive number, got ${JSON.stringify(c.eps)}`);
    optionalBool(c, 'elementwiseAffine', where);
  }
  static fromConfig(config: JsonObject): LayerNorm {
    LayerNorm.validateConfig(config, 'LayerNorm.fromConfig');
    return new LayerNorm(config.normalizedShape as number[], { eps: config.eps as number | undefined, elementwiseAffine: config.elementwiseAffine as boolean | undefined });
  }
}

register(LayerNorm);
