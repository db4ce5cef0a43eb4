/** Nonlinearities. Softmax and log-softmax work on the last axis. */
import { K, type Kernels } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './util.js';

type Pointwise = 'relu' | 'sigmoid' | 'tanh';

function pointwise(op: Pointwise, x: Tensor): Tensor {
  checkTensor(op, x);
  const k: Kernels = K();
  const out = empty(x.shape, op);
  if (out.size > 0) k[op](x.ptr, out.ptr, out.size);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, `${op}_grad`);
    // relu's derivative needs the input (sign); sigmoid's and tanh's are functions of the output.
    if (gx.size > 0) k[`${op}_backward`](op === 'relu' ? x.ptr : out.ptr, g.ptr, gx.ptr, gx.size);
    accumulateGrad(x, gx, true);
  });
}

export const relu = (x: Tensor): Tensor => pointwise('relu', x);
export const sigmoid = (x: Tensor): Tensor => pointwise('sigmoid', x);
export const tanh = (x: Tensor): Tensor => pointwise('tanh', x);

function rowwise(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  checkTensor(op, x);
  if (x.rank === 0) throw new ShapeError(`${op}: needs at least one axis, got a scalar`);
  if (axis !== -1 && axis !== x.rank - 1) {
    throw new ShapeError(`${op}: only the last axis is supported (got axis ${axis} for shape ${fmtShape(x.shape)}); transpose first`);
  }
  const k = K();
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const out = empty(x.shape, op);
  const [fwd, bwd] = op === 'softmax' ? (['softmax_rows', 'softmax_backward'] as const) : (['log_softmax_rows', 'log_softmax_backward'] as const);
  if (out.size > 0) k[fwd](x.ptr, out.ptr, rows, cols);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, `${op}_grad`);
    if (gx.size > 0) k[bwd](out.ptr, g.ptr, gx.ptr, rows, cols);
    accumulateGrad(x, gx, true);
  });
}

export const softmax = (x: Tensor, axis = -1): Tensor => rowwise('softmax', x, axis);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => rowwise('logSoftmax', x, axis);

/**
 * Inverted dropout: zeroes each element with probability p and scales survivors by 1/(1−p),
 * so evaluation needs no rescaling. The mask is a pure function of the seed.
 */
export function dropout(x: Tensor, p: number, seed: readonly [number, number]): Tensor {
  checkTensor('dropout', x);
  if (!(p >= 0 && p < 1)) throw new ShapeError(`dropout: p must be in [0, 1), got ${p}`);
  const k = K();
  const mask = empty(x.shape, 'dropout_mask');
  if (mask.size > 0) k.dropout_mask(mask.ptr, mask.size, seed[0], seed[1], p);
  const out = empty(x.shape, 'dropout');
  if (out.size > 0) k.mul(x.ptr, mask.ptr, out.ptr, out.size);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, 'dropout_grad');
    if (gx.size > 0) k.mul(g.ptr, mask.ptr, gx.ptr, gx.size);
    accumulateGrad(x, gx, true);
  });
}
