/**
 * The library's neural networks under the estimator API: Classifier and Regressor wrap an
 * nn.Sequential and train it with the library's fit() (minibatches, an optimizer, callbacks).
 * Because fit() yields to the event loop between batches, these `fit` methods return a Promise;
 * predict/predictProba/score are synchronous like the other estimators.
 */
import { KnobsError, ShapeError } from '../errors.js';
import { fmtValue } from '../options.js';
import { DataLoader, TensorDataset } from '../data/dataset.js';
import { Sequential } from '../nn/layers.js';
import type { StateEntry } from '../nn/module.js';
import { fromSpec, toSpec } from '../nn/spec.js';
import { createOptimizer, type OptimizerSpec } from '../optim/create.js';
import { fit as fitModel, predict as predictModel, type Callback } from '../train/index.js';
import { accuracy, r2, registerEstimator, type Estimator, type EstimatorJSON, type Matrix, type MatrixInput, type VectorInput } from './estimator.js';
import { argmaxLabels, checkState, classInputs, fitInputs, predictInputs, softmaxRowsInPlace, scorePair } from './supervised-base.js';
import { checkOptions, StateReader } from './validate.js';

export interface NeuralEstimatorOptions {
  /** Passes over the training data. Default 100. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default { type: 'Adam', lr: 0.01 }. */
  optimizer?: OptimizerSpec;
  /** Shuffle seed of the minibatches (determinism: the same seed, data and weights give the same model). Default 0. */
  seed?: number;
  callbacks?: Callback | readonly Callback[];
}

type Params = Required<Omit<NeuralEstimatorOptions, 'callbacks'>>;

abstract class NeuralEstimator {
  readonly params: Params;
  protected nFeatures = -1;
  private readonly callbacks: NeuralEstimatorOptions['callbacks'];

  constructor(readonly model: Sequential, opts: NeuralEstimatorOptions, protected readonly name: string) {
    if (!(model instanceof Sequential)) throw new KnobsError(`${name}: expected an nn.Sequential model`);
    opts = checkOptions(name, opts, ['epochs', 'batchSize', 'optimizer', 'seed', 'callbacks']);
    this.params = { epochs: opts.epochs ?? 100, batchSize: opts.batchSize ?? 32, optimizer: opts.optimizer ?? { type: 'Adam', lr: 0.01 }, seed: opts.seed ?? 0 };
    this.callbacks = opts.callbacks;
    if (!Number.isInteger(this.params.epochs) || this.params.epochs < 1) throw new KnobsError(`${name}: epochs must be a positive integer, got ${fmtValue(this.params.epochs)}`);
  }

  /** Runs the model on rows of x and returns its raw outputs [n × outputs] as float64. */
  protected outputs(op: string, x: MatrixInput, expectCols: number): { out: Float64Array; n: number } {
    const X = predictInputs(op, x, this.nFeatures);
    const y = predictModel(this.model, { data: Float32Array.from(X.data), shape: [X.rows, X.cols] });
    try {
      if (y.rank !== 2 || y.shape[1] !== expectCols) throw new ShapeError(`${op}: the model outputs shape [${y.shape}], expected [${X.rows}, ${expectCols}]`);
      return { out: Float64Array.from(y.toFloat32Array()), n: X.rows };
    } finally {
      y.dispose();
    }
  }

  protected async train(X: Matrix, y: Float32Array, yShape: number[], loss: 'crossEntropy' | 'mse'): Promise<void> {
    const ds = new TensorDataset({ data: Float32Array.from(X.data), shape: [X.rows, X.cols] }, { data: y, shape: yShape });
    const loader = new DataLoader(ds, { batchSize: this.params.batchSize, shuffle: true, seed: this.params.seed });
    const optimizer = createOptimizer(this.model.parameters(), this.params.optimizer, this.name);
    try {
      await fitModel(this.model, loader, { epochs: this.params.epochs, optimizer, loss, verbose: false, callbacks: this.callbacks });
    } finally {
      optimizer.dispose();
    }
    this.nFeatures = X.cols;
  }

  /** The network's knobs: fixed by the architecture, not by the data. */
  get nParameters(): number {
    return this.model.nParameters;
  }

  protected stateJSON(extra: Record<string, unknown>): EstimatorJSON['state'] {
    if (this.nFeatures < 0) return null;
    const weights: Record<string, { shape: number[]; data: number[] }> = {};
    for (const [k, v] of Object.entries(this.model.stateDict())) weights[k] = { shape: v.shape, data: Array.from(v.data) };
    return { nFeatures: this.nFeatures, weights, ...extra };
  }

  protected paramsJSON(): Record<string, unknown> {
    return { ...this.params, spec: toSpec(this.model) };
  }

