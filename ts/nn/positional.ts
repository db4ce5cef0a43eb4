/**
 * Positional encodings for attention, which by itself ignores order: the fixed sinusoids of
 * "Attention is all you need" and a learned table. Both take x [batch, length, dModel] (batchFirst)
 * and return x plus the encoding of positions 0..length−1.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { narrow } from '../ops/layout.js';
import { Tensor, randn, tensor } from '../tensor.js';
import { checkConfigKeys, optionalSeed, positiveInt, type JsonObject } from './config.js';
import { Module } from './module.js';
import { register } from './registry.js';

function checkInput(type: string, x: Tensor, maxLen: number, dModel: number): void {
  if (!(x instanceof Tensor)) throw new KnobsError(`${type}: input must be a Tensor`);
  if (x.rank < 2 || x.shape[x.rank - 1] !== dModel || x.shape[x.rank - 2] > maxLen) {
    throw new ShapeError(`${type}: input ${fmtShape(x.shape)} must be [..., length ≤ ${maxLen}, ${dModel}]`);
  }
}

function checkSizes(type: string, dModel: number, maxLen: number): void {
  for (const [n, v] of [['dModel', dModel], ['maxLen', maxLen]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`${type}: ${n} must be a positive integer, got ${v}`);
  }
}

/** PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(…): fixed, so it is a buffer, not a knob. */
export class SinusoidalPositionalEncoding extends Module {
  static readonly type = 'SinusoidalPositionalEncoding';
  readonly pe: Tensor;
  constructor(readonly dModel: number, readonly maxLen = 512) {
    super();
    checkSizes('SinusoidalPositionalEncoding', dModel, maxLen);
    const d = new Float32Array(maxLen * dModel);
    for (let p = 0; p < maxLen; p++) {
      for (let i = 0; i < dModel; i++) {
        const angle = p / Math.pow(10000, (2 * Math.floor(i / 2)) / dModel);
        d[p * dModel + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
      }
    }
    this.pe = this.addBuffer('pe', tensor(d, [maxLen, dModel]));
  }
  forward(x: Tensor): Tensor {
    checkInput('SinusoidalPositionalEncoding', x, this.maxLen, this.dModel);
    return add(x, narrow(this.pe, 0, 0, x.shape[x.rank - 2]));
  }
  override config(): JsonObject {
    return { dModel: this.dModel, maxLen: this.maxLen };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['dModel', 'maxLen'], where);
    positiveInt(c, 'dModel', where);
    positiveInt(c, 'maxLen', where);
  }
  static fromConfig(config: JsonObject): SinusoidalPositionalEncoding {
    SinusoidalPositionalEncoding.validateConfig(config, 'SinusoidalPositionalEncoding.fromConfig');
    return new SinusoidalPositionalEncoding(config.dModel as number, config.maxLen as number);
  }
}

/** A learned [maxLen, dModel] table (BERT/GPT style), initialised N(0, 0.02²). */
export class LearnedPositionalEncoding extends Module {
  static readonly type = 'LearnedPositionalEncoding';
  readonly weight: Tensor;
  private readonly seed: number | undefined;
  constructor(readonly maxLen: number, readonly dModel: number, opts: { seed?: number } = {}) {
    super();
    checkSizes('LearnedPositionalEncoding', dModel, maxLen);
    this.seed = opts.seed;
    this.weight = this.addParameter('weight', randn([maxLen, dModel], { std: 0.02, seed: opts.seed }));
  }
  forward(x: Tensor): Tensor {
    checkInput('LearnedPositionalEncoding', x, this.maxLen, this.dModel);
    return add(x, narrow(this.weight, 0, 0, x.shape[x.rank - 2]));
  }
  override config(): JsonObject {
    const c: JsonObject = { maxLen: this.maxLen, dModel: this.dModel };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['maxLen', 'dModel', 'seed'], where);
    positiveInt(c, 'maxLen', where);
    positiveInt(c, 'dModel', where);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): LearnedPositionalEncoding {
    LearnedPositionalEncoding.validateConfig(config, 'LearnedPositionalEncoding.fromConfig');
    return new LearnedPositionalEncoding(config.maxLen as number, config.dModel as number, { seed: config.seed as number | undefined });
  }
}

for (const cls of [SinusoidalPositionalEncoding, LearnedPositionalEncoding]) register(cls);
