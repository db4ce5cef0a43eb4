/**
 * k-means: k centres (the knobs: k × features numbers, however much data there is), found by
 * Lloyd's alternation — assign every row to its nearest centre, move every centre to the mean of
 * its rows — from k-means++ seeds, keeping the best of nInit runs (lowest inertia), as
 * scikit-learn's KMeans(algorithm='lloyd') does. Distances, assignments and per-cluster sums run
 * in the Rust core (kernels/distance.rs); inertia is summed in float64.
 */
import { KnobsError } from '../errors.js';
import { checkOptions, StateReader } from './validate.js';
import { Rng } from '../random.js';
import { LloydKernel, type LloydStep } from './lloyd-kernel.js';
import { checkFeatures, toMatrix, type Matrix, type MatrixInput } from './estimator.js';
import {
  ClusterBase, checkKVsRows, checkPosInt, checkPositive, checkSeed, meanVariance, nearestCenters, registerCluster,
  softmaxRows, sqDist64, sqDistRow, takeRows, type ClusterState,
} from './cluster-common.js';

export interface KMeansParams {
  /** Number of groups. */
  k: number;
  /** Independent k-means++ starts; the run with the lowest inertia wins (default 10, sklearn's n_init=10). */
  nInit?: number;
  /** Lloyd iterations per run (default 300). */
  maxIter?: number;
  /**
   * Stop when the total squared centre shift falls to tol × (mean per-feature variance of x), as
   * sklearn scales it (default 1e-4); 0 iterates until the assignment stops changing.
   */
  tol?: number;
  seed?: number;
  /** 'k-means++' (default) or k explicit starting centres (then one run: nInit is ignored). */
  init?: 'k-means++' | readonly (readonly number[])[];
  /**
   * Softness of predictProba: membership ∝ exp(−‖x − c‖² / temperature). Default: 2σ², with σ² the
   * per-feature within-cluster variance of the fit (inertia / (rows · features)), which makes
   * predictProba the posterior of an equal-weight spherical Gaussian mixture around the centres.
   */
  temperature?: number;
}

type Resolved = Required<Omit<KMeansParams, 'temperature'>> & { temperature?: number };

interface RunResult {
  centers: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
}

export class KMeans extends ClusterBase<Resolved> {
  readonly type = 'KMeans';
  /** Fitted centres, row-major [k × features]. */
  centers: Float64Array = new Float64Array(0);
  /** Cluster of each training row. */
  labels: Int32Array = new Int32Array(0);
  /** Sum of squared distances of the training rows to their centres. */
  inertia = NaN;
  nIter = 0;
  nFeatures = 0;
  /** The temperature predictProba uses (resolved at fit time when not given). */
  temperature = NaN;

  constructor(params: KMeansParams) {
    const op = 'KMeans';
    params = checkOptions(op, params, ['k', 'nInit', 'maxIter', 'tol', 'seed', 'init', 'temperature']);
    const p: Resolved = {
      k: checkPosInt(op, 'k', params.k),
      nInit: checkPosInt(op, 'nInit', params.nInit ?? 10),
      maxIter: checkPosInt(op, 'maxIter', params.maxIter ?? 300),
      tol: checkPositive(op, 'tol', params.tol ?? 1e-4, true),
      seed: checkSeed(op, params.seed ?? 0),
      init: params.init ?? 'k-means++',
    };
    if (params.temperature !== undefined) p.temperature = checkPositive(op, 'temperature', params.temperature);
    if (p.init !== 'k-means++') {
      if (!Array.isArray(p.init) || p.init.length !== p.k) {
        throw new KnobsError(`${op}: init must be 'k-means++' or k = ${p.k} rows of starting centres, got ${Array.isArray(p.init) ? `${p.init.length} rows` : JSON.stringify(p.init)}`);
      }
    }
    super(p);
  }

  get nParameters(): number {
    return this.params.k * this.nFeatures;
  }

