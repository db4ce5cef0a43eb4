/** Lookup tables: nn.Embedding (one vector per id) and nn.EmbeddingBag (summed or averaged bags). */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { mul } from '../ops/elementwise.js';
import { embedding, indexAdd } from '../ops/indexing.js';
import { indexShape, type IndexLike } from '../ops/indices.js';
import { Tensor, randn, tensor, zeros } from '../tensor.js';
import { checkConfigKeys, optionalInt, optionalSeed, positiveInt, type JsonObject } from './config.js';
import { Module } from './module.js';
import { register } from './registry.js';

export interface EmbeddingOptions {
  /** Row that stays zero at init and receives no gradient (a padding token), as torch's padding_idx. */
  paddingIdx?: number;
  seed?: number;
}

function checkSizes(op: string, numEmbeddings: number, embeddingDim: number, paddingIdx: number | undefined): void {
  for (const [n, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`${op}: ${n} must be a positive integer, got ${v}`);
  }
  if (paddingIdx !== undefined && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < numEmbeddings)) {
    throw new KnobsError(`${op}: paddingIdx must be an integer in [0, ${numEmbeddings}), got ${paddingIdx}`);
  }
}

/** PyTorch's init, N(0, 1): a lookup has no fan-in to scale by. */
function table(numEmbeddings: number, embeddingDim: number, paddingIdx: number | undefined, seed: number | undefined): Tensor {
  const w = randn([numEmbeddings, embeddingDim], { seed });
  if (paddingIdx !== undefined) w.data.fill(0, paddingIdx * embeddingDim, (paddingIdx + 1) * embeddingDim);
  return w;
}

/**
 * `weight` [numEmbeddings, embeddingDim]; forward(ids) returns ids.shape + [embeddingDim]. ids are
 * an Int32Array, an array of integers, or a Tensor holding integer values.
 */
export class Embedding extends Module<[IndexLike], Tensor> {
  static readonly type = 'Embedding';
  readonly weight: Tensor;
  readonly paddingIdx: number | undefined;
  private readonly seed: number | undefined;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkSizes('Embedding', numEmbeddings, embeddingDim, opts.paddingIdx);
    this.paddingIdx = opts.paddingIdx;
    this.seed = opts.seed;
    this.weight = this.addParameter('weight', table(numEmbeddings, embeddingDim, opts.paddingIdx, opts.seed));
  }
  forward(ids: IndexLike): Tensor {
    return embedding(this.weight, ids, this.paddingIdx);
  }
  override config(): JsonObject {
    const c: JsonObject = { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim };
    if (this.paddingIdx !== undefined) c.paddingIdx = this.paddingIdx;
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['numEmbeddings', 'embeddingDim', 'paddingIdx', 'seed'], where);
    const n = positiveInt(c, 'numEmbeddings', where);
    positiveInt(c, 'embeddingDim', where);
    const p = optionalInt(c, 'paddingIdx', where);
    if (p !== undefined && (p < 0 || p >= n)) throw new KnobsError(`${where}: paddingIdx must be in [0, ${n}), got ${p}`);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): Embedding {
    Embedding.validateConfig(config, 'Embedding.fromConfig');
    return new Embedding(config.numEmbeddings as number, config.embeddingDim as number, {
      paddingIdx: config.paddingIdx as number | undefined,
      seed: config.seed as number | undefined,
    });
  }
}

export type BagMode = 'sum' | 'mean';

export interface EmbeddingBagOptions {
  /** 'mean' (PyTorch's default) or 'sum' of each bag's rows. */
  mode?: BagMode;
  seed?: number;
}

/** Plain integer values of an index argument (for bag bookkeeping, never for data). */
function valuesOf(x: IndexLike): ArrayLike<number> {
  return x instanceof Tensor ? x.toFloat32Array() : x;
}

/**
 * Sums or averages the embeddings of each bag of ids without materialising a padded batch (a
 * bag-of-words sentence vector). forward(ids, offsets): ids 1-D, bag b is ids[offsets[b] ..
 * offsets[b+1]) (the last runs to the end); or forward(ids) with ids 2-D [bags, length]. An empty
 * bag gives zeros. Output [bags, embeddingDim].
 */
