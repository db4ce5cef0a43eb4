/** The two-layer perceptron the parallel suites and benchmarks train, as a spec. */
import type { ModelSpec } from '../../ts/nn/spec.js';

/** Linear(in → hidden), the activation, Linear(hidden → out), each Linear with bias and its own init seed. */
export function mlpSpec(inFeatures: number, hidden: number, outFeatures: number, activation: 'ReLU' | 'Tanh', [seed1, seed2]: [number, number]): ModelSpec {
  return {
    format: 'knobs.module',
    version: 2,
    root: {
      type: 'Sequential',
      config: {},
      children: [
        { name: '0', type: 'Linear', config: { inFeatures, outFeatures: hidden, bias: true, seed: seed1 } },
        { name: '1', type: activation, config: {} },
        { name: '2', type: 'Linear', config: { inFeatures: hidden, outFeatures, bias: true, seed: seed2 } },
      ],
    },
  };
}
