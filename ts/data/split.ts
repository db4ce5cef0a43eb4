/**
 * trainTestSplit with scikit-learn's arguments and meaning: `testSize` is the share (or count) of
 * samples that go to the TEST side, `trainSize` likewise for the train side, results come back as
 * [xTrain, xTest, yTrain, yTest]. Sizes follow sklearn exactly (test = ceil(testSize·n), train =
 * floor(trainSize·n), default testSize 0.25), and a stratified split allocates each class as
 * sklearn's StratifiedShuffleSplit does. The shuffled order itself comes from knobs' seeded Rng, so
 * it differs from NumPy's; ties in the stratified allocation are broken by the same Rng.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, fmtValue } from '../options.js';
import { Rng, seedFor } from '../random.js';
import { shapeSize } from '../tensor.js';
import { TensorDataset } from './dataset.js';

export interface TrainTestSplitOptions {
  /** Float in (0, 1): share of samples in the test set; integer: number of test samples. Default 0.25 (when trainSize is also unset). */
  testSize?: number;
  /** Float in (0, 1): share of samples in the train set; integer: number of train samples. Default: the complement of testSize. */
  trainSize?: number;
  /** Shuffle before splitting (default true). Without shuffling, train is the first rows, test the next ones. */
  shuffle?: boolean;
  /** Seed of the shuffle: the same seed gives the same split. Default: drawn from the global stream (manualSeed). */
  randomState?: number;
  /** Class labels, one per sample: each class keeps its proportion on both sides (needs shuffle). */
  stratify?: ArrayLike<number | string>;
}

/** A typed array of rows (samples along axis 0 of `shape`). */
export interface ShapedArray<A extends TypedArray = TypedArray> {
  data: A;
  shape: readonly number[];
}
type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int16Array | Uint16Array | Int8Array;
/** What trainTestSplit splits: { data, shape }, a plain array (one element per sample), a typed vector, or a TensorDataset. */
export type Splittable = ShapedArray | readonly unknown[] | TypedArray | TensorDataset;

const OPTION_KEYS = ['testSize', 'trainSize', 'shuffle', 'randomState', 'stratify'] as const;

function nSamples(op: string, a: Splittable, i: number): number {
  if (a instanceof TensorDataset) return a.length;
  if (Array.isArray(a) || ArrayBuffer.isView(a)) return (a as ArrayLike<unknown>).length;
  if (a && typeof a === 'object' && 'data' in a && 'shape' in a && ArrayBuffer.isView(a.data)) {
    const s = [...a.shape];
    if (s.length === 0 || s.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`${op}: array ${i} has shape ${fmtShape(s)}; it needs a sample axis`);
    if (shapeSize(s) !== a.data.length) throw new ShapeError(`${op}: array ${i} has ${a.data.length} values but shape ${fmtShape(s)} needs ${shapeSize(s)}`);
    return s[0];
  }
  throw new KnobsError(`${op}: array ${i} must be { data, shape }, an array, a typed array or a TensorDataset, got ${a === null ? 'null' : typeof a}`);
}

function isSize(v: number): 'f' | 'i' | null {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return null;
  if (Number.isInteger(v)) return 'i';
  return v < 1 ? 'f' : null;
}

/** sklearn's _validate_shuffle_split: [nTrain, nTest]. */
export function splitSizes(op: string, n: number, testSize: number | undefined, trainSize: number | undefined): [number, number] {
  if (testSize === undefined && trainSize === undefined) testSize = 0.25;
  const tt = testSize === undefined ? null : isSize(testSize);
  const tr = trainSize === undefined ? null : isSize(trainSize);
  if (testSize !== undefined && tt === null) throw new KnobsError(`${op}: testSize must be a float in (0, 1) or a positive integer, got ${fmtValue(testSize)}`);
  if (trainSize !== undefined && tr === null) throw new KnobsError(`${op}: trainSize must be a float in (0, 1) or a positive integer, got ${fmtValue(trainSize)}`);
  if (tt === 'i' && testSize! >= n) throw new KnobsError(`${op}: testSize=${testSize} must be smaller than the number of samples ${n}`);
  if (tr === 'i' && trainSize! >= n) throw new KnobsError(`${op}: trainSize=${trainSize} must be smaller than the number of samples ${n}`);
  if (tt === 'f' && tr === 'f' && testSize! + trainSize! > 1) throw new KnobsError(`${op}: testSize + trainSize = ${testSize! + trainSize!} must be at most 1`);
  let nTest = tt === 'f' ? Math.ceil(testSize! * n) : tt === 'i' ? testSize! : NaN;
  let nTrain = tr === 'f' ? Math.floor(trainSize! * n) : tr === 'i' ? trainSize! : NaN;
  if (trainSize === undefined) nTrain = n - nTest;
  else if (testSize === undefined) nTest = n - nTrain;
  if (nTrain + nTest > n) throw new KnobsError(`${op}: train (${nTrain}) + test (${nTest}) samples exceed the ${n} samples`);
  if (nTrain === 0) throw new KnobsError(`${op}: with ${n} samples, testSize=${fmtValue(testSize)} and trainSize=${fmtValue(trainSize)} the train set is empty`);
  if (nTest === 0) throw new KnobsError(`${op}: with ${n} samples, testSize=${fmtValue(testSize)} and trainSize=${fmtValue(trainSize)} the test set is empty`);
  return [nTrain, nTest];
}

