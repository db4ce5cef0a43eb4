/**
 * Joining tensors along an axis (cat, stack) and cutting one into pieces (split, chunk). Each
 * input of a join is copied into its place in the output with one Rust `copy_strided` call, and
 * gets back the matching block of the gradient; the pieces of a split are narrows, each with its
 * own autograd link.
 */
import { record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, type Shape } from '../tensor.js';
import { checkFits, checkRank, copyStrided, cut, dense, gradThrough } from './strided.js';
import { sameShape, stridesOf } from './broadcast.js';
import { checkTensor, normAxis } from './checks.js';

function checkList(op: string, ts: unknown): asserts ts is Tensor[] {
  if (!Array.isArray(ts) || ts.length === 0) throw new KnobsError(`${op}: expected a non-empty array of tensors`);
  ts.forEach((t, i) => checkTensor(op, t, `tensor ${i}`));
}

/** Writes ts[i] (seen with shape parts[i]) side by side along `ax` into a new tensor. */
function join(op: string, ts: Tensor[], parts: Shape[], ax: number): Tensor {
  const shape = [...parts[0]];
  shape[ax] = parts.reduce((s, p) => s + p[ax], 0);
  checkFits(op, shape);
  const out = empty(shape, op);
  const st = stridesOf(shape);
  const offsets: number[] = [];
  let at = 0;
  for (let i = 0; i < ts.length; i++) {
    offsets.push(at * st[ax]);
    copyStrided(ts[i], dense(parts[i]), out, { offset: offsets[i], strides: st }, parts[i]);
    at += parts[i][ax];
  }
  return record(out, ts, (g) => {
    ts.forEach((t, i) => gradThrough(t, dense(parts[i]), g, { offset: offsets[i], strides: st }, parts[i], true));
  });
}

/** Concatenates along an existing axis; every other dimension must match. */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('cat', tensors);
  const first = tensors[0];
  checkRank('cat', first.shape);
  if (first.rank === 0) throw new ShapeError('cat: tensor 0 is a scalar []; zero-dimensional tensors cannot be concatenated (use stack)');
  const ax = normAxis('cat', axis, first.rank);
  tensors.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new ShapeError(`cat: tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; all dimensions except axis ${axis} must match`);
    }
  });
  return join('cat', [...tensors], tensors.map((t) => t.shape), ax);
}

/** Joins same-shaped tensors along a new axis (out.shape[axis] = tensors.length). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('stack', tensors);
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) throw new ShapeError(`stack: tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; all must match`);
  });
  checkRank('stack', [tensors.length, ...first.shape]);
  const ax = normAxis('stack', axis, first.rank + 1);
  const part = [...first.shape.slice(0, ax), 1, ...first.shape.slice(ax)];
  return join('stack', [...tensors], tensors.map(() => part), ax);
}

/**
 * Pieces along `axis`: a number is the size of each piece (the last may be smaller), an array
 * lists the sizes, which must add up to the axis (PyTorch split).
 */
export function split(t: Tensor, splitSizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  checkTensor('split', t);
  checkRank('split', t.shape);
  const ax = normAxis('split', axis, t.rank);
  const n = t.shape[ax];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const size = splitSizeOrSections;
    if (!Number.isInteger(size) || size < 0 || (size === 0 && n > 0)) {
      throw new ShapeError(`split: split size must be a positive integer, got ${size} (axis ${axis} of ${fmtShape(t.shape)})`);
    }
    sizes = [];
    for (let at = 0; at < n; at += size) sizes.push(Math.min(size, n - at));
    if (n === 0) sizes.push(0);
  } else if (Array.isArray(splitSizeOrSections)) {
    sizes = [...splitSizeOrSections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new ShapeError(`split: sizes ${fmtShape(sizes)} must be non-negative integers adding up to ${n}, the size of axis ${axis} of ${fmtShape(t.shape)}`);
    }
  } else {
    throw new KnobsError(`split: splitSizeOrSections must be a number or an array of numbers, got ${typeof splitSizeOrSections}`);
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(cut('split', t, ax, at, s, 1));
    at += s;
  }
  return out;
}

/** At most `chunks` pieces of ceil(size / chunks) along `axis` (PyTorch chunk: may return fewer). */
export function chunk(t: Tensor, chunks: number, axis = 0): Tensor[] {
  checkTensor('chunk', t);
  if (!Number.isInteger(chunks) || chunks < 1) throw new ShapeError(`chunk: chunks must be a positive integer, got ${chunks} (shape ${fmtShape(t.shape)})`);
  checkRank('chunk', t.shape);
  const ax = normAxis('chunk', axis, t.rank);
  const n = t.shape[ax];
  const pieces = split(t, Math.max(1, Math.ceil(n / chunks)), ax);
  for (const p of pieces) p.op = 'chunk';
  return pieces;
}
