/** Matrix products. Backward uses the transposed-layout kernels directly (transpose is in layout.ts). */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './util.js';

/**
 * a·b for 2-D a [m,k] and b [k,n] → [m,n]. A 1-D operand is a row (left) or column (right)
 * vector, as in NumPy's dot: [k]·[k,n] → [n], [m,k]·[k] → [m], [k]·[k] → [].
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', a, 'a');
  checkTensor('matmul', b, 'b');
  if (a.rank < 1 || a.rank > 2 || b.rank < 1 || b.rank > 2) {
    throw new ShapeError(`matmul: expected 1-D or 2-D operands, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const [m, k] = a.rank === 2 ? a.shape : [1, a.shape[0]];
  const [k2, n] = b.rank === 2 ? b.shape : [b.shape[0], 1];
  if (k !== k2) {
    throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} · ${fmtShape(b.shape)} (${k} vs ${k2})`);
  }
  const outShape = [...(a.rank === 2 ? [m] : []), ...(b.rank === 2 ? [n] : [])];
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
