/**
 * Same data, another shape: reshape/view, squeeze, unsqueeze, flatten. Tensors are always
 * contiguous, so these share memory with their input (no copy) and gradients reshape back.
 */
import { accumulateGrad, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, _setReshape, shapeSize, type Shape } from '../tensor.js';
import { MAX_RANK } from './broadcast.js';
import { checkTensor, normAxis } from './checks.js';

function shareAs(op: string, t: Tensor, dims: readonly number[]): Tensor {
  if (dims.length > MAX_RANK) throw new ShapeError(`${op}: rank ${dims.length} of ${fmtShape(dims)} is above the supported ${MAX_RANK} (input ${fmtShape(t.shape)})`);
  const out = Tensor._view(t, dims, op);
  return record(out, [t], (g) => accumulateGrad(t, g, false));
}

function toShape(op: string, t: Tensor, shape: Shape): number[] {
  if (!Array.isArray(shape)) throw new KnobsError(`${op}: shape must be an array of integers, got ${typeof shape}`);
  const dims = [...shape];
  const infer = dims.indexOf(-1);
  if (infer >= 0 && dims.indexOf(-1, infer + 1) >= 0) throw new ShapeError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
  if (infer >= 0) {
    const rest = shapeSize(dims.filter((_, i) => i !== infer));
    if (rest === 0 || t.size % rest !== 0) throw new ShapeError(`${op}: cannot reshape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
    dims[infer] = t.size / rest;
  }
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(dims) !== t.size) {
    throw new ShapeError(`${op}: cannot reshape ${fmtShape(t.shape)} (${t.size} elements) to ${fmtShape(shape)}`);
  }
  return dims;
}

/** Same data in another shape of the same size (one dimension may be -1: inferred). */
export function reshape(t: Tensor, shape: Shape): Tensor {
  checkTensor('reshape', t);
  return shareAs('reshape', t, toShape('reshape', t, shape));
}

/**
 * reshape that never copies (PyTorch view). Every knobs tensor is contiguous, so a view exists
 * exactly when the sizes agree; the error says so otherwise.
 */
export function view(t: Tensor, shape: Shape): Tensor {
  checkTensor('view', t);
  return shareAs('view', t, toShape('view', t, shape));
}

/** Drops axes of size 1: all of them, or the given ones (a given axis of another size stays, as in PyTorch). */
export function squeeze(t: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor('squeeze', t);
  const axes = axis === undefined ? t.shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : [...axis]).map((a) => normAxis('squeeze', a, t.rank));
  return shareAs('squeeze', t, t.shape.filter((d, i) => !(d === 1 && axes.includes(i))));
}

/** Inserts an axis of size 1 at `axis` (in [-rank-1, rank], as in PyTorch). */
export function unsqueeze(t: Tensor, axis: number): Tensor {
  checkTensor('unsqueeze', t);
  const ax = normAxis('unsqueeze', axis, t.rank + 1);
  return shareAs('unsqueeze', t, [...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)]);
}

/**
 * Merges axes startDim..endDim (inclusive, negative from the end) into one. The default, from
 * axis 1 to the last, keeps the batch axis: [n, ...] → [n, product of the rest] (nn.Flatten's).
 */
export function flatten(t: Tensor, startDim = 1, endDim = -1): Tensor {
  checkTensor('flatten', t);
  // Below rank 2 there is no axis 1: the default keeps the old flatten(x), a [n, 1] column ([1, 1] for a scalar).
  if (t.rank < 2 && startDim === 1 && endDim === -1) return shareAs('flatten', t, t.rank === 0 ? [1, 1] : [t.shape[0], 1]);
  if (t.rank === 0) return shareAs('flatten', t, [1]);
  const a = normAxis('flatten', startDim, t.rank);
  const b = normAxis('flatten', endDim, t.rank);
  if (a > b) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim} for ${fmtShape(t.shape)}`);
  return shareAs('flatten', t, [...t.shape.slice(0, a), shapeSize(t.shape.slice(a, b + 1)), ...t.shape.slice(b + 1)]);
}

_setReshape(reshape);
