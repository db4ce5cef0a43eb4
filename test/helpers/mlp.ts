/** The two-layer perceptron the parallel suites and benchmarks train, as a spec. */
import type { ModelSpec } from '../../ts/nn/spec.js';

/** Linear(in → hidden), the activation, Linear(hidden → out), each Linear with bias and its own init seed. */
export function mlpSpec(inFeatures: number, hidden: number, outFeatures: number, activation: 'ReLU' | 'Tanh', [seed1, seed2]: [number, number]): ModelSpec {
  return {
    format: 'knobs.sequential',
    version: 1,
    layers: [
      { type: 'Linear', inFeatures, outFeatures: hidden, bias: true, seed: seed1 },
      { type: activation },
      { type: 'Linear', inFeatures: hidden, outFeatures, bias: true, seed: seed2 },
    ],
  };
}
