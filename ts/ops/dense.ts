/**
 * Fused dense layer: act(x·W + b) in one kernel call, and x, W, b gradients in one backward call
 * that writes straight into the parameters' gradient buffers. `nn.Linear` uses it, and
 * `nn.Sequential` fuses a Linear followed by ReLU/Sigmoid/Tanh into a single call.
 */
import { denseActivationCode } from '../backend/codes.js';
import { allocF32, freeF32, K } from '../backend/wasm.js';
import { gradBuffer, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './checks.js';

export type DenseActivation = 'none' | 'relu' | 'sigmoid' | 'tanh';

// Output shapes [m, n] of small layers, frozen once and shared (a frozen shape is adopted by the
// Tensor without a copy): Object.freeze of a fresh array cost ~40 ns per call of a tiny layer.
const SMALL_DIM = 64;
const shapes: (readonly number[])[][] = [];
function shape2(m: number, n: number): readonly number[] {
  if (m >= SMALL_DIM || n >= SMALL_DIM) return Object.freeze([m, n]);
  const row = shapes[m] ?? (shapes[m] = []);
  return row[n] ?? (row[n] = Object.freeze([m, n]));
}

/** y = act(x·W + b) for x [m,k] (or [k]), W [k,n], b [n] or null. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null, activation: DenseActivation = 'none'): Tensor {
  checkTensor('linear', x, 'input');
  checkTensor('linear', weight, 'weight');
  if (bias) checkTensor('linear', bias, 'bias');
  const act = typeof activation === 'string' ? denseActivationCode(activation) : undefined;
  if (act === undefined) throw new KnobsError(`linear: unknown activation '${activation}'`);
  if (weight.rank !== 2) throw new ShapeError(`linear: weight must be 2-D [in, out], got ${fmtShape(weight.shape)}`);
  // Indexed, not destructured: destructuring a frozen shape goes through the iterator (slower per call).
  const k = weight.shape[0], n = weight.shape[1];
  if (x.rank < 1 || x.rank > 2 || x.shape[x.rank - 1] !== k) {
    throw new ShapeError(`linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [batch, ${k}])`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) {
    throw new ShapeError(`linear: bias ${fmtShape(bias.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [${n}])`);
  }
  const m = x.rank === 2 ? x.shape[0] : 1;
  const kern = K();
  const out = empty(x.rank === 2 ? shape2(m, n) : Object.freeze([n]), 'linear');
  if (out.size > 0) kern.dense_forward(x.ptr, weight.ptr, bias ? bias.ptr : 0, !!bias, out.ptr, m, k, n, act);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record(out, parents, (gy) => denseBackward(x, weight, bias, out, gy, act, m, k, n));
}

/**
 * The backward of `linear` for output `out` = act(x·W + b) and its gradient gy: x, W and b
 * gradients in one kernel call, written into the gradients of whichever of them require one.
 * Also for a learner that kept `out` from an earlier forward pass (pg-pong's cached hidden layer).
 */
export function linearBackward(x: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, gy: Tensor, activation: DenseActivation = 'none'): void {
  const act = denseActivationCode(activation);
  if (act === undefined) throw new KnobsError(`linear: unknown activation '${activation}'`);
  denseBackward(x, weight, bias, out, gy, act, x.rank === 2 ? x.shape[0] : 1, weight.shape[0], weight.shape[1]);
}

function denseBackward(x: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, gy: Tensor, act: number, m: number, k: number, n: number): void {
  if (out.size === 0) return;
  const kern = K();
  // Whether each gradient already holds a value to add to, read before the buffers are made.
  const hadX = x.grad !== null, hadW = weight.grad !== null, hadB = bias !== null && bias.grad !== null;
  const tx = gradBuffer(x), tw = gradBuffer(weight), tb = bias ? gradBuffer(bias) : null;
  // One accumulate flag for W and b: both are leaves created together, so they either both
  // hold a gradient from an earlier backward or neither does (zeroGrad clears both).
  if (tb && tw && hadB !== hadW) {
    // Mixed state (e.g. bias gradient cleared by hand): fall back to accumulating into a zeroed buffer.
    if (!hadB) tb.data.fill(0);
    if (!hadW) tw.data.fill(0);
  }
  const acc = (tw !== null && hadW) || (tb !== null && hadB);
  const gx = tx === null ? null : hadX ? empty(x.shape, 'linear_gx') : tx;
  // gz, the kernel's m·n scratch, is a bare block: no Tensor object, no scope (~0.1 µs a call).
  const gzSize = out.size;
  const gz = allocF32(gzSize);
  try {
    kern.dense_backward(x.ptr, weight.ptr, out.ptr, gy.ptr, gz, gx ? gx.ptr : 0, tw ? tw.ptr : 0, tb ? tb.ptr : 0, m, k, n, act, !!gx, !!tw, !!tb, acc);
  } finally {
    freeF32(gz, gzSize);
  }
  if (tx && hadX && gx) {
    kern.axpy(1, gx.ptr, tx.ptr, gx.size);
    gx.dispose();
  }
}