  fit(xIn: MatrixInput): this {
    const op = 'KMeans.fit';
    const x = toMatrix(op, xIn);
    const { k, nInit, maxIter, init } = this.params;
    checkKVsRows(op, k, x.rows);
    const tol = this.params.tol * meanVariance(x);
    let best: RunResult | null = null;
    if (init !== 'k-means++') {
      const c = toMatrix(op, init as number[][], 'init');
      checkFeatures(op + ' (init centres)', x, c.cols);
      best = lloyd(x, c.data, maxIter, tol);
    } else {
      const rng = new Rng(this.params.seed);
      for (let r = 0; r < nInit; r++) {
        const run = lloyd(x, kmeansPlusPlus(x, k, rng), maxIter, tol);
        // Strictly lower wins, so the earliest of equal runs is kept (as sklearn does).
        if (!best || run.inertia < best.inertia) best = run;
      }
    }
    const b = best!;
    this.centers = b.centers;
    this.labels = b.labels;
    this.inertia = b.inertia;
    this.nIter = b.nIter;
    this.nFeatures = x.cols;
    this.temperature = this.params.temperature ?? (b.inertia > 0 ? (2 * b.inertia) / (x.rows * x.cols) : 0);
    this.fitted = true;
    return this;
  }

  /** Index of the nearest centre for every row. */
  predict(xIn: MatrixInput): Int32Array {
    const x = this.input('predict', xIn);
    return nearestCenters(x, this.centerMatrix()).labels;
  }

  /** Squared distance of every row to every centre, [rows × k] row-major. */
  transform(xIn: MatrixInput): Float64Array {
    return sqDist64(this.input('transform', xIn), this.centerMatrix());
  }

  /**
   * Soft memberships [rows × k]: softmax over groups of −‖x − c‖² / temperature. A temperature of
   * 0 (every training row sat exactly on its centre) gives hard one-hot memberships.
   */
  predictProba(xIn: MatrixInput): Float64Array {
    const x = this.input('predictProba', xIn);
    const k = this.params.k;
    const d2 = sqDist64(x, this.centerMatrix());
    const t = this.temperature;
    if (!(t > 0)) {
      const out = new Float64Array(d2.length);
      for (let i = 0; i < x.rows; i++) {
        let b = 0;
        for (let j = 1; j < k; j++) if (d2[i * k + j] < d2[i * k + b]) b = j;
        out[i * k + b] = 1;
      }
      return out;
    }
    for (let i = 0; i < d2.length; i++) d2[i] = -d2[i] / t;
    softmaxRows(d2, x.rows, k);
    return d2;
  }

  /** Negative inertia of x under the fitted centres (higher is better, as sklearn's KMeans.score). */
  score(xIn: MatrixInput): number {
    const x = this.input('score', xIn);
    const labels = nearestCenters(x, this.centerMatrix()).labels;
    return -inertiaOf(x, this.centers, labels);
  }

  private centerMatrix(): Matrix {
    return { data: this.centers, rows: this.params.k, cols: this.nFeatures };
  }

  protected getState(): ClusterState {
    return { centers: this.centers, labels: this.labels, inertia: this.inertia, nIter: this.nIter, nFeatures: this.nFeatures, temperature: this.temperature };
  }
  protected setState(s: ClusterState): void {
    const r = new StateReader('KMeans', s), k = this.params.k;
    this.nFeatures = r.count('nFeatures');
    this.centers = r.nums('centers', k * this.nFeatures);
    this.labels = r.ints('labels', undefined, 0, k - 1);
    this.inertia = r.num('inertia', true);
    this.nIter = r.count('nIter');
    this.temperature = r.num('temperature');
    if (this.temperature < 0) throw new KnobsError(`KMeans: saved state field 'temperature' must be non-negative, got ${this.temperature}`);
  }
}
registerCluster('KMeans', (p) => new KMeans(p as unknown as KMeansParams));

