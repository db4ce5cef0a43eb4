/**
 * Soft competitive learning: k prototype vectors (the knobs, k × features of them) compete for
 * every row; a row's membership in group j is softmax_j(−‖x − c_j‖² / τ), and the prototypes are
 * turned by plain gradient descent — predict, compare, learn — on the soft assignment loss
 *
 *   L(C) = −(τ / n) Σ_i log Σ_j exp(−‖x_i − c_j‖² / τ)      (a smooth minimum of the distances)
 *
 * whose gradient ∂L/∂c_j = (2 / n) Σ_i p_ij (c_j − x_i) pulls each prototype toward the rows in
 * proportion to how much they belong to it: the winner learns most, as in competitive learning.
 * As τ → 0 this is k-means' objective; large τ blurs all groups into one.
 *
 * Distances here are float64 on the JS side, not the Rust kernel's float32: the loss is descended
 * in small steps and its changes near convergence are below float32 resolution (k × rows × features
 * is small for this model; k-means and DBSCAN take the kernel path).
 */
import { KnobsError } from '../errors.js';
import { checkOptions, StateReader } from './validate.js';
import { Rng } from '../random.js';
import { kmeansPlusPlus } from './kmeans.js';
import { toMatrix, type Matrix, type MatrixInput } from './estimator.js';
import {
  ClusterBase, checkKVsRows, checkPosInt, checkPositive, checkSeed, logSumExp, meanVariance, registerCluster, softmaxRows,
  sqDistExact, type ClusterState,
} from './cluster-common.js';

export interface CompetitiveLearningParams {
  k: number;
  /**
   * τ in softmax(−‖x − c‖² / τ). Default: 2 × the mean per-feature variance of the training data
   * divided by k² — roughly the spread of one of k groups along the data, so a row is mostly in
   * its nearest group but neighbours still share.
   */
  temperature?: number;
  /** Gradient-descent step. The gradient is linear in c − x, so 0.5 moves a prototype that owns every row straight to their mean. */
  learningRate?: number;
  epochs?: number;
  /** Rows per gradient step (default: all rows, plain gradient descent); smaller = seeded stochastic order. */
  batchSize?: number;
  /** Stop early when an epoch lowers the loss by less than tol × |loss| (default 1e-9). */
  tol?: number;
  seed?: number;
}

interface Resolved {
  k: number;
  temperature: number | null;
  learningRate: number;
  epochs: number;
  batchSize: number | null;
  tol: number;
  seed: number;
}

export class CompetitiveLearning extends ClusterBase<Resolved> {
  readonly type = 'CompetitiveLearning';
  /** The prototypes, row-major [k × features]. */
  prototypes: Float64Array = new Float64Array(0);
  nFeatures = 0;
  /** τ in use (resolved at fit time when not given). */
  temperature = NaN;
  /** Loss after each epoch. */
  lossHistory: number[] = [];

  constructor(params: CompetitiveLearningParams) {
    const op = 'CompetitiveLearning';
    params = checkOptions(op, params, ['k', 'temperature', 'learningRate', 'epochs', 'batchSize', 'tol', 'seed']);
    super({
      k: checkPosInt(op, 'k', params.k),
      temperature: params.temperature === undefined ? null : checkPositive(op, 'temperature', params.temperature),
      learningRate: checkPositive(op, 'learningRate', params.learningRate ?? 0.5),
      epochs: checkPosInt(op, 'epochs', params.epochs ?? 300),
      batchSize: params.batchSize === undefined ? null : checkPosInt(op, 'batchSize', params.batchSize),
      tol: checkPositive(op, 'tol', params.tol ?? 1e-9, true),
      seed: checkSeed(op, params.seed ?? 0),
    });
  }

  get nParameters(): number {
    return this.params.k * this.nFeatures;
  }

