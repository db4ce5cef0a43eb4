/** The layers: Linear, activations as modules, Dropout, Sequential. */
import { KnobsError } from '../errors.js';
import { dropout, logSoftmax, relu, sigmoid, softmax, tanh } from '../ops/activations.js';
import { linear, type DenseActivation } from '../ops/dense.js';
import { Rng } from '../random.js';
import { Tensor, rand } from '../tensor.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  /** Seed of the initial weights; without it the global stream (manualSeed) is used. */
  seed?: number;
}

/**
 * y = x·W + b with W of shape [in, out] — the book's `np.dot(layer, weights)` layout, so forward
 * is a plain A·B and no transpose is ever materialised. (PyTorch stores [out, in].)
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [n, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`Linear: ${n} must be a positive integer, got ${v}`);
    }
    // PyTorch's default: U(−1/√in, 1/√in) for weights and bias keeps pre-activation variance
    // near 1/3 of the input's whatever the fan-in, so deep stacks neither explode nor vanish at start.
    const bound = 1 / Math.sqrt(inFeatures);
    const seeds = opts.seed === undefined ? undefined : new Rng(opts.seed);
    const s = () => (seeds ? seeds.nextU32() : undefined);
    this.weight = this.addParameter('weight', rand([inFeatures, outFeatures], { low: -bound, high: bound, seed: s() }));
    this.bias = opts.bias === false ? null : this.addParameter('bias', rand([outFeatures], { low: -bound, high: bound, seed: s() }));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
  /** act(x·W + b) as one fused kernel call. */
  forwardWith(x: Tensor, activation: DenseActivation): Tensor {
    return linear(x, this.weight, this.bias, activation);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}
export class Softmax extends Module {
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
}
export class LogSoftmax extends Module {
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.axis);
  }
}

/** Randomly silences units while training (p = probability of zeroing); identity in eval(). */
export class Dropout extends Module {
  /** Mask stream; its state is saved with the model so training resumes identically. */
  readonly rng: Rng;
  /** Seed of the mask stream (kept so a model spec can rebuild the same layer). */
  readonly seed: number;
  constructor(readonly p = 0.5, opts: { seed?: number } = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new KnobsError(`Dropout: p must be in [0, 1), got ${p}`);
    this.seed = opts.seed ?? 0;
    this.rng = new Rng(this.seed);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, this.rng.nextSeed());
  }
}

function fusable(m: Module | undefined): DenseActivation | null {
  if (m instanceof ReLU) return 'relu';
  if (m instanceof Sigmoid) return 'sigmoid';
  if (m instanceof Tanh) return 'tanh';
  return null;
}

/** Modules applied in order; parameters are named by position ("0.weight", "2.bias"). */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.addModule(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    const L = this.layers;
    for (let i = 0; i < L.length; i++) {
      // Linear followed by an elementwise activation runs as one fused kernel (same math).
      const act = L[i] instanceof Linear ? fusable(L[i + 1]) : null;
      if (act) {
        h = (L[i] as Linear).forwardWith(h, act);
        i++;
      } else {
        h = L[i].forward(h);
      }
    }
    return h;
  }
}
