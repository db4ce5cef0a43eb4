/**
 * Datasets live in JS memory (a Float32Array per field); only the current minibatch is in wasm.
 * A DataLoader copies the rows of each batch into one wasm tensor that it reuses for every batch
 * of that size, so an epoch costs one row copy per sample and no allocation after the first batch.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, fmtValue } from '../options.js';
import { Rng, seedFor } from '../random.js';
import { keep } from '../scope.js';
import { Tensor, empty, shapeSize, type Shape } from '../tensor.js';

/** A field of a dataset: samples along the first axis of `shape`. */
export interface ArrayData {
  data: Float32Array;
  shape: Shape;
}

/** Anything a DataLoader can draw minibatches from. */
export interface Dataset {
  readonly length: number;
  /** Shape of one sample's input and target (without the batch axis). */
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
  /** Copies the inputs (targets) of samples `indices[from..to)` into `out`, row after row. */
  copyX(indices: ArrayLike<number> | null, from: number, to: number, out: Float32Array): void;
  copyY(indices: ArrayLike<number> | null, from: number, to: number, out: Float32Array): void;
}

function checkField(op: string, name: string, f: ArrayData): number[] {
  if (!f || !(f.data instanceof Float32Array)) throw new KnobsError(`${op}: ${name}.data must be a Float32Array (or pass a Tensor, which is copied out)`);
  const shape = [...f.shape];
  // A view of wasm memory detached by a growth reads as empty: say so instead of "0 values".
  if (f.data.byteLength === 0 && f.data.buffer.byteLength === 0 && shapeSize(shape) > 0) {
    throw new KnobsError(`${op}: ${name}.data is a detached view (wasm memory grew since it was taken, e.g. tensor.data); pass the Tensor itself or tensor.toFloat32Array()`);
  }
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${op}: ${name} shape ${fmtShape(shape)} must have a sample axis and non-negative integer sizes`);
  }
  if (shapeSize(shape) !== f.data.length) throw new ShapeError(`${op}: ${name} has ${f.data.length} values but shape ${fmtShape(shape)} needs ${shapeSize(shape)}`);
  return shape;
}

function copyRows(src: Float32Array, row: number, indices: ArrayLike<number> | null, from: number, to: number, out: Float32Array): void {
  if (!indices) {
    out.set(src.subarray(from * row, to * row));
    return;
  }
  for (let i = from, o = 0; i < to; i++, o += row) {
    const s = indices[i] * row;
    out.set(src.subarray(s, s + row), o);
  }
}

function ownField(f: ArrayData | Tensor): ArrayData {
  if (!(f instanceof Tensor)) return f;
  if (f.isDisposed) throw new KnobsError('TensorDataset: the tensor is disposed');
  return { data: f.toFloat32Array(), shape: f.shape };
}

/**
 * Inputs x and targets y as Float32Arrays, samples along axis 0 (PyTorch's TensorDataset).
 * y may be one-hot rows [n, classes], class labels [n], or any regression target.
 * `take`, `slice` and `validationSplit` return views: no data is copied. For a shuffled,
 * stratified train/test split with scikit-learn's meaning use trainTestSplit (data/split.ts).
 */
export class TensorDataset implements Dataset {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
  readonly length: number;
  private readonly xRow: number;
  private readonly yRow: number;

  /**
   * x and y: { data: Float32Array, shape } (kept by reference, not copied) or Tensors. A Tensor is
   * copied out of wasm memory here, because a view of that memory is detached when it grows.
   */
  constructor(x: ArrayData | Tensor, y: ArrayData | Tensor) {
    x = ownField(x);
    y = ownField(y);
    const xs = checkField('TensorDataset', 'x', x);
    const ys = checkField('TensorDataset', 'y', y);
    if (xs[0] !== ys[0]) throw new ShapeError(`TensorDataset: x ${fmtShape(xs)} and y ${fmtShape(ys)} have different sample counts (${xs[0]} vs ${ys[0]})`);
    this.x = x.data;
    this.y = y.data;
    this.length = xs[0];
    this.xShape = Object.freeze(xs.slice(1));
    this.yShape = Object.freeze(ys.slice(1));
    this.xRow = shapeSize(this.xShape);
    this.yRow = shapeSize(this.yShape);
  }

  copyX(indices: ArrayLike<number> | null, from: number, to: number, out: Float32Array): void {
    copyRows(this.x, this.xRow, indices, from, to, out);
  }
  copyY(indices: ArrayLike<number> | null, from: number, to: number, out: Float32Array): void {
    copyRows(this.y, this.yRow, indices, from, to, out);
  }

  /** Samples [start, end) as a view. */
  slice(start: number, end = this.length): TensorDataset {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.length || start > end) {
      throw new KnobsError(`TensorDataset.slice: range [${start}, ${end}) is not inside [0, ${this.length})`);
    }
    return new TensorDataset(
      { data: this.x.subarray(start * this.xRow, end * this.xRow), shape: [end - start, ...this.xShape] },
      { data: this.y.subarray(start * this.yRow, end * this.yRow), shape: [end - start, ...this.yShape] },
    );
  }
  /** The first n samples (the book trains on the first 1000 MNIST images). */
  take(n: number): TensorDataset {
    if (!Number.isInteger(n) || n < 0) throw new KnobsError(`TensorDataset.take: n must be a non-negative integer, got ${fmtValue(n)}`);
    return this.slice(0, Math.min(n, this.length));
  }
  /**
   * Keras' validation_split: the last `valFraction` of the samples (taken from the end, before any
   * shuffling, so it does not depend on a seed) become the validation side. Returns [train, val]:
   * validationSplit(0.2) on 600 rows gives 480 and 120. (Named so, not `split`, because an
   * sklearn user reads split(0.8) as "80% train"; trainTestSplit is the sklearn-style split.)
   */
  validationSplit(valFraction: number): [TensorDataset, TensorDataset] {
    if (!(valFraction > 0 && valFraction < 1)) throw new KnobsError(`TensorDataset.validationSplit: valFraction must be in (0, 1), got ${fmtValue(valFraction)}`);
    const cut = this.length - Math.round(this.length * valFraction);
    if (cut <= 0 || cut >= this.length) throw new KnobsError(`TensorDataset.validationSplit: valFraction ${valFraction} of ${this.length} samples leaves one side empty`);
    return [this.slice(0, cut), this.slice(cut)];
  }
}

export interface DataLoaderOptions {
  batchSize?: number;
  /** Reorder the samples every epoch (seeded: the same seed gives the same order per epoch). */
  shuffle?: boolean;
  seed?: number;
  /** Skip the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
}

/** One minibatch. The tensors belong to the loader and are overwritten by the next batch. */
export interface Batch {
  x: Tensor;
  y: Tensor;
  /** Number of samples in this batch (smaller than batchSize for a last partial batch). */
  size: number;
  /** Position of the batch in the epoch. */
  index: number;
}

/**
 * Iterates a Dataset in minibatches: `for (const { x, y } of loader) …`. Each iteration is one
 * epoch; with shuffle on, iteration k uses the permutation of (seed, k), so a run is repeatable.
 * `epoch(k)` gives the batches of epoch k directly (used by fit to resume at the right order).
 *
 * The yielded x and y are reused buffers: they are valid until the next batch is drawn; clone()
 * one to keep it. Do not dispose them (the loader does, when the iteration ends).
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  private epochsDrawn = 0;

  constructor(dataset: Dataset, opts: DataLoaderOptions = {}) {
    if (!dataset || typeof dataset.copyX !== 'function' || typeof dataset.length !== 'number') {
      throw new KnobsError('DataLoader: expected a Dataset (e.g. new TensorDataset({ data, shape }, { data, shape }))');
    }
    this.dataset = dataset;
    opts = checkOptions('DataLoader', opts, ['batchSize', 'shuffle', 'seed', 'dropLast']);
    this.batchSize = opts.batchSize ?? 32;
    this.shuffle = opts.shuffle ?? false;
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) throw new KnobsError(`DataLoader: batchSize must be a positive integer, got ${fmtValue(opts.batchSize)}`);
    if (!Number.isFinite(this.seed)) throw new KnobsError(`DataLoader: seed must be a finite number, got ${fmtValue(opts.seed)}`);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  /** Samples per epoch (fewer than the dataset's when dropLast cuts a partial batch). */
  get samplesPerEpoch(): number {
    return this.dropLast ? this.length * this.batchSize : this.dataset.length;
  }

  /** Same options over another dataset (fit's validation split uses it). */
  withDataset(dataset: Dataset, opts: DataLoaderOptions = {}): DataLoader {
    return new DataLoader(dataset, { batchSize: this.batchSize, shuffle: this.shuffle, seed: this.seed, dropLast: this.dropLast, ...opts });
  }

  /** The sample order of epoch k (null: natural order). */
  order(epoch: number): Uint32Array | null {
    if (!this.shuffle) return null;
    const [lo, hi] = seedFor(this.seed, epoch);
    const rng = new Rng(lo + (hi & 0x1fffff) * 2 ** 32);
    const idx = new Uint32Array(this.dataset.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    return rng.shuffle(idx);
  }

  [Symbol.iterator](): Iterator<Batch> {
    return this.epoch(this.epochsDrawn++);
  }

  *epoch(k: number): Generator<Batch, void, undefined> {
    const ds = this.dataset;
    const order = this.order(k);
    const nBatches = this.length;
    // One x/y pair, reused for every batch of the same size; only the last partial batch of an
    // epoch needs another (the full-size pair is freed then, so at most one pair is ever live).
    let buf: { size: number; x: Tensor; y: Tensor } | null = null;
    const free = () => {
      buf?.x.dispose();
      buf?.y.dispose();
      buf = null;
    };
    const bufferFor = (size: number) => {
      if (!buf || buf.size !== size || buf.x.isDisposed || buf.y.isDisposed) {
        free();
        buf = { size, x: empty([size, ...ds.xShape], 'batch'), y: empty([size, ...ds.yShape], 'batch') };
        // Untracked: a batch drawn inside someone's tidy() must outlive it.
        keep(buf.x);
        keep(buf.y);
      }
      return buf;
    };
    try {
      for (let i = 0; i < nBatches; i++) {
        const from = i * this.batchSize;
        const to = Math.min(from + this.batchSize, ds.length);
        const b = bufferFor(to - from);
        // Views are made right before the copy: nothing in between can grow wasm memory.
        ds.copyX(order, from, to, b.x.data);
        ds.copyY(order, from, to, b.y.data);
        yield { x: b.x, y: b.y, size: to - from, index: i };
      }
    } finally {
      free();
    }
  }
}
