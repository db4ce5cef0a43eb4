/** NumPy broadcasting (shapes, strides, its adjoint reduceTo) and the raw, non-recording arithmetic built on it. */
import { broadcastOpCode } from '../backend/codes.js';
import { heap, K } from '../backend/wasm.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, shapeSize, type Shape } from '../tensor.js';

export const MAX_RANK = 6;

export function sameShape(a: Shape, b: Shape): boolean {
  // A plain loop: every()'s callback costs ~20 ns, on the path of every elementwise op.
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** NumPy broadcasting: shapes align on the right; a dimension of 1 stretches. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  if (r > MAX_RANK) throw new ShapeError(`${op}: rank ${r} is above the supported ${MAX_RANK}`);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `shape` as if it had been broadcast to `outShape` (0 on stretched axes). */
export function broadcastStrides(shape: Shape, outShape: Shape): Uint32Array {
  const s = stridesOf(shape);
  const r = outShape.length;
  const res = new Uint32Array(r);
  for (let i = 0; i < r; i++) {
    const j = shape.length - r + i;
    res[i] = j < 0 || shape[j] === 1 ? 0 : s[j];
  }
  return res;
}

export function copyInto(dst: Tensor, src: Tensor): void {
  heap().copyWithin(dst.ptr >>> 2, src.ptr >>> 2, (src.ptr >>> 2) + src.size);
}

export type BinName = 'add' | 'sub' | 'mul' | 'div';

/** out = a ∘ b with broadcasting, no graph recorded. Fast paths for equal shapes and bias rows. */
export function rawBinary(op: BinName, a: Tensor, b: Tensor, outShape?: Shape): Tensor {
  const k = K();
  const same = sameShape(a.shape, b.shape);
  // Equal shapes reuse a's frozen shape: no broadcast array, no copy in the Tensor constructor.
  const shape = outShape ?? (same ? a.shape : broadcastShapes(op, a.shape, b.shape));
  const out = empty(shape, op);
  if (out.size === 0) return out;
  if (same && out.size === a.size) {
    const kernel = op === 'add' ? k.add : op === 'sub' ? k.sub : op === 'mul' ? k.mul : k.div;
    kernel(a.ptr, b.ptr, out.ptr, out.size);
    return out;
  }
  const last = shape[shape.length - 1];
  if (op === 'add' && sameShape(a.shape, shape) && b.size === last && b.shape[b.shape.length - 1] === last) {
    k.add_row(a.ptr, b.ptr, out.ptr, out.size / last, last);
    return out;
  }
  k.broadcast_binary(broadcastOpCode(op)!, a.ptr, a.size, broadcastStrides(a.shape, shape), b.ptr, b.size, broadcastStrides(b.shape, shape), out.ptr, Uint32Array.from(shape));
  return out;
}

/** Sums g (shaped like a broadcast result) back down to `shape`: the adjoint of broadcasting. */
export function reduceTo(g: Tensor, shape: Shape): Tensor {
  const out = empty(shape, 'reduce');
  if (out.size === 0) return out;
  if (g.size === out.size) {
    copyInto(out, g);
    return out;
  }
  const k = K();
  const last = shape[shape.length - 1];
  if (shape.length > 0 && out.size === last && g.shape[g.shape.length - 1] === last) {
    k.sum_rows(g.ptr, out.ptr, g.size / last, last, false);
    return out;
  }
  out.data.fill(0);
  k.reduce_broadcast(g.ptr, out.ptr, out.size, broadcastStrides(shape, g.shape), Uint32Array.from(g.shape));
  return out;
}

/** Expands t to `shape` (materialised copy), the adjoint of reduceTo. */
export function expandTo(t: Tensor, shape: Shape): Tensor {
  const out = empty(shape, 'expand');
  if (out.size === 0) return out;
  if (t.size === 1) {
    out.data.fill(t.data[0]);
    return out;
  }
  K().gather_strided(t.ptr, t.size, broadcastStrides(t.shape, shape), out.ptr, Uint32Array.from(shape));
  return out;
}

/** Elementwise a·alpha + beta into a new tensor. */
export function rawScale(a: Tensor, alpha: number, beta = 0): Tensor {
  const out = empty(a.shape, 'scale');
  if (out.size > 0) K().scale(a.ptr, alpha, beta, out.ptr, out.size);
  return out;
}

export { shapeSize };