  fit(xIn: MatrixInput): this {
    const op = 'CompetitiveLearning.fit';
    const x = toMatrix(op, xIn);
    const { k, epochs, learningRate, tol } = this.params;
    checkKVsRows(op, k, x.rows);
    const rng = new Rng(this.params.seed);
    const tau = this.params.temperature ?? Math.max((2 * meanVariance(x)) / (k * k), 1e-12);
    // Seeded k-means++ starts: gradient descent cannot pull a prototype out of a group another
    // prototype already owns, so the starts must be spread out.
    const c = kmeansPlusPlus(x, k, rng);
    this.prototypes = c;
    this.nFeatures = x.cols;
    this.temperature = tau;
    const bs = Math.min(this.params.batchSize ?? x.rows, x.rows);
    const idx = Array.from({ length: x.rows }, (_, i) => i);
    this.lossHistory = [];
    let prev = Infinity;
    for (let e = 0; e < epochs; e++) {
      if (bs < x.rows) rng.shuffle(idx);
      for (let s = 0; s < x.rows; s += bs) {
        const batch = bs < x.rows ? subset(x, idx.slice(s, s + bs)) : x;
        const g = this.gradientAt(batch, c, tau);
        for (let t = 0; t < c.length; t++) c[t] -= learningRate * g[t];
      }
      const loss = this.lossAt(x, c, tau);
      this.lossHistory.push(loss);
      if (prev - loss < tol * Math.abs(loss) && bs === x.rows) break;
      prev = loss;
    }
    this.fitted = true;
    return this;
  }

  /** The soft assignment loss of x under the current prototypes. */
  loss(xIn: MatrixInput): number {
    const x = this.input('loss', xIn);
    return this.lossAt(x, this.prototypes, this.temperature);
  }

  /** ∂loss/∂prototypes at x, [k × features] row-major (what fit descends). */
  gradient(xIn: MatrixInput): Float64Array {
    const x = this.input('gradient', xIn);
    return this.gradientAt(x, this.prototypes, this.temperature);
  }

  predict(xIn: MatrixInput): Int32Array {
    this.requireFitted('predict');
    const p = this.predictProba(xIn);
    const k = this.params.k, n = p.length / k;
    return Int32Array.from({ length: n }, (_, i) => {
      let b = 0;
      for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + b]) b = j;
      return b;
    });
  }

  /** Memberships [rows × k] = softmax(−‖x − c‖² / τ). */
  predictProba(xIn: MatrixInput): Float64Array {
    const x = this.input('predictProba', xIn);
    return this.memberships(x, this.prototypes, this.temperature);
  }

  private memberships(x: Matrix, c: Float64Array, tau: number): Float64Array {
    const d2 = sqDistExact(x, { data: c, rows: this.params.k, cols: x.cols });
    for (let i = 0; i < d2.length; i++) d2[i] = -d2[i] / tau;
    softmaxRows(d2, x.rows, this.params.k);
    return d2;
  }

  private lossAt(x: Matrix, c: Float64Array, tau: number): number {
    const k = this.params.k;
    const d2 = sqDistExact(x, { data: c, rows: k, cols: x.cols });
    for (let i = 0; i < d2.length; i++) d2[i] = -d2[i] / tau;
    let s = 0;
    for (let i = 0; i < x.rows; i++) s += logSumExp(d2, i * k, (i + 1) * k);
    return (-tau * s) / x.rows;
  }

  private gradientAt(x: Matrix, c: Float64Array, tau: number): Float64Array {
    const k = this.params.k, d = x.cols, n = x.rows;
    const p = this.memberships(x, c, tau);
    const g = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const w = (2 * p[i * k + j]) / n;
        for (let t = 0; t < d; t++) g[j * d + t] += w * (c[j * d + t] - x.data[i * d + t]);
      }
    }
    return g;
  }

  protected getState(): ClusterState {
    return { prototypes: this.prototypes, nFeatures: this.nFeatures, temperature: this.temperature };
  }
  protected setState(s: ClusterState): void {
    const r = new StateReader('CompetitiveLearning', s);
    this.nFeatures = r.count('nFeatures');
    this.prototypes = r.nums('prototypes', this.params.k * this.nFeatures);
    this.temperature = r.num('temperature');
    if (!(this.temperature > 0)) throw new KnobsError(`CompetitiveLearning: saved state field 'temperature' must be positive, got ${this.temperature}`);
  }
}
registerCluster('CompetitiveLearning', (p) => {
  const q = p as unknown as Resolved;
  return new CompetitiveLearning({ k: q.k, learningRate: q.learningRate, epochs: q.epochs, tol: q.tol, seed: q.seed, ...(q.temperature !== null ? { temperature: q.temperature } : {}), ...(q.batchSize !== null ? { batchSize: q.batchSize } : {}) });
});

function subset(x: Matrix, idx: number[]): Matrix {
  const out = new Float64Array(idx.length * x.cols);
  idx.forEach((r, i) => out.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return { data: out, rows: idx.length, cols: x.cols };
}
