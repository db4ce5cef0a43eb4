/**
 * MultiheadAttention and TransformerEncoderLayer with PyTorch's semantics in batchFirst layout
 * ([batch, length, embedDim]). Masks as in torch.nn.MultiheadAttention: 1 in attnMask [L, S] or
 * keyPaddingMask [batch, S] means "may NOT attend" (the opposite of scaledDotProductAttention's
 * mask, exactly as in PyTorch).
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { relu } from '../ops/activations.js';
import { attention } from '../ops/attention.js';
import { add, affine, mul } from '../ops/elementwise.js';
import { permute } from '../ops/layout.js';
import { mean } from '../ops/reduce.js';
import { view } from '../ops/shape.js';
import { Rng, seedFor } from '../random.js';
import { Tensor } from '../tensor.js';
import { checkConfigKeys, optionalBool, optionalSeed, positiveInt, type JsonObject } from './config.js';
import { Dropout, Linear } from './layers.js';
import { Module } from './module.js';
import { LayerNorm } from './norm.js';
import { register } from './registry.js';

export interface MultiheadAttentionOptions {
  bias?: boolean;
  seed?: number;
}

export interface AttentionMasks {
  /** [L, S] or [batch·numHeads… broadcastable to [batch, numHeads, L, S]]; 1 = blocked. */
  attnMask?: Tensor | null;
  /** [batch, S]; 1 marks a padding key that no query may attend to. */
  keyPaddingMask?: Tensor | null;
  /** Adds the causal mask (query i sees keys 0..i). */
  isCausal?: boolean;
}

export interface MultiheadForwardOptions extends AttentionMasks {
  /** Return the attention weights (default true, as in PyTorch). */
  needWeights?: boolean;
  /** Weights averaged over heads [batch, L, S] (default) or per head [batch, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

/** A Linear over the last axis of a rank-N input (Linear itself takes [batch, features]). */
function applyRows(lin: Linear, x: Tensor): Tensor {
  const lead = x.shape.slice(0, -1);
  return view(lin.forward(view(x, [lead.reduce((a, b) => a * b, 1), x.shape[x.rank - 1]])), [...lead, lin.outFeatures]);
}

function seedStream(seed: number | undefined): () => number | undefined {
  const rng = seed === undefined ? null : new Rng(seed);
  return () => (rng ? rng.nextU32() : undefined);
}

/** The keep mask (1 = may attend) for [batch, heads, L, S] scores, or null when nothing is masked. */
function keepMask(masks: AttentionMasks, B: number, L: number, S: number): Tensor | null {
  let keep: Tensor | null = null;
  const { attnMask, keyPaddingMask } = masks;
  if (attnMask) {
    if (!(attnMask instanceof Tensor) || attnMask.rank < 2 || attnMask.shape[attnMask.rank - 2] !== L || attnMask.shape[attnMask.rank - 1] !== S) {
      throw new ShapeError(`MultiheadAttention: attnMask ${attnMask instanceof Tensor ? fmtShape(attnMask.shape) : typeof attnMask} must be [${L}, ${S}] (or broadcast to [batch, numHeads, ${L}, ${S}])`);
    }
    keep = affine(attnMask, -1, 1, 'attnMask');
  }
  if (keyPaddingMask) {
    if (!(keyPaddingMask instanceof Tensor) || keyPaddingMask.rank !== 2 || keyPaddingMask.shape[0] !== B || keyPaddingMask.shape[1] !== S) {
      throw new ShapeError(`MultiheadAttention: keyPaddingMask ${keyPaddingMask instanceof Tensor ? fmtShape(keyPaddingMask.shape) : typeof keyPaddingMask} must be [batch, S] = [${B}, ${S}]`);
    }
    const kp = view(affine(keyPaddingMask, -1, 1, 'keyPaddingMask'), [B, 1, 1, S]);
    keep = keep ? mul(keep, kp) : kp;
  }
  return keep;
}

/** torch.nn.MultiheadAttention(embedDim, numHeads, batch_first=True); forward returns [output, weights | null]. */
export class MultiheadAttention extends Module<[Tensor, Tensor?, Tensor?, MultiheadForwardOptions?], [Tensor, Tensor | null]> {
  static readonly type = 'MultiheadAttention';
  readonly headDim: number;
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly outProj: Linear;
  private readonly seed: number | undefined;
  private readonly hasBias: boolean;
  constructor(readonly embedDim: number, readonly numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    for (const [n, v] of [['embedDim', embedDim], ['numHeads', numHeads]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`MultiheadAttention: ${n} must be a positive integer, got ${v}`);
    }
    if (embedDim % numHeads !== 0) throw new KnobsError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.seed = opts.seed;
    this.hasBias = opts.bias ?? true;
    const s = seedStream(opts.seed);
    const lin = () => new Linear(embedDim, embedDim, { bias: this.hasBias, seed: s() });
    this.qProj = this.addModule('qProj', lin());
    this.kProj = this.addModule('kProj', lin());
    this.vProj = this.addModule('vProj', lin());
    this.outProj = this.addModule('outProj', lin());
  }

