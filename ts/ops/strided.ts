/**
 * The one move behind permute, slice and cat: copy a strided view of one tensor's memory to a
 * strided view of another's (Rust `copy_strided`), and send a gradient back through the same
 * views (`add_strided` when a gradient is already there). A view is an element offset and one
 * stride per axis over a shared index space `shape`. Internal to ops/: the public ops are in
 * layout.ts and join.ts.
 */
import { K } from '../backend/wasm.js';
import { gradTarget, record } from '../autograd.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, shapeSize, type Shape } from '../tensor.js';
import { MAX_RANK, stridesOf } from './broadcast.js';

export interface View {
  offset: number;
  strides: readonly number[];
}

export const dense = (shape: Shape): View => ({ offset: 0, strides: stridesOf(shape) });

/** dst[view d] = src[view s] over `shape`. */
export function copyStrided(src: Tensor, s: View, dst: Tensor, d: View, shape: Shape): void {
  if (shapeSize(shape) === 0) return;
  K().copy_strided(src.ptr, src.size, s.offset, Uint32Array.from(s.strides), dst.ptr, dst.size, d.offset, Uint32Array.from(d.strides), Uint32Array.from(shape));
}

/**
 * t.grad[view tv] += g[view gv] over `shape`. `covers` says the view reaches every element of t,
 * so a fresh gradient needs no zeroing first.
 */
export function gradThrough(t: Tensor, tv: View, g: Tensor, gv: View, shape: Shape, covers: boolean): void {
  const target = gradTarget(t);
  if (!target || shapeSize(shape) === 0) {
    if (target && !target.accumulate) target.grad.data.fill(0);
    return;
  }
  const { grad, accumulate } = target;
  if (accumulate) {
    K().add_strided(g.ptr, g.size, gv.offset, Uint32Array.from(gv.strides), grad.ptr, grad.size, tv.offset, Uint32Array.from(tv.strides), Uint32Array.from(shape));
    return;
  }
  if (!covers) grad.data.fill(0);
  copyStrided(g, gv, grad, tv, shape);
}

export function checkRank(op: string, shape: Shape): void {
  if (shape.length > MAX_RANK) throw new ShapeError(`${op}: rank ${shape.length} of ${fmtShape(shape)} is above the supported ${MAX_RANK}`);
}

/** Wasm memory is 32-bit: an output whose bytes do not fit in a u32 is refused before allocating. */
export function checkFits(op: string, shape: Shape): void {
  if (shapeSize(shape) * 4 > 0xffffffff) throw new ShapeError(`${op}: output ${fmtShape(shape)} has ${shapeSize(shape)} elements, more than 32-bit wasm memory holds`);
}

/** out = a contiguous copy of `view` of t, shaped `shape`; `covers`: the view reaches all of t. */
export function viewCopy(op: string, t: Tensor, view: View, shape: Shape, covers: boolean): Tensor {
  const out = empty(shape, op);
  copyStrided(t, view, out, dense(shape), shape);
  return record(out, [t], (g) => gradThrough(t, view, g, dense(shape), shape, covers));
}

/** `len` elements from `lo` every `step` along axis `ax` (already validated). */
export function cut(op: string, t: Tensor, ax: number, lo: number, len: number, step: number): Tensor {
  const st = stridesOf(t.shape);
  const shape = t.shape.map((d, i) => (i === ax ? len : d));
  // A step matters only between two or more elements, and then s·step < size fits a u32 (a huge
  // step on a one-element result would not).
  const strides = st.map((s, i) => (i === ax && len > 1 ? s * step : s));
  return viewCopy(op, t, { offset: len > 0 ? lo * st[ax] : 0, strides }, shape, len === t.shape[ax]);
}
