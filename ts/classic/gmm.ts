/**
 * Gaussian mixture fitted by expectation–maximisation, in float64 with log-sum-exp throughout, as
 * scikit-learn's GaussianMixture: each of k groups has a weight, a mean and a covariance (the
 * knobs: a fixed count, whatever the data size); predictProba gives every row's responsibilities,
 * i.e. its probability of belonging to each group.
 */
import { KnobsError } from '../errors.js';
import { checkOptions, StateReader } from './validate.js';
import { Rng } from '../random.js';
import { checkFeatures, toMatrix, type Matrix, type MatrixInput } from './estimator.js';
import {
  ClusterBase, checkKVsRows, checkPosInt, checkPositive, checkSeed, logSumExp, registerCluster, type ClusterState,
} from './cluster-common.js';
import { KMeans } from './kmeans.js';

export type CovarianceType = 'diag' | 'full';

export interface GaussianMixtureInit {
  /** k starting means. */
  means: readonly (readonly number[])[];
  /** Starting weights (default 1/k each). */
  weights?: readonly number[];
  /**
   * Starting covariances: k × d × d ('full') or k × d variances ('diag'). Default: every component
   * gets the covariance (population, ddof 0) of all the data — a start that favours no group.
   */
  covariances?: readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[];
}

export interface GaussianMixtureParams {
  k: number;
  covariance?: CovarianceType;
  /** EM iterations per start (default 100). */
  maxIter?: number;
  /** Stop when the mean log-likelihood per row changes by less than tol (default 1e-3, as sklearn). */
  tol?: number;
  /** Added to every covariance diagonal in each M-step so no component collapses onto a point (default 1e-6, as sklearn). */
  regCovar?: number;
  /** Starts; the one with the highest final mean log-likelihood wins (default 1). */
  nInit?: number;
  seed?: number;
  /** 'kmeans' (default, as sklearn: responsibilities from a one-start k-means) or explicit parameters (one start). */
  init?: 'kmeans' | GaussianMixtureInit;
}

type Resolved = Required<GaussianMixtureParams>;

/** One fitted mixture; for 'full' `chol` holds the lower Cholesky factor of each covariance. */
interface Mixture {
  weights: Float64Array;
  means: Float64Array;
  /** 'full': k × d × d covariances; 'diag': k × d variances. */
  covs: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);
const EPS10 = 10 * 2.220446049250313e-16;

export class GaussianMixture extends ClusterBase<Resolved> {
  readonly type = 'GaussianMixture';
  weights: Float64Array = new Float64Array(0);
  /** Row-major [k × d]. */
  means: Float64Array = new Float64Array(0);
  /** [k × d × d] for 'full', [k × d] for 'diag'. */
  covariances: Float64Array = new Float64Array(0);
  nFeatures = 0;
  /** Mean log-likelihood per row at the last E-step of the winning start. */
  lowerBound = NaN;
  nIter = 0;
  converged = false;

  constructor(params: GaussianMixtureParams) {
    const op = 'GaussianMixture';
    params = checkOptions(op, params, ['k', 'covariance', 'maxIter', 'tol', 'regCovar', 'nInit', 'seed', 'init']);
    const cov = params.covariance ?? 'full';
    if (cov !== 'diag' && cov !== 'full') throw new KnobsError(`${op}: covariance must be 'diag' or 'full', got ${JSON.stringify(cov)}`);
    super({
      k: checkPosInt(op, 'k', params.k),
      covariance: cov,
      maxIter: checkPosInt(op, 'maxIter', params.maxIter ?? 100),
      tol: checkPositive(op, 'tol', params.tol ?? 1e-3, true),
      regCovar: checkPositive(op, 'regCovar', params.regCovar ?? 1e-6, true),
      nInit: checkPosInt(op, 'nInit', params.nInit ?? 1),
      seed: checkSeed(op, params.seed ?? 0),
      init: params.init ?? 'kmeans',
    });
    const init = this.params.init;
    if (init !== 'kmeans' && init && typeof init === 'object') checkOptions(`${op} init`, init, ['means', 'weights', 'covariances']);
    if (init !== 'kmeans' && (typeof init !== 'object' || !Array.isArray(init.means) || init.means.length !== this.params.k)) {
      throw new KnobsError(`${op}: init must be 'kmeans' or { means: k = ${this.params.k} rows, weights?, covariances? }`);
    }
  }

