/**
 * Fused dense layer: act(x·W + b) in one kernel call, and x, W, b gradients in one backward call
 * that writes straight into the parameters' gradient buffers. `nn.Linear` uses it, and
 * `nn.Sequential` fuses a Linear followed by ReLU/Sigmoid/Tanh into a single call.
 */
import { denseActivationCode } from '../backend/codes.js';
import { K } from '../backend/wasm.js';
import { gradTarget, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './checks.js';

export type DenseActivation = 'none' | 'relu' | 'sigmoid' | 'tanh';

/** y = act(x·W + b) for x [m,k] (or [k]), W [k,n], b [n] or null. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null, activation: DenseActivation = 'none'): Tensor {
  checkTensor('linear', x, 'input');
  checkTensor('linear', weight, 'weight');
  if (bias) checkTensor('linear', bias, 'bias');
  const act = typeof activation === 'string' ? denseActivationCode(activation) : undefined;
  if (act === undefined) throw new KnobsError(`linear: unknown activation '${activation}'`);
  if (weight.rank !== 2) throw new ShapeError(`linear: weight must be 2-D [in, out], got ${fmtShape(weight.shape)}`);
  const [k, n] = weight.shape;
  if (x.rank < 1 || x.rank > 2 || x.shape[x.rank - 1] !== k) {
    throw new ShapeError(`linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [batch, ${k}])`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) {
    throw new ShapeError(`linear: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [${n}])`);
  }
  const m = x.rank === 2 ? x.shape[0] : 1;
  const kern = K();
  const out = empty(x.rank === 2 ? [m, n] : [n], 'linear');
  if (out.size > 0) kern.dense_forward(x.ptr, weight.ptr, bias ? bias.ptr : 0, !!bias, out.ptr, m, k, n, act);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record(out, parents, (gy) => linearBackward(x, weight, bias, out, gy, activation));
}

/**
 * The backward of `linear` for output `out` = act(x·W + b) and its gradient gy: x, W and b
 * gradients in one kernel call, written into the gradients of whichever of them require one.
 * Also for a learner that kept `out` from an earlier forward pass (pg-pong's cached hidden layer).
 */
export function linearBackward(x: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, gy: Tensor, activation: DenseActivation = 'none'): void {
  const act = denseActivationCode(activation);
  if (act === undefined) throw new KnobsError(`linear: unknown activation '${activation}'`);
  const [k, n] = weight.shape;
  const m = x.rank === 2 ? x.shape[0] : 1;
  const kern = K();
  if (out.size === 0) return;
  // out's frozen shape has gz's size (m·n): adopting it saves a shape copy per backward.
  const gz = empty(out.shape, 'linear_gz');
  const tx = gradTarget(x), tw = gradTarget(weight), tb = bias ? gradTarget(bias) : null;
  // One accumulate flag for W and b: both are leaves created together, so they either both
  // hold a gradient from an earlier backward or neither does (zeroGrad clears both).
  const accW = tw ? tw.accumulate : false;
  if (tb && tb.accumulate !== accW) {
    // Mixed state (e.g. bias gradient cleared by hand): fall back to accumulating into a zeroed buffer.
    if (!tb.accumulate) tb.grad.data.fill(0);
    if (tw && !tw.accumulate) tw.grad.data.fill(0);
  }
  const acc = tw?.accumulate || tb?.accumulate || false;
  let gx: Tensor | null = null;
  if (tx) gx = tx.accumulate ? empty(x.shape, 'linear_gx') : tx.grad;
  kern.dense_backward(x.ptr, weight.ptr, out.ptr, gy.ptr, gz.ptr, gx ? gx.ptr : 0, tw ? tw.grad.ptr : 0, tb ? tb.grad.ptr : 0, m, k, n, act, !!gx, !!tw, !!tb, acc);
  if (tx && tx.accumulate && gx) {
    kern.axpy(1, gx.ptr, tx.grad.ptr, gx.size);
    gx.dispose();
  }
  gz.dispose();
}