export class EmbeddingBag extends Module<[IndexLike, IndexLike?], Tensor> {
  static readonly type = 'EmbeddingBag';
  readonly weight: Tensor;
  readonly mode: BagMode;
  private readonly seed: number | undefined;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingBagOptions = {}) {
    super();
    checkSizes('EmbeddingBag', numEmbeddings, embeddingDim, undefined);
    const mode = opts.mode ?? 'mean';
    if (mode !== 'sum' && mode !== 'mean') throw new KnobsError(`EmbeddingBag: mode must be 'sum' or 'mean', got ${JSON.stringify(mode)}`);
    this.mode = mode;
    this.seed = opts.seed;
    this.weight = this.addParameter('weight', table(numEmbeddings, embeddingDim, undefined, opts.seed));
  }
  forward(ids: IndexLike, offsets?: IndexLike): Tensor {
    const shape = indexShape('EmbeddingBag', ids, 'ids');
    const bagOf = this.bags(shape, offsets);
    const nBags = bagOf.nBags;
    const rows = embedding(this.weight, ids).reshape([bagOf.ids.length, this.embeddingDim]);
    // Segment sum as a scatter-add of each row into its bag (the index_add kernel).
    const summed = indexAdd(zeros([nBags, this.embeddingDim]), 0, bagOf.ids, rows);
    if (this.mode === 'sum') return summed;
    const inv = new Float32Array(nBags);
    for (let b = 0; b < nBags; b++) inv[b] = bagOf.counts[b] > 0 ? 1 / bagOf.counts[b] : 0;
    return mul(summed, tensor(inv, [nBags, 1]));
  }
  /** Which bag each id belongs to, and how many ids each bag has. */
  private bags(shape: readonly number[], offsets: IndexLike | undefined): { ids: Int32Array; counts: Int32Array; nBags: number } {
    if (shape.length === 2) {
      if (offsets !== undefined) throw new ShapeError(`EmbeddingBag: offsets must be omitted when ids are 2-D ${fmtShape(shape)} (each row is a bag)`);
      const [nBags, len] = shape;
      const ids = new Int32Array(nBags * len);
      for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(i / len);
      return { ids, counts: new Int32Array(nBags).fill(len), nBags };
    }
    if (shape.length !== 1) throw new ShapeError(`EmbeddingBag: ids must be 1-D (with offsets) or 2-D [bags, length], got ${fmtShape(shape)}`);
    if (offsets === undefined) throw new ShapeError(`EmbeddingBag: 1-D ids ${fmtShape(shape)} need offsets (where each bag starts)`);
    const oShape = indexShape('EmbeddingBag', offsets, 'offsets');
    if (oShape.length !== 1 || oShape[0] === 0) throw new ShapeError(`EmbeddingBag: offsets must be 1-D and non-empty, got ${fmtShape(oShape)}`);
    const n = shape[0], off = valuesOf(offsets), nBags = oShape[0];
    if (off[0] !== 0) throw new KnobsError(`EmbeddingBag: offsets must start at 0, got ${off[0]}`);
    for (let b = 1; b < nBags; b++) {
      if (!Number.isInteger(off[b]) || off[b] < off[b - 1] || off[b] > n) {
        throw new KnobsError(`EmbeddingBag: offsets must be integers, non-decreasing and ≤ ${n} (the number of ids), got ${off[b]} at position ${b} after ${off[b - 1]}`);
      }
    }
    const ids = new Int32Array(n), counts = new Int32Array(nBags);
    for (let b = 0; b < nBags; b++) {
      const end = b + 1 < nBags ? off[b + 1] : n;
      ids.fill(b, off[b], end);
      counts[b] = end - off[b];
    }
    return { ids, counts, nBags };
  }
  override config(): JsonObject {
    const c: JsonObject = { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, mode: this.mode };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['numEmbeddings', 'embeddingDim', 'mode', 'seed'], where);
    positiveInt(c, 'numEmbeddings', where);
    positiveInt(c, 'embeddingDim', where);
    if (c.mode !== undefined && c.mode !== 'sum' && c.mode !== 'mean') throw new KnobsError(`${where}: mode must be 'sum' or 'mean', got ${JSON.stringify(c.mode)}`);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): EmbeddingBag {
    EmbeddingBag.validateConfig(config, 'EmbeddingBag.fromConfig');
    return new EmbeddingBag(config.numEmbeddings as number, config.embeddingDim as number, {
      mode: config.mode as BagMode | undefined,
      seed: config.seed as number | undefined,
    });
  }
}

for (const cls of [Embedding, EmbeddingBag]) register(cls);
