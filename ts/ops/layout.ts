/**
 * Ops that reorder or cut along axes: permute, transpose, slice, narrow. Each output is a
 * contiguous copy of a strided view of the input (one Rust `copy_strided` call), and the backward
 * adds the gradient back through that same view.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkRank, cut, viewCopy } from './strided.js';
import { stridesOf } from './broadcast.js';
import { checkTensor, normAxis } from './checks.js';

function checkInt(op: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new KnobsError(`${op}: ${name} must be an integer, got ${String(v)}`);
}

/** Axes reordered: out.shape[i] = x.shape[dims[i]] (negative dims count from the end). */
export function permute(t: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', t);
  checkRank('permute', t.shape);
  if (!Array.isArray(dims) || dims.length !== t.rank) {
    throw new ShapeError(`permute: dims ${Array.isArray(dims) ? fmtShape(dims) : String(dims)} must list every axis of ${fmtShape(t.shape)} once`);
  }
  const perm = dims.map((d) => {
    checkInt('permute', 'each dim', d);
    return normAxis('permute', d, t.rank);
  });
  if (new Set(perm).size !== perm.length) throw new ShapeError(`permute: dims ${fmtShape(dims)} repeat an axis of ${fmtShape(t.shape)}`);
  const st = stridesOf(t.shape);
  const shape = perm.map((p) => t.shape[p]);
  return viewCopy('permute', t, { offset: 0, strides: perm.map((p) => st[p]) }, shape, true);
}

/** Swaps axes d0 and d1; with no axes, the last two (so `x.T` of a matrix is its transpose). */
export function transpose(t: Tensor, d0?: number, d1?: number): Tensor {
  checkTensor('transpose', t);
  checkRank('transpose', t.shape);
  if (d0 === undefined && d1 === undefined) {
    if (t.rank < 2) throw new ShapeError(`transpose: swapping the last two axes needs rank ≥ 2, got ${fmtShape(t.shape)}`);
    d0 = -2;
    d1 = -1;
  }
  if (d0 === undefined || d1 === undefined) throw new KnobsError('transpose: give both axes or neither');
  checkInt('transpose', 'd0', d0);
  checkInt('transpose', 'd1', d1);
  const a = normAxis('transpose', d0, t.rank);
  const b = normAxis('transpose', d1, t.rank);
  const perm = t.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  const out = permute(t, perm);
  out.op = 'transpose';
  return out;
}

/**
 * Elements start, start+step, … before end along `axis`, as Python's x[start:end:step]: negative
 * indices count from the end and out-of-range bounds are clipped. step ≥ 1.
 */
export function slice(t: Tensor, axis: number, start = 0, end?: number, step = 1): Tensor {
  checkTensor('slice', t);
  checkRank('slice', t.shape);
  checkInt('slice', 'axis', axis);
  checkInt('slice', 'start', start);
  if (end !== undefined) checkInt('slice', 'end', end);
  checkInt('slice', 'step', step);
  const ax = normAxis('slice', axis, t.rank);
  if (step < 1) throw new ShapeError(`slice: step must be ≥ 1, got ${step} (axis ${axis} of ${fmtShape(t.shape)})`);
  const n = t.shape[ax];
  const clip = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const lo = clip(start);
  const hi = clip(end ?? n);
  const len = hi > lo ? Math.ceil((hi - lo) / step) : 0;
  return cut('slice', t, ax, lo, len, step);
}

/** `length` elements from `start` along `axis` (PyTorch narrow: start may be negative, no clipping). */
export function narrow(t: Tensor, axis: number, start: number, length: number): Tensor {
  checkTensor('narrow', t);
  checkRank('narrow', t.shape);
  checkInt('narrow', 'axis', axis);
  checkInt('narrow', 'start', start);
  checkInt('narrow', 'length', length);
  const ax = normAxis('narrow', axis, t.rank);
  const n = t.shape[ax];
  const s = start < 0 ? start + n : start;
  if (s < 0 || s > n || length < 0 || s + length > n) {
    throw new ShapeError(`narrow: start ${start} and length ${length} do not fit axis ${axis} (size ${n}) of ${fmtShape(t.shape)}`);
  }
  return cut('narrow', t, ax, s, length, 1);
}