  get nParameters(): number {
    const { k, covariance } = this.params, d = this.nFeatures;
    const cov = covariance === 'full' ? (d * (d + 1)) / 2 : d;
    return k - 1 + k * d + k * cov;
  }

  fit(xIn: MatrixInput): this {
    const op = 'GaussianMixture.fit';
    const x = toMatrix(op, xIn);
    const { k, nInit, init } = this.params;
    checkKVsRows(op, k, x.rows);
    if (x.rows < 2) throw new KnobsError(`${op}: needs at least 2 rows to estimate covariances, got ${x.rows}`);
    const rng = new Rng(this.params.seed);
    let best: { m: Mixture; lb: number; iter: number; conv: boolean } | null = null;
    const starts = init === 'kmeans' ? nInit : 1;
    for (let s = 0; s < starts; s++) {
      const m0 = init === 'kmeans' ? this.kmeansStart(x, rng.nextU32()) : this.explicitStart(op, x, init);
      const run = this.em(x, m0);
      if (!best || run.lb > best.lb) best = run;
    }
    const b = best!;
    this.weights = b.m.weights;
    this.means = b.m.means;
    this.covariances = b.m.covs;
    this.lowerBound = b.lb;
    this.nIter = b.iter;
    this.converged = b.conv;
    this.nFeatures = x.cols;
    this.fitted = true;
    return this;
  }

