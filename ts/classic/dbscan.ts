/**
 * DBSCAN: groups are regions dense enough — a row with at least minSamples rows (itself included)
 * within eps is a core row; core rows within eps of each other share a group, rows within eps of a
 * core row join its group as border rows, and the rest are noise (label −1). The number of groups
 * comes from the data. Same rules and visiting order as scikit-learn's DBSCAN, so a border row in
 * reach of two groups joins the first one grown (lowest core row index first, depth-first).
 */
import { KnobsError } from '../errors.js';
import { checkOptions, StateReader } from './validate.js';
import { toMatrix, type Matrix, type MatrixInput } from './estimator.js';
import { ClusterBase, checkPosInt, checkPositive, registerCluster, sqDist64, sqDistRow, takeRows, type ClusterState } from './cluster-common.js';

export interface DBSCANParams {
  /** Neighbourhood radius (Euclidean, inclusive: distance <= eps counts). */
  eps?: number;
  /** Rows within eps, the row itself included, needed to be a core row (default 5, as sklearn). */
  minSamples?: number;
}

/**
 * Neighbour lists (ascending index) of every row of a within eps of each row of b, from the kernel's
 * float32 distances; pairs whose kernel value lies near eps² are re-decided on exact float64
 * differences, so rounding in the GEMM path never moves a point across the eps boundary.
 */
export function radiusNeighbors(a: Matrix, b: Matrix, eps: number): Int32Array[] {
  const d2 = sqDist64(a, b);
  const e2 = eps * eps, m = b.rows, d = a.cols;
  const norm = (x: Matrix, i: number) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += x.data[i * d + t] ** 2;
    return s;
  };
  const nb = Float64Array.from({ length: m }, (_, j) => norm(b, j));
  const out: Int32Array[] = [];
  for (let i = 0; i < a.rows; i++) {
    const na = norm(a, i);
    const list: number[] = [];
    for (let j = 0; j < m; j++) {
      const v = d2[i * m + j];
      // float32 GEMM error is ~1e-6 of the norms; 1e-5 leaves a wide margin.
      const slack = 1e-5 * (na + nb[j] + e2);
      const inside = Math.abs(v - e2) <= slack ? sqDistRow(a.data, i, b.data, j, d) <= e2 : v <= e2;
      if (inside) list.push(j);
    }
    out.push(Int32Array.from(list));
  }
  return out;
}

export class DBSCAN extends ClusterBase<Required<DBSCANParams>> {
  readonly type = 'DBSCAN';
  /** Group of each training row; −1 is noise. */
  labels: Int32Array = new Int32Array(0);
  /** Indices of the core rows (ascending). */
  coreSampleIndices: Int32Array = new Int32Array(0);
  /** The core rows themselves, row-major: what predict compares new rows with. */
  components: Float64Array = new Float64Array(0);
  nFeatures = 0;

  constructor(params: DBSCANParams = {}) {
    params = checkOptions('DBSCAN', params, ['eps', 'minSamples']);
    super({ eps: checkPositive('DBSCAN', 'eps', params.eps ?? 0.5), minSamples: checkPosInt('DBSCAN', 'minSamples', params.minSamples ?? 5) });
  }

  /** Non-parametric: every core row is kept (rows × features numbers), so this grows with the data. */
  get nParameters(): number {
    return this.coreSampleIndices.length * this.nFeatures;
  }

  get nClusters(): number {
    let m = -1;
    for (const v of this.labels) if (v > m) m = v;
    return m + 1;
  }

  fit(xIn: MatrixInput): this {
    const op = 'DBSCAN.fit';
    const x = toMatrix(op, xIn);
    if (x.rows === 0) throw new KnobsError(`${op}: cannot fit on 0 samples`);
    const n = x.rows;
    const nbrs = radiusNeighbors(x, x, this.params.eps);
    const core = nbrs.map((l) => l.length >= this.params.minSamples);
    const labels = new Int32Array(n).fill(-1);
    let label = 0;
    // sklearn's dbscan_inner: grow each unlabelled core row's group depth-first with a stack.
    for (let start = 0; start < n; start++) {
      if (labels[start] !== -1 || !core[start]) continue;
      const stack: number[] = [];
      let i = start;
      for (;;) {
        if (labels[i] === -1) {
          labels[i] = label;
          if (core[i]) for (const v of nbrs[i]) if (labels[v] === -1) stack.push(v);
        }
        if (stack.length === 0) break;
        i = stack.pop()!;
      }
      label++;
    }
    const coreIdx: number[] = [];
    core.forEach((c, i) => c && coreIdx.push(i));
    this.labels = labels;
    this.coreSampleIndices = Int32Array.from(coreIdx);
    this.components = takeRows(x, coreIdx).data;
    this.nFeatures = x.cols;
    this.fitted = true;
    return this;
  }

  /** fit(x), then the training labels. */
  fitPredict(x: MatrixInput): Int32Array {
    return this.fit(x).labels;
  }

  /**
   * New rows join the group of their nearest core row when it lies within eps (how a border row
   * joins at fit time), otherwise they are noise (−1). sklearn's DBSCAN has no predict; this is
   * the natural extension and gives the training labels back for core rows.
   */
  predict(xIn: MatrixInput): Int32Array {
    const x = this.input('predict', xIn);
    const out = new Int32Array(x.rows).fill(-1);
    const nc = this.coreSampleIndices.length;
    if (nc === 0) return out;
    const comps = { data: this.components, rows: nc, cols: this.nFeatures };
    const nbrs = radiusNeighbors(x, comps, this.params.eps);
    for (let i = 0; i < x.rows; i++) {
      let best = -1, bestD = Infinity;
      for (const j of nbrs[i]) {
        const dd = sqDistRow(x.data, i, this.components, j, this.nFeatures);
        if (dd < bestD) {
          bestD = dd;
          best = j;
        }
      }
      if (best >= 0) out[i] = this.labels[this.coreSampleIndices[best]];
    }
    return out;
  }

  protected getState(): ClusterState {
    return { labels: this.labels, coreSampleIndices: this.coreSampleIndices, components: this.components, nFeatures: this.nFeatures };
  }
  protected setState(s: ClusterState): void {
    const r = new StateReader('DBSCAN', s);
    this.labels = r.ints('labels', undefined, -1, 2 ** 31 - 1);
    const n = this.labels.length;
    this.nFeatures = r.count('nFeatures');
    // predict reads labels[coreSampleIndices[j]] and row j of components for every core row.
    this.coreSampleIndices = r.ints('coreSampleIndices', undefined, 0, n - 1);
    this.components = r.nums('components', this.coreSampleIndices.length * this.nFeatures);
  }
}
registerCluster('DBSCAN', (p) => new DBSCAN(p as DBSCANParams));
