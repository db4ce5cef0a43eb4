/** Nonlinearities. Softmax and log-softmax run on rows (the last axis); another axis is moved there and back. */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor, normAxis } from './checks.js';
import { transpose } from './layout.js';

type Unary = (x: number, out: number, n: number) => void;
type UnaryBackward = (xOrY: number, g: number, out: number, n: number) => void;

/** `fromInput`: the derivative is a function of the input (relu: its sign), else of the output. */
function pointwise(op: string, x: Tensor, forward: Unary, backward: UnaryBackward, fromInput: boolean): Tensor {
  checkTensor(op, x);
  const out = empty(x.shape, op);
  if (out.size > 0) forward(x.ptr, out.ptr, out.size);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, `${op}_grad`);
    if (gx.size > 0) backward(fromInput ? x.ptr : out.ptr, g.ptr, gx.ptr, gx.size);
    accumulateGrad(x, gx, true);
  });
}

export const relu = (x: Tensor): Tensor => pointwise('relu', x, K().relu, K().relu_backward, true);
export const sigmoid = (x: Tensor): Tensor => pointwise('sigmoid', x, K().sigmoid, K().sigmoid_backward, false);
export const tanh = (x: Tensor): Tensor => pointwise('tanh', x, K().tanh, K().tanh_backward, false);

type Rows = (x: number, out: number, rows: number, cols: number) => void;
type RowsBackward = (y: number, g: number, out: number, rows: number, cols: number) => void;

function rowwise(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number, forward: Rows, backward: RowsBackward): Tensor {
  checkTensor(op, x);
  if (x.rank === 0) throw new ShapeError(`${op}: needs at least one axis, got a scalar`);
  const ax = normAxis(op, axis, x.rank);
  // The kernels work on contiguous rows: swap the axis with the last one, and back (autograd
  // goes through both transposes).
  if (ax !== x.rank - 1) return transpose(rowwise(op, transpose(x, ax, -1), -1, forward, backward), ax, -1);
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const out = empty(x.shape, op);
  if (out.size > 0) forward(x.ptr, out.ptr, rows, cols);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, `${op}_grad`);
    if (gx.size > 0) backward(out.ptr, g.ptr, gx.ptr, rows, cols);
    accumulateGrad(x, gx, true);
  });
}

export const softmax = (x: Tensor, axis = -1): Tensor => rowwise('softmax', x, axis, K().softmax_rows, K().softmax_backward);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => rowwise('logSoftmax', x, axis, K().log_softmax_rows, K().log_softmax_backward);

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