  protected static rebuild<T>(json: EstimatorJSON, make: (model: Sequential, opts: NeuralEstimatorOptions, state: Record<string, unknown> | null) => T): T {
    const { spec, ...opts } = json.params as unknown as NeuralEstimatorOptions & { spec: unknown };
    const model = fromSpec(spec);
    if (!(model instanceof Sequential)) {
      model.dispose();
      throw new KnobsError(`${json.type}.fromJSON: the spec must describe an nn.Sequential, got ${model.constructor.name}`);
    }
    try {
      return make(model, opts, NeuralEstimator.loadState(json, model));
    } catch (e) {
      // The model's parameters live in wasm memory: a refused file must not keep them.
      model.dispose();
      throw e;
    }
  }

  private static loadState(json: EstimatorJSON, model: Sequential): Record<string, unknown> | null {
    const state = checkState(`${json.type}.fromJSON`, json);
    if (state) {
      const op = `${json.type}.fromJSON`;
      const ws = state.weights;
      if (!ws || typeof ws !== 'object' || Array.isArray(ws)) throw new KnobsError(`${op}: saved state field 'weights' must be an object of { shape, data }`);
      const w: Record<string, StateEntry> = Object.create(null);
      for (const [k, v] of Object.entries(ws as Record<string, unknown>)) {
        const e = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
        const r = new StateReader(op, { [`weights.${k}.shape`]: e.shape, [`weights.${k}.data`]: e.data });
        const shape = Array.from(r.ints(`weights.${k}.shape`, undefined, 0, 2 ** 31 - 1));
        w[k] = { shape, data: Float32Array.from(r.nums(`weights.${k}.data`, shape.reduce((a, b) => a * b, 1))) };
      }
      model.loadStateDict(w);
    }
    return state;
  }
}

/** A Sequential that outputs one logit per class, trained with cross-entropy. */
export class Classifier extends NeuralEstimator {
  classes: number[] = [];

  constructor(model: Sequential, opts: NeuralEstimatorOptions = {}) {
    super(model, opts, 'Classifier');
  }

  async fit(x: MatrixInput, y?: VectorInput): Promise<this> {
    const { X, classes, index } = classInputs('Classifier.fit', x, y);
    await this.train(X, Float32Array.from(index), [X.rows], 'crossEntropy');
    this.classes = classes;
    return this;
  }

  predictProba(x: MatrixInput): Float64Array {
    const k = this.classes.length;
    const { out, n } = this.outputs('Classifier.predictProba', x, k);
    return softmaxRowsInPlace(out, n, k);
  }

  predict(x: MatrixInput): Float64Array {
    const k = this.classes.length;
    const { out, n } = this.outputs('Classifier.predict', x, k);
    return argmaxLabels(out, n, this.classes);
  }

  score(x: MatrixInput, y: VectorInput): number {
    return accuracy(...scorePair('Classifier.score', this.predict(x), y));
  }

  toJSON(): EstimatorJSON {
    return { format: 'knobs.estimator', version: 1, type: 'Classifier', params: this.paramsJSON(), state: this.stateJSON({ classes: this.classes }) };
  }

  static fromJSON(json: EstimatorJSON): Classifier {
    return NeuralEstimator.rebuild(json, (model, opts, state) => {
      const c = new Classifier(model, opts);
      if (state) {
        const r = new StateReader('Classifier.fromJSON', state);
        Object.assign(c, { nFeatures: r.count('nFeatures'), classes: r.classes('classes') });
      }
      return c;
    });
  }
}

/** A Sequential with one output, trained with mean squared error. */
export class Regressor extends NeuralEstimator {
  constructor(model: Sequential, opts: NeuralEstimatorOptions = {}) {
    super(model, opts, 'Regressor');
  }

  async fit(x: MatrixInput, y?: VectorInput): Promise<this> {
    const { X, y: yv } = fitInputs('Regressor.fit', x, y);
    await this.train(X, Float32Array.from(yv), [X.rows, 1], 'mse');
    return this;
  }

  predict(x: MatrixInput): Float64Array {
    return this.outputs('Regressor.predict', x, 1).out;
  }

  score(x: MatrixInput, y: VectorInput): number {
    return r2(...scorePair('Regressor.score', this.predict(x), y));
  }

  toJSON(): EstimatorJSON {
    return { format: 'knobs.estimator', version: 1, type: 'Regressor', params: this.paramsJSON(), state: this.stateJSON({}) };
  }

  static fromJSON(json: EstimatorJSON): Regressor {
    return NeuralEstimator.rebuild(json, (model, opts, state) => {
      const r = new Regressor(model, opts);
      if (state) Object.assign(r, { nFeatures: new StateReader('Regressor.fromJSON', state).count('nFeatures') });
      return r;
    });
  }
}
// Their fit is asynchronous (it trains through fit()), the rest of the Estimator API is the same.
registerEstimator('Classifier', (j) => Classifier.fromJSON(j) as unknown as Estimator);
registerEstimator('Regressor', (j) => Regressor.fromJSON(j) as unknown as Estimator);