  /** Most probable group of every row. */
  predict(xIn: MatrixInput): Int32Array {
    const x = this.input('predict', xIn);
    const lp = this.weightedLogProb(x, this.mixture());
    const k = this.params.k, out = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let b = 0;
      for (let j = 1; j < k; j++) if (lp[i * k + j] > lp[i * k + b]) b = j;
      out[i] = b;
    }
    return out;
  }

  /** Responsibilities [rows × k]: P(group j | row i) under the fitted mixture. */
  predictProba(xIn: MatrixInput): Float64Array {
    const x = this.input('predictProba', xIn);
    const k = this.params.k;
    const lp = this.weightedLogProb(x, this.mixture());
    for (let i = 0; i < x.rows; i++) {
      const z = logSumExp(lp, i * k, (i + 1) * k);
      for (let j = 0; j < k; j++) lp[i * k + j] = Math.exp(lp[i * k + j] - z);
    }
    return lp;
  }

  /** log p(x_i) of every row. */
  scoreSamples(xIn: MatrixInput): Float64Array {
    const x = this.input('scoreSamples', xIn);
    const k = this.params.k;
    const lp = this.weightedLogProb(x, this.mixture());
    return Float64Array.from({ length: x.rows }, (_, i) => logSumExp(lp, i * k, (i + 1) * k));
  }

  /** Total log-likelihood Σ_i log p(x_i). */
  logLikelihood(xIn: MatrixInput): number {
    return this.scoreSamples(xIn).reduce((a, b) => a + b, 0);
  }

  /** Mean log-likelihood per row (sklearn's GaussianMixture.score). */
  score(xIn: MatrixInput): number {
    const s = this.scoreSamples(xIn);
    return s.reduce((a, b) => a + b, 0) / s.length;
  }

  private mixture(): Mixture {
    return { weights: this.weights, means: this.means, covs: this.covariances };
  }

  /** sklearn's init_params='kmeans': hard responsibilities from one k-means run, then an M-step. */
  private kmeansStart(x: Matrix, seed: number): Mixture {
    const km = new KMeans({ k: this.params.k, nInit: 1, seed }).fit({ data: x.data, shape: [x.rows, x.cols] });
    const k = this.params.k, resp = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) resp[i * k + km.labels[i]] = 1;
    return this.mStep(x, resp);
  }

  private explicitStart(op: string, x: Matrix, init: GaussianMixtureInit): Mixture {
    const { k, covariance } = this.params, d = x.cols;
    const means = toMatrix(op, init.means as number[][], 'init.means');
    checkFeatures(`${op} (init.means)`, x, means.cols);
    if (init.weights !== undefined && !Array.isArray(init.weights)) throw new KnobsError(`${op}: init.weights must be an array of ${k} positive numbers`);
    const weights = init.weights ? Float64Array.from(init.weights) : new Float64Array(k).fill(1 / k);
    if (weights.length !== k || weights.some((w) => !(w > 0))) throw new KnobsError(`${op}: init.weights must be ${k} positive numbers`);
    const covSize = covariance === 'full' ? d * d : d;
    const covs = new Float64Array(k * covSize);
    if (init.covariances) {
      if (!Array.isArray(init.covariances)) throw new KnobsError(`${op}: init.covariances must be an array (k × d × d for 'full', k × d for 'diag')`);
      const flat = (init.covariances as unknown[]).flat(2) as number[];
      if (flat.length !== k * covSize || flat.some((v) => !Number.isFinite(v))) throw new KnobsError(`${op}: init.covariances must hold k × ${covariance === 'full' ? 'd × d' : 'd'} = ${k * covSize} finite numbers, got ${flat.length}`);
      covs.set(flat);
    } else {
      const all = this.mStep(x, new Float64Array(x.rows).fill(1), 1, 0);
      for (let j = 0; j < k; j++) covs.set(all.covs, j * covSize);
    }
    return { weights, means: means.data, covs };
  }

  /** EM from m0 until the mean log-likelihood changes by less than tol (sklearn's loop and stopping rule). */
  private em(x: Matrix, m0: Mixture): { m: Mixture; lb: number; iter: number; conv: boolean } {
    const { k, maxIter, tol } = this.params;
    let m = m0, lb = -Infinity, conv = false, iter = 0;
    for (iter = 1; iter <= maxIter; iter++) {
      const prev = lb;
      const lp = this.weightedLogProb(x, m);
      let total = 0;
      for (let i = 0; i < x.rows; i++) {
        const z = logSumExp(lp, i * k, (i + 1) * k);
        total += z;
        for (let j = 0; j < k; j++) lp[i * k + j] = Math.exp(lp[i * k + j] - z);
      }
      m = this.mStep(x, lp);
      lb = total / x.rows;
      if (Math.abs(lb - prev) < tol) {
        conv = true;
        break;
      }
    }
    return { m, lb, iter: Math.min(iter, maxIter), conv };
  }

  /** Weights, means and covariances from responsibilities resp [rows × k] (+ regCovar on the diagonals). */
  private mStep(x: Matrix, resp: Float64Array, k = this.params.k, reg = this.params.regCovar): Mixture {
    const { rows: n, cols: d, data } = x;
    const full = this.params.covariance === 'full';
    const nk = new Float64Array(k);
    const means = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = resp[i * k + j];
        nk[j] += r;
        for (let t = 0; t < d; t++) means[j * d + t] += r * data[i * d + t];
      }
    }
    // sklearn adds 10·eps to every count so that an empty component divides by a tiny number, not 0.
    for (let j = 0; j < k; j++) nk[j] += EPS10;
    for (let j = 0; j < k; j++) for (let t = 0; t < d; t++) means[j * d + t] /= nk[j];
    const cs = full ? d * d : d;
    const covs = new Float64Array(k * cs);
    const diff = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const r = resp[i * k + j];
        if (r === 0) continue;
        for (let t = 0; t < d; t++) diff[t] = data[i * d + t] - means[j * d + t];
        if (full) {
          for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) covs[j * cs + a * d + b] += r * diff[a] * diff[b];
        } else {
          for (let t = 0; t < d; t++) covs[j * cs + t] += r * diff[t] * diff[t];
        }
      }
    }
    for (let j = 0; j < k; j++) {
      if (full) {
        for (let a = 0; a < d; a++) {
          for (let b = 0; b <= a; b++) {
            const v = covs[j * cs + a * d + b] / nk[j] + (a === b ? reg : 0);
            covs[j * cs + a * d + b] = v;
            covs[j * cs + b * d + a] = v;
          }
        }
      } else {
        for (let t = 0; t < d; t++) covs[j * cs + t] = covs[j * cs + t] / nk[j] + reg;
      }
    }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += nk[j];
    const weights = Float64Array.from(nk, (v) => v / sum);
    return { weights, means, covs };
  }

  /** log(w_j) + log N(x_i | μ_j, Σ_j) as [rows × k]. */
  private weightedLogProb(x: Matrix, m: Mixture): Float64Array {
    const k = m.weights.length, { rows: n, cols: d, data } = x;
    const out = new Float64Array(n * k);
    const z = new Float64Array(d);
    for (let j = 0; j < k; j++) {
      const logw = Math.log(m.weights[j]);
      if (this.params.covariance === 'full') {
        const L = cholesky(m.covs.subarray(j * d * d, (j + 1) * d * d), d, j, this.params.regCovar);
        let logDet = 0;
        for (let a = 0; a < d; a++) logDet += 2 * Math.log(L[a * d + a]);
        for (let i = 0; i < n; i++) {
          // Solve L z = x − μ: ‖z‖² is the Mahalanobis distance.
          let maha = 0;
          for (let a = 0; a < d; a++) {
            let s = data[i * d + a] - m.means[j * d + a];
            for (let b = 0; b < a; b++) s -= L[a * d + b] * z[b];
            z[a] = s / L[a * d + a];
            maha += z[a] * z[a];
          }
          out[i * k + j] = logw - 0.5 * (d * LOG_2PI + logDet + maha);
        }
      } else {
        let logDet = 0;
        for (let t = 0; t < d; t++) logDet += Math.log(m.covs[j * d + t]);
        for (let i = 0; i < n; i++) {
          let maha = 0;
          for (let t = 0; t < d; t++) maha += (data[i * d + t] - m.means[j * d + t]) ** 2 / m.covs[j * d + t];
          out[i * k + j] = logw - 0.5 * (d * LOG_2PI + logDet + maha);
        }
      }
    }
    return out;
  }

  protected getState(): ClusterState {
    return { weights: this.weights, means: this.means, covariances: this.covariances, nFeatures: this.nFeatures, lowerBound: this.lowerBound, nIter: this.nIter, converged: this.converged ? 1 : 0 };
  }
  protected setState(s: ClusterState): void {
    const r = new StateReader('GaussianMixture', s);
    const { k, covariance } = this.params, d = r.count('nFeatures');
    this.nFeatures = d;
    this.weights = r.nums('weights', k);
    this.means = r.nums('means', k * d);
    this.covariances = r.nums('covariances', k * (covariance === 'full' ? d * d : d));
    // Weights enter as log w and diagonal variances as log σ² and 1/σ²: both must be positive.
    if (this.weights.some((w) => !(w > 0)) || (covariance === 'diag' && this.covariances.some((v) => !(v > 0)))) {
      throw new KnobsError(`GaussianMixture: saved weights and diagonal covariances must be positive`);
    }
    this.lowerBound = r.num('lowerBound', true);
    this.nIter = r.count('nIter');
    const converged = r.count('converged');
    if (converged > 1) throw new KnobsError(`GaussianMixture: saved state field 'converged' must be 0 or 1, got ${converged}`);
    this.converged = converged === 1;
  }
}
registerCluster('GaussianMixture', (p) => new GaussianMixture(p as unknown as GaussianMixtureParams));

/** Lower Cholesky factor of a symmetric d×d matrix; a non-positive pivot is a clear error (as sklearn's). */
function cholesky(a: ArrayLike<number>, d: number, comp: number, reg: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let t = 0; t < j; t++) s -= L[i * d + t] * L[j * d + t];
      if (i === j) {
        if (!(s > 0)) throw new KnobsError(`GaussianMixture: covariance of component ${comp} is not positive definite (singleton or collapsed group); increase regCovar (now ${reg}) or reduce k`);
        L[i * d + i] = Math.sqrt(s);
      } else {
        L[i * d + j] = s / L[j * d + j];
      }
    }
  }
  return L;
}
