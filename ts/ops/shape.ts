/** Reshape: same data, another shape (shares memory; gradients reshape back). */
import { accumulateGrad, record } from '../autograd.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, _setReshape, shapeSize, type Shape } from '../tensor.js';
import { checkTensor } from './util.js';

export function reshape(t: Tensor, shape: Shape): Tensor {
  checkTensor('reshape', t);
  const dims = [...shape];
  const infer = dims.indexOf(-1);
  if (infer >= 0) {
    const rest = shapeSize(dims.filter((_, i) => i !== infer));
    if (rest === 0 || t.size % rest !== 0) throw new ShapeError(`reshape: cannot reshape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
    dims[infer] = t.size / rest;
  }
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(dims) !== t.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(t.shape)} (${t.size} elements) to ${fmtShape(shape)}`);
  }
  const out = Tensor._view(t, dims, 'reshape');
  return record(out, [t], (g) => accumulateGrad(t, g, false));
}

/** [n, ...] → [n, product of the rest] */
export function flatten(t: Tensor): Tensor {
  checkTensor('flatten', t);
  return reshape(t, [t.shape[0] ?? 1, -1]);
}

_setReshape(reshape);
