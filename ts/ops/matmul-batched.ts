/**
 * The batched case of `matmul`: one kernel call over every matrix of the broadcast batch,
 * split over the thread pool by matrices × rows. The batch is described to the kernel by
 * strides between matrices: 0 in an operand repeats it along a dimension (broadcast), 0 in
 * the result sums along it, which is how the backward reduces a broadcast operand's gradient.
 */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { Tensor, empty } from '../tensor.js';
import { broadcastStrides, stridesOf } from './broadcast.js';

/** Strides between the matrices of a `batch`-shaped operand, in elements (`unit` per matrix). */
function matrixStrides(own: number[], batch: number[], unit: number): Uint32Array {
  return broadcastStrides(own, batch).map((s) => s * unit);
}

/** a [...aBatch, m, k] · b [...bBatch, k, n] → outShape ([...batch, m, n] less dropped 1-D dims). */
export function matmulBatched(a: Tensor, b: Tensor, batch: number[], aBatch: number[], bBatch: number[], m: number, k: number, n: number, outShape: number[]): Tensor {
  const kern = K();
  const shape = Uint32Array.from(batch);
  const sa = matrixStrides(aBatch, batch, m * k), sb = matrixStrides(bBatch, batch, k * n);
  const sOut = Uint32Array.from(stridesOf(batch), (s) => s * m * n);
  const out = empty(outShape, 'matmul');
  if (out.size > 0) kern.matmul_batched(a.ptr, a.size, b.ptr, b.size, out.ptr, out.size, shape, sa, sb, sOut, m, k, n, false);
  return record(out, [a, b], (g) => {
    // The strides that read an operand are also the ones that write its gradient: zero on
    // the dimensions it was broadcast along, where the products are summed.
    if (a.requiresGrad) {
      // dA [m,k] = Σ g [m,n] · Bᵀ
      const ga = empty(a.shape, 'matmul_grad_a');
      if (ga.size > 0) kern.matmul_batched_nt(g.ptr, g.size, b.ptr, b.size, ga.ptr, ga.size, shape, sOut, sb, sa, m, n, k, false);
      accumulateGrad(a, ga, true);
    }
    if (b.requiresGrad) {
      // dB [k,n] = Σ Aᵀ · g [m,n]
      const gb = empty(b.shape, 'matmul_grad_b');
      if (gb.size > 0) kern.matmul_batched_tn(a.ptr, a.size, g.ptr, g.size, gb.ptr, gb.size, shape, sa, sOut, sb, k, m, n, false);
      accumulateGrad(b, gb, true);
    }
  });
}