  /** Projects [B, T, E] and splits the heads: → [B, H, T, D]. */
  private heads(proj: Linear, x: Tensor, B: number, T: number): Tensor {
    return permute(view(applyRows(proj, x), [B, T, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }

  /** Self-attention when key and value are omitted. Inputs [batch, L, E], [batch, S, E], [batch, S, E]. */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, opts: MultiheadForwardOptions = {}): [Tensor, Tensor | null] {
    const E = this.embedDim;
    for (const [n, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (!(t instanceof Tensor) || t.rank !== 3 || t.shape[2] !== E) {
        throw new ShapeError(`MultiheadAttention: ${n} ${t instanceof Tensor ? fmtShape(t.shape) : typeof t} must be [batch, length, ${E}]`);
      }
    }
    const [B, L] = query.shape, S = key.shape[1];
    if (key.shape[0] !== B || value.shape[0] !== B || value.shape[1] !== S) {
      throw new ShapeError(`MultiheadAttention: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must share the batch, and key and value the length`);
    }
    const keep = keepMask(opts, B, L, S);
    const q = this.heads(this.qProj, query, B, L);
    const k = this.heads(this.kProj, key, B, S);
    const v = this.heads(this.vProj, value, B, S);
    const { output, weights } = attention(q, k, v, { mask: keep, causal: !!opts.isCausal });
    const merged = view(permute(output, [0, 2, 1, 3]), [B, L, E]);
    const out = applyRows(this.outProj, merged);
    if (opts.needWeights === false) return [out, null];
    return [out, opts.averageAttnWeights === false ? weights : mean(weights, { axis: 1 })];
  }
  override config(): JsonObject {
    const c: JsonObject = { embedDim: this.embedDim, numHeads: this.numHeads, bias: this.hasBias };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['embedDim', 'numHeads', 'bias', 'seed'], where);
    const e = positiveInt(c, 'embedDim', where), h = positiveInt(c, 'numHeads', where);
    if (e % h !== 0) throw new KnobsError(`${where}: embedDim ${e} must be divisible by numHeads ${h}`);
    optionalBool(c, 'bias', where);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): MultiheadAttention {
    MultiheadAttention.validateConfig(config, 'MultiheadAttention.fromConfig');
    return new MultiheadAttention(config.embedDim as number, config.numHeads as number, { bias: config.bias as boolean | undefined, seed: config.seed as number | undefined });
  }
}

export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block. Default 2048 (PyTorch's). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block. Default 0.1. */
  dropout?: number;
  layerNormEps?: number;
  /** Pre-norm (LayerNorm before each block) instead of PyTorch's default post-norm. */
  normFirst?: boolean;
  seed?: number;
}

/** torch.nn.TransformerEncoderLayer (ReLU, batchFirst): self-attention and a feed-forward block, each with a residual and LayerNorm. */
export class TransformerEncoderLayer extends Module<[Tensor, AttentionMasks?], Tensor> {
  static readonly type = 'TransformerEncoderLayer';
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout: Dropout;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dimFeedforward: number;
  readonly p: number;
  readonly eps: number;
  readonly normFirst: boolean;
  private readonly seed: number | undefined;
  constructor(readonly dModel: number, readonly nhead: number, opts: TransformerEncoderLayerOptions = {}) {
    super();
    this.dimFeedforward = opts.dimFeedforward ?? 2048;
    this.p = opts.dropout ?? 0.1;
    this.eps = opts.layerNormEps ?? 1e-5;
    this.normFirst = opts.normFirst ?? false;
    this.seed = opts.seed;
    const s = seedStream(opts.seed);
    // Dropout streams need a seed; without one they take the global stream's next (manualSeed).
    const ds = () => s() ?? seedFor(undefined)[0];
    this.selfAttn = this.addModule('selfAttn', new MultiheadAttention(dModel, nhead, { seed: s() }));
    this.linear1 = this.addModule('linear1', new Linear(dModel, this.dimFeedforward, { seed: s() }));
    this.linear2 = this.addModule('linear2', new Linear(this.dimFeedforward, dModel, { seed: s() }));
    this.norm1 = this.addModule('norm1', new LayerNorm(dModel, { eps: this.eps }));
    this.norm2 = this.addModule('norm2', new LayerNorm(dModel, { eps: this.eps }));
    this.dropout = this.addModule('dropout', new Dropout(this.p, { seed: ds() }));
    this.dropout1 = this.addModule('dropout1', new Dropout(this.p, { seed: ds() }));
    this.dropout2 = this.addModule('dropout2', new Dropout(this.p, { seed: ds() }));
  }
  private sa(x: Tensor, masks: AttentionMasks): Tensor {
    return this.dropout1.forward(this.selfAttn.forward(x, x, x, { ...masks, needWeights: false })[0]);
  }
  private ff(x: Tensor): Tensor {
    return this.dropout2.forward(applyRows(this.linear2, this.dropout.forward(relu(applyRows(this.linear1, x)))));
  }
  /** src [batch, length, dModel] → same shape. */
  forward(src: Tensor, masks: AttentionMasks = {}): Tensor {
    if (this.normFirst) {
      const x = add(src, this.sa(this.norm1.forward(src), masks));
      return add(x, this.ff(this.norm2.forward(x)));
    }
    const x = this.norm1.forward(add(src, this.sa(src, masks)));
    return this.norm2.forward(add(x, this.ff(x)));
  }
  override config(): JsonObject {
    const c: JsonObject = { dModel: this.dModel, nhead: this.nhead, dimFeedforward: this.dimFeedforward, dropout: this.p, layerNormEps: this.eps, normFirst: this.normFirst };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['dModel', 'nhead', 'dimFeedforward', 'dropout', 'layerNormEps', 'normFirst', 'seed'], where);
    const d = positiveInt(c, 'dModel', where), h = positiveInt(c, 'nhead', where);
    if (d % h !== 0) throw new KnobsError(`${where}: dModel ${d} must be divisible by nhead ${h}`);
    if (c.dimFeedforward !== undefined) positiveInt(c, 'dimFeedforward', where);
    if (c.dropout !== undefined && (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1))) throw new KnobsError(`${where}: dropout must be a number in [0, 1), got ${JSON.stringify(c.dropout)}`);
    if (c.layerNormEps !== undefined && (typeof c.layerNormEps !== 'number' || !(c.layerNormEps > 0))) throw new KnobsError(`${where}: layerNormEps must be a positive number`);
    optionalBool(c, 'normFirst', where);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): TransformerEncoderLayer {
    TransformerEncoderLayer.validateConfig(config, 'TransformerEncoderLayer.fromConfig');
    return new TransformerEncoderLayer(config.dModel as number, config.nhead as number, {
      dimFeedforward: config.dimFeedforward as number | undefined,
      dropout: config.dropout as number | undefined,
      layerNormEps: config.layerNormEps as number | undefined,
      normFirst: config.normFirst as boolean | undefined,
      seed: config.seed as number | undefined,
    });
  }
}

for (const cls of [MultiheadAttention, TransformerEncoderLayer]) register(cls);
