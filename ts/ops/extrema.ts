/**
 * max/min (values, with a gradient to the position of the extreme), argmax/argmin, and a stable
 * logsumexp: reductions along one axis, or over all elements when no axis is given. Ties go to
 * the first position, as in PyTorch; a NaN is the extreme of any slice holding one.
 */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, shapeSize, zeros } from '../tensor.js';
import { checkTensor, normAxis } from './checks.js';

export interface AxisOptions {
  /** The axis to reduce; all elements when absent. */
  axis?: number;
  keepDims?: boolean;
}

interface Plan {
  outer: number;
  n: number;
  inner: number;
  shape: number[];
}

/** x as [outer, n, inner] around the reduced axis (the whole tensor as n when axis is absent). */
function plan(op: string, x: Tensor, axis: number | undefined, keepDims: boolean): Plan {
  checkTensor(op, x);
  if (axis === undefined) {
    if (x.size === 0) throw new ShapeError(`${op}: cannot reduce an empty tensor ${fmtShape(x.shape)}`);
    return { outer: 1, n: x.size, inner: 1, shape: keepDims ? x.shape.map(() => 1) : [] };
  }
  const ax = normAxis(op, axis, x.rank);
  const n = x.shape[ax];
  if (n === 0 && op !== 'logsumexp') throw new ShapeError(`${op}: cannot reduce axis ${ax} of length 0 of ${fmtShape(x.shape)}`);
  const shape = keepDims ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
  return { outer: shapeSize(x.shape.slice(0, ax)), n, inner: shapeSize(x.shape.slice(ax + 1)), shape };
}

/** Values and i32 arg positions (an internal index buffer, as in indices.ts). */
function extreme(kind: 'max_axis' | 'min_axis', x: Tensor, p: Plan, op: string): [Tensor, Tensor] {
  const out = empty(p.shape, op);
  const arg = empty([out.size], 'indices');
  if (out.size > 0) {
    // Literal kernel names, so a grep for either finds this caller.
    if (kind === 'max_axis') K().max_axis(x.ptr, out.ptr, arg.ptr, p.outer, p.n, p.inner);
    else K().min_axis(x.ptr, out.ptr, arg.ptr, p.outer, p.n, p.inner);
  }
  return [out, arg];
}

function valueOp(op: 'max' | 'min', x: Tensor, opts: AxisOptions): Tensor {
  const p = plan(op, x, opts.axis, !!opts.keepDims);
  const [out, arg] = extreme(op === 'max' ? 'max_axis' : 'min_axis', x, p, op);
  const y = record(out, [x], (g) => {
    // The gradient goes to the arg position only: a scatter into x seen as [outer, n, inner].
    const gx = zeros(x.shape);
    if (g.size > 0) K().scatter_add(gx.ptr, gx.size, Uint32Array.of(p.n * p.inner, p.inner, 1), 1, arg.ptr, g.ptr, Uint32Array.of(p.outer, 1, p.inner));
    accumulateGrad(x, gx, true);
  });
  if (y.backwardFn === null) arg.dispose();
  return y;
}

/** Largest value along `axis` (or of all elements); the gradient goes to the first largest. */
export const max = (x: Tensor, opts: AxisOptions = {}): Tensor => valueOp('max', x, opts);
/** Smallest value along `axis` (or of all elements); the gradient goes to the first smallest. */
export const min = (x: Tensor, opts: AxisOptions = {}): Tensor => valueOp('min', x, opts);

function argOp(op: 'argmax' | 'argmin', x: Tensor, opts: AxisOptions): Tensor {
  const p = plan(op, x, opts.axis, !!opts.keepDims);
  const [vals, arg] = extreme(op === 'argmax' ? 'max_axis' : 'min_axis', x, p, op);
  const out = empty(p.shape, op);
  if (out.size > 0) K().indices_to_f32(arg.ptr, out.ptr, out.size);
  vals.dispose();
  arg.dispose();
  return out;
}

/**
 * Position of the largest value along `axis` (a flat index when no axis), first on ties. Returned
 * as a float tensor holding integers (tensors are float32); it has no gradient and can be passed
 * back as an index (gather, indexSelect, oneHot).
 */
export const argmax = (x: Tensor, opts: AxisOptions = {}): Tensor => argOp('argmax', x, opts);
/** Position of the smallest value along `axis`; see argmax. */
export const argmin = (x: Tensor, opts: AxisOptions = {}): Tensor => argOp('argmin', x, opts);

/**
 * log Σ exp(x) along `axis`, computed as m + log Σ exp(x − m) with m the max, so it neither
 * overflows nor underflows to −∞ for large |x|. The gradient is the softmax along the axis.
 */
export function logsumexp(x: Tensor, axis: number, keepDims = false): Tensor {
  checkTensor('logsumexp', x);
  if (typeof axis !== 'number') throw new ShapeError(`logsumexp: axis must be a number, got ${axis}`);
  const p = plan('logsumexp', x, axis, keepDims);
  const k = K();
  const out = empty(p.shape, 'logsumexp');
  if (out.size > 0) k.logsumexp_axis(x.ptr, out.ptr, p.outer, p.n, p.inner);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, 'logsumexp_grad');
    if (gx.size > 0) k.logsumexp_backward(x.ptr, out.ptr, g.ptr, gx.ptr, p.outer, p.n, p.inner);
    accumulateGrad(x, gx, true);
  });
}
