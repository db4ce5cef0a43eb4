/**
 * The problem the data-parallel benchmarks train (bench/cases-parallel.ts, bench/parallel-probe.ts):
 * an MLP 784-H-10 with seeded init, SGD + momentum, cross-entropy on class labels, on
 * deterministic pseudo-random rows (the same rows for every run and every case).
 */
import { crossEntropy, nn, optim, tensor, tidy } from '../ts/index.js';
import { mlpSpec } from '../test/helpers/mlp.js';

export const IN = 784, OUT = 10;

/** The model with `hidden` units (512 in the 784-512-10). */
export const parallelSpec = (hidden: number): nn.ModelSpec => mlpSpec(IN, hidden, OUT, 'ReLU', [1, 2]);

export const parallelOptimizer = { type: 'SGD' as const, lr: 0.01, momentum: 0.9 };

/** `rows` inputs in [0, 1) and class labels in 0..OUT-1, from a fixed-seed LCG. */
export function parallelData(rows: number): { x: Float32Array; y: Float32Array } {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return { x: new Float32Array(rows * IN).map(() => rnd()), y: new Float32Array(rows).map(() => Math.floor(rnd() * OUT)) };
}

/** One in-thread training step on the `B` rows of x: the same step fit() takes. */
export function inThreadStep(model: nn.Sequential, opt: optim.SGD, x: Float32Array, y: Float32Array, B: number): void {
  tidy(() => {
    const loss = crossEntropy(model.forward(tensor(x, [B, IN])), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  });
}
