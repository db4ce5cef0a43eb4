/**
 * Gradient clipping, as PyTorch's torch.nn.utils.clip_grad_norm_ / clip_grad_value_: in place on
 * the `.grad` of each parameter, between backward() and step(). Parameters without a gradient
 * are skipped.
 */
import { K } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import { Tensor } from '../tensor.js';

function grads(params: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  const list = params instanceof Tensor ? [params] : params != null && typeof (params as Iterable<Tensor>)[Symbol.iterator] === 'function' ? [...params] : null;
  if (!list) throw new KnobsError(`${op}: params must be a tensor or an iterable of tensors (e.g. model.parameters())`);
  const out: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new KnobsError(`${op}: parameter ${i} is not a Tensor`);
    if (p.grad && p.grad.size > 0) out.push(p.grad);
  });
  return out;
}

/**
 * Scales all gradients together so that their joint p-norm is at most `maxNorm`; returns the
 * norm before clipping (a number; Infinity norm = largest |g|). Like PyTorch, the scale is
 * maxNorm / (norm + 1e-6), applied only when below 1. A non-finite norm is returned and the
 * gradients are left alone, so the caller can skip the step.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): number {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new KnobsError(`${op}: maxNorm must be a number ≥ 0, got ${maxNorm}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new KnobsError(`${op}: normType must be a number > 0 or Infinity, got ${normType}`);
  const gs = grads(params, op);
  let total = 0;
  for (const g of gs) {
    const part = K().sum_abs_pow(g.ptr, g.size, normType);
    total = normType === Infinity ? Math.max(total, part) : total + part;
  }
  const norm = normType === Infinity ? total : total ** (1 / normType);
  const coef = maxNorm / (norm + 1e-6);
  if (Number.isFinite(norm) && coef < 1) for (const g of gs) K().scale_inplace(g.ptr, coef, 0, g.size);
  return norm;
}

/** Clamps every gradient element to [−clipValue, clipValue]. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0) || !Number.isFinite(clipValue)) throw new KnobsError(`${op}: clipValue must be a finite number ≥ 0, got ${clipValue}`);
  for (const g of grads(params, op)) K().clamp_inplace(g.ptr, g.size, -clipValue, clipValue);
}
