/**
 * Layer normalisation (Ba et al., 2016) over the trailing axes, composed from mean, sub, mul and
 * sqrt: the statistics are per sample, so it behaves the same in training and evaluation.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { add, div, mul, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { view } from './shape.js';
import { sqrt } from './unary.js';
import { sameShape } from './broadcast.js';
import { checkTensor } from './checks.js';

/**
 * (x − mean) / √(var + eps) over the last normalizedShape.length axes (biased variance, as in
 * PyTorch), then · weight + bias when given (both of shape normalizedShape).
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkTensor('layerNorm', x);
  const ns = [...normalizedShape];
  if (ns.length === 0 || ns.some((d) => !Number.isInteger(d) || d <= 0)) throw new ShapeError(`layerNorm: normalizedShape must be a non-empty list of positive integers, got ${fmtShape(ns)}`);
  if (x.rank < ns.length || !sameShape(x.shape.slice(x.rank - ns.length), ns)) {
    throw new ShapeError(`layerNorm: input ${fmtShape(x.shape)} must end with normalizedShape ${fmtShape(ns)}`);
  }
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p === null) continue;
    checkTensor('layerNorm', p, name);
    if (!sameShape(p.shape, ns)) throw new ShapeError(`layerNorm: ${name} ${fmtShape(p.shape)} must have normalizedShape ${fmtShape(ns)}`);
  }
  if (!(eps > 0) || !Number.isFinite(eps)) throw new KnobsError(`layerNorm: eps must be a positive number, got ${eps}`);
  const n = ns.reduce((a, b) => a * b, 1);
  const lead = x.shape.slice(0, x.rank - ns.length);
  const rows = view(x, [...lead, n]);
  const centred = sub(rows, mean(rows, { axis: -1, keepDims: true }));
  const variance = mean(mul(centred, centred), { axis: -1, keepDims: true });
  let y = view(div(centred, sqrt(add(variance, eps))), x.shape);
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}
