/**
 * Fused dense layer: act(x·W + b) in one kernel call, and x, W, b gradients in one backward call
 * that writes straight into the parameters' gradient buffers. `nn.Linear` uses it, and
 * `nn.Sequential` fuses a Linear followed by ReLU/Sigmoid/Tanh into a single call (and a run of
 * them into one linearChain, dense-chain.ts).
 */
import { denseActivationCode } from '../backend/codes.js';
import { allocF32, freeF32, K } from '../backend/wasm.js';
import { record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './checks.js';
import { denseOutShape, inputLayerBackward } from './dense-parts.js';

export type DenseActivation = 'none' | 'relu' | 'sigmoid' | 'tanh';

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
  const out = empty(denseOutShape(x, m, n), 'linear');
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
  // gz, the kernel's m·n scratch, is a bare block: no Tensor object, no scope (~0.1 µs a call).
  const gzSize = out.size;
  const gz = allocF32(gzSize);
  try {
    inputLayerBackward(K(), x, weight, bias, out.ptr, gy.ptr, gz, act, m, k, n);
  } finally {
    freeF32(gz, gzSize);
  }
}

/** A layer's dense_backward whose input is the tensor x: x's gradient is made, or added to. */