/**
 * sklearn's _approximate_mode: draws per class proportional to its count, the floors first, then
 * one more for the largest remainders (ties broken by rng).
 */
function approximateMode(counts: number[], draws: number, rng: Rng): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  // Same operation order as NumPy's `counts / counts.sum() * n_draws`, so remainders compare equal where sklearn's do.
  const cont = counts.map((c) => (c / total) * draws);
  const out = cont.map(Math.floor);
  let need = draws - out.reduce((s, c) => s + c, 0);
  const rem = cont.map((c, i) => c - out[i]);
  const values = [...new Set(rem)].sort((a, b) => b - a);
  for (const v of values) {
    if (need <= 0) break;
    const inds = rem.flatMap((r, i) => (r === v ? [i] : []));
    rng.shuffle(inds);
    const now = Math.min(inds.length, need);
    for (let j = 0; j < now; j++) out[inds[j]]++;
    need -= now;
  }
  return out;
}

/** Row indices of the two sides: [train, test]. */
export function trainTestSplitIndices(n: number, opts: TrainTestSplitOptions = {}, op = 'trainTestSplitIndices'): [Uint32Array, Uint32Array] {
  opts = checkOptions(op, opts, OPTION_KEYS);
  if (!Number.isInteger(n) || n < 0) throw new KnobsError(`${op}: the number of samples must be a non-negative integer, got ${fmtValue(n)}`);
  if (n === 0) throw new KnobsError(`${op}: there are no samples to split`);
  const shuffle = opts.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new KnobsError(`${op}: shuffle must be true or false, got ${fmtValue(shuffle)}`);
  if (opts.randomState !== undefined && !Number.isFinite(opts.randomState)) throw new KnobsError(`${op}: randomState must be a finite number, got ${fmtValue(opts.randomState)}`);
  const [nTrain, nTest] = splitSizes(op, n, opts.testSize, opts.trainSize);
  if (!shuffle) {
    if (opts.stratify !== undefined) throw new KnobsError(`${op}: stratify needs shuffle: true (as in scikit-learn)`);
    return [Uint32Array.from({ length: nTrain }, (_, i) => i), Uint32Array.from({ length: nTest }, (_, i) => nTrain + i)];
  }
  const [lo, hi] = seedFor(opts.randomState, 0x5e11);
  const rng = new Rng(lo + (hi & 0x1fffff) * 2 ** 32);
  if (opts.stratify === undefined) {
    const perm = rng.shuffle(Uint32Array.from({ length: n }, (_, i) => i));
    // ShuffleSplit's layout: the test rows first in the permutation, then the train rows.
    return [perm.slice(nTest, nTest + nTrain), perm.slice(0, nTest)];
  }
  const y = opts.stratify;
  if (!y || typeof y !== 'object' || typeof y.length !== 'number') throw new KnobsError(`${op}: stratify must be an array of class labels, got ${fmtValue(y)}`);
  if (y.length !== n) throw new ShapeError(`${op}: stratify has ${y.length} labels for ${n} samples`);
  const byClass = new Map<number | string, number[]>();
  for (let i = 0; i < n; i++) {
    const c = y[i];
    if (typeof c !== 'string' && !Number.isFinite(c)) throw new KnobsError(`${op}: stratify label ${fmtValue(c)} at index ${i} is not a class`);
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  // Classes in sorted order, as np.unique gives them: tie-breaking then does not depend on row order.
  const classes = [...byClass.keys()].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  const counts = classes.map((c) => byClass.get(c)!.length);
  const least = Math.min(...counts);
  if (least < 2) throw new KnobsError(`${op}: the least populated class in stratify (${fmtValue(classes[counts.indexOf(least)])}) has only 1 member; each class needs at least 2`);
  if (nTrain < classes.length) throw new KnobsError(`${op}: the train size ${nTrain} is smaller than the number of classes ${classes.length}`);
  if (nTest < classes.length) throw new KnobsError(`${op}: the test size ${nTest} is smaller than the number of classes ${classes.length}`);
  const nI = approximateMode(counts, nTrain, rng);
  const tI = approximateMode(counts.map((c, i) => c - nI[i]), nTest, rng);
  const train: number[] = [], test: number[] = [];
  classes.forEach((c, k) => {
    const rows = rng.shuffle(byClass.get(c)!.slice());
    train.push(...rows.slice(0, nI[k]));
    test.push(...rows.slice(nI[k], nI[k] + tI[k]));
  });
  return [rng.shuffle(Uint32Array.from(train)), rng.shuffle(Uint32Array.from(test))];
}

function take<T extends Splittable>(a: T, idx: Uint32Array): T {
  if (a instanceof TensorDataset) {
    const x = new Float32Array(idx.length * shapeSize(a.xShape));
    const y = new Float32Array(idx.length * shapeSize(a.yShape));
    a.copyX(idx, 0, idx.length, x);
    a.copyY(idx, 0, idx.length, y);
    return new TensorDataset({ data: x, shape: [idx.length, ...a.xShape] }, { data: y, shape: [idx.length, ...a.yShape] }) as T;
  }
  if (Array.isArray(a)) return Array.from(idx, (i) => a[i]) as unknown as T;
  if (ArrayBuffer.isView(a)) {
    const v = a as TypedArray;
    const out = new (v.constructor as new (n: number) => TypedArray)(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = v[idx[i]];
    return out as T;
  }
  const s = a as ShapedArray;
  const row = shapeSize(s.shape.slice(1));
  const out = new (s.data.constructor as new (n: number) => TypedArray)(idx.length * row);
  for (let i = 0; i < idx.length; i++) out.set(s.data.subarray(idx[i] * row, (idx[i] + 1) * row), i * row);
  return { data: out, shape: [idx.length, ...s.shape.slice(1)] } as unknown as T;
}

function isOptions(v: unknown): v is TrainTestSplitOptions {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof TensorDataset) && !('data' in v && 'shape' in v);
}

/**
 * Splits arrays that describe the same samples into random train and test subsets, like
 * sklearn.model_selection.train_test_split:
 *
 *   const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.2, randomState: 42, stratify: labels });
 *
 * Each array comes back twice (train, then test) in the order given, as the same kind of thing: a
 * new { data, shape } with the same typed array class, a plain array, a typed vector or a TensorDataset.
 */
export function trainTestSplit<A extends Splittable>(a: A, opts?: TrainTestSplitOptions): [A, A];
export function trainTestSplit<A extends Splittable, B extends Splittable>(a: A, b: B, opts?: TrainTestSplitOptions): [A, A, B, B];
export function trainTestSplit<A extends Splittable, B extends Splittable, C extends Splittable>(a: A, b: B, c: C, opts?: TrainTestSplitOptions): [A, A, B, B, C, C];
export function trainTestSplit(...args: unknown[]): Splittable[] {
  const op = 'trainTestSplit';
  const opts = args.length > 0 && isOptions(args[args.length - 1]) ? (args.pop() as TrainTestSplitOptions) : {};
  const arrays = args as Splittable[];
  if (arrays.length === 0) throw new KnobsError(`${op}: at least one array is required`);
  const ns = arrays.map((a, i) => nSamples(op, a, i));
  if (ns.some((n) => n !== ns[0])) throw new ShapeError(`${op}: the arrays have different numbers of samples [${ns.join(', ')}]`);
  const [train, test] = trainTestSplitIndices(ns[0], opts, op);
  return arrays.flatMap((a) => [take(a, train), take(a, test)]);
}