/**
 * Greedy k-means++ (as sklearn): each new centre is the best of 2 + ⌊ln k⌋ candidates drawn with
 * probability ∝ squared distance to the nearest centre so far, best meaning the lowest total
 * squared distance afterwards. Spreads the seeds out, which is what makes Lloyd converge well.
 */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Rng): Float64Array {
  const { rows: n, cols: d } = x;
  const trials = 2 + Math.floor(Math.log(k));
  const centers = new Float64Array(k * d);
  const first = rng.int(n);
  centers.set(x.data.subarray(first * d, (first + 1) * d), 0);
  const closest = sqDist64(takeRows(x, [first]), x);
  let pot = closest.reduce((a, b) => a + b, 0);
  const cum = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i];
    const cand: number[] = [];
    for (let t = 0; t < trials; t++) {
      const r = rng.next() * pot;
      // First index whose running sum exceeds r (searchsorted), clipped like sklearn's.
      let lo = 0, hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] > r) hi = mid;
        else lo = mid + 1;
      }
      cand.push(lo);
    }
    const dc = sqDist64(takeRows(x, cand), x);
    let bestT = 0, bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.min(closest[i], dc[t * n + i]);
      if (s < bestPot) {
        bestPot = s;
        bestT = t;
      }
    }
    for (let i = 0; i < n; i++) closest[i] = Math.min(closest[i], dc[bestT * n + i]);
    pot = bestPot;
    const id = cand[bestT];
    centers.set(x.data.subarray(id * d, (id + 1) * d), c * d);
  }
  return centers;
}

function inertiaOf(x: Matrix, centers: Float64Array, labels: Int32Array): number {
  let s = 0;
  for (let i = 0; i < x.rows; i++) s += sqDistRow(x.data, i, centers, labels[i], x.cols);
  return s;
}

/** One Lloyd run from the given centres (copied); assignment and sums run in the Rust core. */
export function lloyd(x: Matrix, start: Float64Array, maxIter: number, tol: number): RunResult {
  const d = x.cols;
  const k = start.length / d;
  const kern = new LloydKernel(x);
  try {
    let centers: Float64Array = Float64Array.from(start);
    let labels: Int32Array = new Int32Array(x.rows);
    let prev: Int32Array | null = null;
    let iter = 0, strict = false;
    while (iter < maxIter) {
      const st = kern.step(centers, k);
      labels = st.labels;
      const next = updateCenters(x, st, k, centers);
      let shift = 0;
      for (let i = 0; i < next.length; i++) shift += (next[i] - centers[i]) ** 2;
      centers = next;
      iter++;
      // Same stopping rules as sklearn: the assignment stopped changing, or the centres barely moved.
      if (prev && labels.every((v, i) => v === prev![i])) {
        strict = true;
        break;
      }
      if (shift <= tol) break;
      prev = labels;
    }
    // After a tol stop the labels belong to the previous centres: assign once more.
    if (!strict) labels = kern.step(centers, k).labels;
    return { centers, labels, inertia: inertiaOf(x, centers, labels), nIter: iter };
  } finally {
    kern.free();
  }
}

/**
 * Centre of each cluster = mean of its rows. An empty cluster is re-seeded on the row farthest from
 * its own centre (and that row leaves its old cluster's mean), as sklearn relocates them: the worst
 * fitted row is where a new group helps inertia most, and the run keeps k groups.
 */
function updateCenters(x: Matrix, st: LloydStep, k: number, old: Float64Array): Float64Array {
  const d = x.cols;
  const { labels, minSq, sums, counts } = st;
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
  if (empty.length) {
    const order = Array.from({ length: x.rows }, (_, i) => i).sort((a, b) => minSq[b] - minSq[a] || a - b);
    empty.forEach((j, e) => {
      const i = order[e];
      const from = labels[i];
      for (let t = 0; t < d; t++) {
        sums[from * d + t] -= x.data[i * d + t];
        sums[j * d + t] = x.data[i * d + t];
      }
      counts[from] -= 1;
      counts[j] = 1;
    });
  }
  const out = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    for (let t = 0; t < d; t++) out[j * d + t] = counts[j] > 0 ? sums[j * d + t] / counts[j] : old[j * d + t];
  }
  return out;
}
