/** Matrix products. Backward uses the transposed-layout kernels directly (transpose is in layout.ts). */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, shapeSize } from '../tensor.js';
import { matmulBatched } from './matmul-batched.js';
import { MAX_RANK } from './broadcast.js';
import { checkTensor } from './checks.js';

/**
 * a·b with PyTorch's `matmul` rules. 2-D: [m,k]·[k,n] → [m,n]. A 1-D operand is a row (left)
 * or column (right) vector whose dimension is dropped from the result: [k]·[k,n] → [n],
 * [m,k]·[k] → [m], [k]·[k] → []. Rank ≥ 3: a batch of matrices in the last two dimensions,
 * the batch dimensions broadcast as in NumPy ([B,H,T,D]·[B,H,D,T], [B,T,D]·[D,E],
 * [1,m,k]·[5,k,n]); gradients are summed over the dimensions an operand was broadcast along.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', a, 'a');
  checkTensor('matmul', b, 'b');
  if (a.rank < 1 || b.rank < 1) throw new ShapeError(`matmul: both operands need at least one dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  // Plain matrices skip the general path's slices and spreads (~0.3 µs of a tiny product).
  if (a.rank === 2 && b.rank === 2) {
    const m = a.shape[0], k = a.shape[1], n = b.shape[1];
    if (k !== b.shape[0]) throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} · ${fmtShape(b.shape)} (${k} vs ${b.shape[0]})`);
    if (m * n > 0xffffffff) throw new ShapeError(`matmul: the result of ${fmtShape(a.shape)} · ${fmtShape(b.shape)} has ${m * n} elements, more than wasm can address`);
    return matmul2d(a, b, m, k, n, [m, n]);
  }
  // A 1-D operand is a matrix with one row (left) or one column (right).
  const as = a.rank === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.rank === 1 ? [b.shape[0], 1] : b.shape;
  const [m, k] = as.slice(-2), [k2, n] = bs.slice(-2);
  if (k !== k2) {
    throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} · ${fmtShape(b.shape)} (${k} vs ${k2})`);
  }
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  const batch = batchShape(a, b, aBatch, bBatch);
  const outShape = [...batch, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
  if (shapeSize(outShape) > 0xffffffff) throw new ShapeError(`matmul: the result of ${fmtShape(a.shape)} · ${fmtShape(b.shape)} has ${shapeSize(outShape)} elements, more than wasm can address`);
  // With no batch on the right, A's batch folds into its rows: one 2-D product [batch·m, k]·[k, n].
  if (bBatch.length === 0) return matmul2d(a, b, shapeSize(aBatch) * m, k, n, outShape);
  return matmulBatched(a, b, batch, aBatch, bBatch, m, k, n, outShape);
}

function batchShape(a: Tensor, b: Tensor, aBatch: number[], bBatch: number[]): number[] {
  const r = Math.max(aBatch.length, bBatch.length);
  if (r + 2 > MAX_RANK) throw new ShapeError(`matmul: rank ${r + 2} is above the supported ${MAX_RANK} (${fmtShape(a.shape)} · ${fmtShape(b.shape)})`);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = aBatch[aBatch.length - r + i] ?? 1, db = bBatch[bBatch.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`matmul: batch dimensions of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together (${fmtShape(aBatch)} vs ${fmtShape(bBatch)})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** A [m,k] · B [k,n] as contiguous row-major matrices, shaped `outShape`. */
function matmul2d(a: Tensor, b: Tensor, m: number, k: number, n: number, outShape: number[]): Tensor {
  const kern = K();
  const out = empty(outShape, 'matmul');
  if (out.size > 0) kern.matmul(a.ptr, b.ptr, out.ptr, m, k, n, false);
  return record(out, [a, b], (g) => {
    if (a.requiresGrad) {
      // dA [m,k] = g [m,n] · Bᵀ
      const ga = empty(a.shape, 'matmul_grad_a');
      if (ga.size > 0) kern.matmul_nt(g.ptr, b.ptr, ga.ptr, m, n, k, false);
      accumulateGrad(a, ga, true);
    }
    if (b.requiresGrad) {
      // dB [k,n] = Aᵀ · g [m,n]
      const gb = empty(b.shape, 'matmul_grad_b');
      if (gb.size > 0) kern.matmul_tn(a.ptr, g.ptr, gb.ptr, k, m, n, false);
      accumulateGrad(b, gb, true);
    }
  });
}
