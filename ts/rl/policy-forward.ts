/**
 * The policy's forward pass for acting (dense input): log π(·|s) = logSoftmax(relu(x·W1 + b1)·W2
 * + b2) for the games in play, into wasm blocks kept from step to step. An agent acts once per
 * step for a handful of rows, so the eager ops' per-call work (Tensor objects, tidy, shape and
 * argument checks, the Categorical's own checks) cost as much as the arithmetic; here a step is
 * one copy in, three kernel calls and reads of the results in place. The kernels are the ones
 * `linear` and `logSoftmax` call, so actions and kept hidden layers have the eager path's bits.
 */
import { denseActivationCode } from '../backend/codes.js';
import { allocF32, freeF32, heap, K } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import type { Linear } from '../nn/layers.js';

export class PolicyForward {
  /** Rows the blocks hold; they are re-made, larger, when more games play at once. */
  private rows = 0;
  private size = 0;
  private block = 0;

  constructor(private readonly l1: Linear, private readonly l2: Linear) {}

  /**
   * Runs the policy on `n` observations stacked row after row. Returns views of wasm memory,
   * valid until the next call: the hidden layer [n·hidden], the logits and the log-probabilities
   * [n·actions].
   */
  run(observations: Float32Array, n: number): { hidden: Float32Array; logits: Float32Array; logProbs: Float32Array } {
    const { l1, l2 } = this;
    const d = l1.weight.shape[0], H = l1.weight.shape[1], A = l2.weight.shape[1];
    if (n > this.rows) this.grow(n, d, H, A);
    const k = K();
    const x = this.block, h = x + 4 * this.rows * d, z = h + 4 * this.rows * H, lp = z + 4 * this.rows * A;
    heap().set(observations, x >>> 2);
    const [b1, b2] = [l1.bias, l2.bias];
    k.dense_forward(x, l1.weight.ptr, b1 ? b1.ptr : 0, !!b1, h, n, d, H, denseActivationCode('relu')!);
    k.dense_forward(h, l2.weight.ptr, b2 ? b2.ptr : 0, !!b2, z, n, H, A, denseActivationCode('none')!);
    // What Categorical checks: a diverged policy is reported, not sampled from.
    if (k.count_nonfinite(z, n * A) > 0) throw new KnobsError(`Reinforce.act: the policy's logits [${n},${A}] contain NaN or Infinity (the weights have diverged)`);
    k.log_softmax_rows(z, lp, n, A);
    const mem = heap();
    return { hidden: mem.subarray(h >>> 2, (h >>> 2) + n * H), logits: mem.subarray(z >>> 2, (z >>> 2) + n * A), logProbs: mem.subarray(lp >>> 2, (lp >>> 2) + n * A) };
  }

  private grow(n: number, d: number, H: number, A: number): void {
    this.dispose();
    const size = n * (d + H + 2 * A);
    this.block = allocF32(size);
    this.size = size;
    this.rows = n;
  }

  dispose(): void {
    if (this.size > 0) freeF32(this.block, this.size);
    this.rows = this.size = this.block = 0;
  }
}
