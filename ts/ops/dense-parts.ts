/**
 * The pieces `linear` (dense.ts) and `linearChain` (dense-chain.ts) share: output shapes, and one
 * layer's dense_backward call with its gradient bookkeeping. Internal: not exported from ops.
 */
import { type Kernels } from '../backend/wasm.js';
import { gradBuffer } from '../autograd.js';
import { Tensor, empty, frozenShape } from '../tensor.js';

// Output shapes [m, n] of small layers, frozen once and shared (a frozen shape is adopted by the
// Tensor without a copy): Object.freeze of a fresh array cost ~40 ns per call of a tiny layer.
const SMALL_DIM = 64;
const shapes: (readonly number[])[][] = [];
function shape2(m: number, n: number): readonly number[] {
  if (m >= SMALL_DIM || n >= SMALL_DIM) return frozenShape([m, n]);
  const row = shapes[m] ?? (shapes[m] = []);
  return row[n] ?? (row[n] = frozenShape([m, n]));
}

const shapes1: (readonly number[])[] = [];
/** The shape of a dense layer's output: [m, n] for an input [m, k], [n] for [k]. */
export function denseOutShape(x: Tensor, m: number, n: number): readonly number[] {
  if (x.rank === 2) return shape2(m, n);
  if (n >= SMALL_DIM) return frozenShape([n]);
  return shapes1[n] ?? (shapes1[n] = frozenShape([n]));
}

/** A layer's dense_backward whose input is the tensor x (x's gradient made, or added to). */
export function inputLayerBackward(kern: Kernels, x: Tensor, weight: Tensor, bias: Tensor | null, yPtr: number, gyPtr: number, gz: number, act: number, m: number, k: number, n: number): void {
  const acc = paramGrads(weight, bias);
  const hadX = x.grad !== null;
  const tx = gradBuffer(x);
  const gx = tx === null ? null : hadX ? empty(x.shape, 'linear_gx') : tx;
  layerBackward(kern, x.ptr, weight, bias, yPtr, gyPtr, gz, gx ? gx.ptr : 0, act, m, k, n, acc);
  if (tx && hadX && gx) {
    kern.axpy(1, gx.ptr, tx.ptr, gx.size);
    gx.dispose();
  }
}

/**
 * Makes the weight's and bias's gradient buffers (those that require one) ready for
 * dense_backward; returns its accumulate flag.
 */
export function paramGrads(weight: Tensor, bias: Tensor | null): boolean {
  // Whether each gradient already holds a value to add to, read before the buffers are made.
  const hadW = weight.grad !== null, hadB = bias !== null && bias.grad !== null;
  const tw = gradBuffer(weight), tb = bias ? gradBuffer(bias) : null;
  // One accumulate flag for W and b: both are leaves created together, so they either both
  // hold a gradient from an earlier backward or neither does (zeroGrad clears both).
  if (tb && tw && hadB !== hadW) {
    // Mixed state (e.g. bias gradient cleared by hand): fall back to accumulating into a zeroed buffer.
    if (!hadB) tb.data.fill(0);
    if (!hadW) tw.data.fill(0);
  }
  return (tw !== null && hadW) || (tb !== null && hadB);
}

/** One dense_backward call (after paramGrads): the input's gradient written to gxPtr (0: not wanted). */
export function layerBackward(kern: Kernels, xPtr: number, weight: Tensor, bias: Tensor | null, yPtr: number, gyPtr: number, gz: number, gxPtr: number, act: number, m: number, k: number, n: number, acc: boolean): void {
  const tw = weight.requiresGrad ? weight.grad : null, tb = bias !== null && bias.requiresGrad ? bias.grad : null;
  kern.dense_backward(xPtr, weight.ptr, yPtr, gyPtr, gz, gxPtr, tw ? tw.ptr : 0, tb ? tb.ptr : 0, m, k, n, act, gxPtr !== 0, !!tw, !!tb, acc);
}
