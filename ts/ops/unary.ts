/** abs, sqrt and clamp: pointwise, each with its backward kernel. */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { KnobsError } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './checks.js';

/** |x|; the gradient at 0 is 0 (as in PyTorch). */
export function abs(x: Tensor): Tensor {
  checkTensor('abs', x);
  const k = K();
  const out = empty(x.shape, 'abs');
  if (out.size > 0) k.abs(x.ptr, out.ptr, out.size);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, 'abs_grad');
    if (gx.size > 0) k.abs_backward(x.ptr, g.ptr, gx.ptr, gx.size);
    accumulateGrad(x, gx, true);
  });
}

/** √x (NaN for x < 0); the gradient 1/(2√x) is Infinity at 0, as in PyTorch. */
export function sqrt(x: Tensor): Tensor {
  checkTensor('sqrt', x);
  const k = K();
  const out = empty(x.shape, 'sqrt');
  if (out.size > 0) k.sqrt(x.ptr, out.ptr, out.size);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, 'sqrt_grad');
    if (gx.size > 0) k.sqrt_backward(out.ptr, g.ptr, gx.ptr, gx.size);
    accumulateGrad(x, gx, true);
  });
}

/**
 * x limited to [min, max] (torch.clamp); either bound may be omitted (null/undefined), not both.
 * The gradient passes where min ≤ x ≤ max and is 0 where x was clamped.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor('clamp', x);
  if (min == null && max == null) throw new KnobsError('clamp: give min, max or both');
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi)) {
    throw new KnobsError(`clamp: min and max must be numbers, got min ${min}, max ${max}`);
  }
  if (lo > hi) throw new KnobsError(`clamp: min ${lo} is greater than max ${hi}`);
  const k = K();
  const out = empty(x.shape, 'clamp');
  if (out.size > 0) k.clamp(x.ptr, lo, hi, out.ptr, out.size);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, 'clamp_grad');
    if (gx.size > 0) k.clamp_backward(x.ptr, g.ptr, lo, hi, gx.ptr, gx.size);
    accumulateGrad(x, gx, true);
  });
}
