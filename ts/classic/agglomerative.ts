/**
 * Agglomerative (hierarchical) clustering: start with every row its own group and repeatedly merge
 * the two closest groups; cut the resulting tree at a number of groups or at a merge height.
 * Group distance ("linkage") as scikit-learn/scipy define it: single = closest pair, complete =
 * farthest pair, average = mean over all cross pairs, ward = sqrt(2 × the increase in within-group
 * sum of squares), so distanceThreshold means the same as in sklearn.
 *
 * The merge runs on a full n × n distance matrix with Lance–Williams updates in the order of the
 * nearest-neighbour chain (O(n²) time and memory; fine for the n ≤ a few thousand this is for),
 * which yields the same tree as always merging the globally closest pair for these four linkages.
 */
import { KnobsError } from '../errors.js';
import { checkMatrix, checkOptions, StateReader } from './validate.js';
import { toMatrix, type Matrix, type MatrixInput } from './estimator.js';
import { ClusterBase, checkPosInt, checkPositive, nearestCenters, registerCluster, type ClusterState } from './cluster-common.js';

export type Linkage = 'single' | 'complete' | 'average' | 'ward';
const LINKAGES: readonly Linkage[] = ['single', 'complete', 'average', 'ward'];

export interface AgglomerativeParams {
  linkage?: Linkage;
  /** Cut the tree into this many groups (default 2 when distanceThreshold is not given). */
  nClusters?: number;
  /** Or: do not make merges with height >= distanceThreshold (the group count follows from the data). */
  distanceThreshold?: number;
}

interface Resolved {
  linkage: Linkage;
  nClusters: number | null;
  distanceThreshold: number | null;
}

export interface Dendrogram {
  /** sklearn's children_: merge s joins nodes children[2s] and children[2s+1] into node n + s (ids < n are rows). */
  children: Int32Array;
  /** Height of each merge, ascending. */
  heights: Float64Array;
}

/**
 * Exact float64 pairwise Euclidean distances. Unlike k-means this does not take the kernel's
 * float32 values: on grid-like data many distances tie, and which tie merges first decides the
 * low levels of the complete/average trees, so rounding must not reorder near-equal distances.
 */
function exactDistances(x: Matrix): Float64Array {
  const { rows: n, cols: d, data } = x;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = data[i * d + t] - data[j * d + t];
        s += v * v;
      }
      D[i * n + j] = D[j * n + i] = Math.sqrt(s);
    }
  }
  return D;
}

/** The full merge tree of x under a linkage. */
export function linkageTree(x: Matrix, linkage: Linkage): Dendrogram {
  checkMatrix('linkageTree', 'x', x);
  if (!LINKAGES.includes(linkage)) throw new KnobsError(`linkageTree: linkage must be ${LINKAGES.map((l) => `'${l}'`).join(', ')}, got ${JSON.stringify(linkage)}`);
  // A NaN distance never wins a comparison, and the nearest-neighbour chain would then follow index −1.
  for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i])) throw new KnobsError(`linkageTree: x contains ${x.data[i]} at index ${i}`);
  const n = x.rows;
  const D = exactDistances(x);
  const ward = linkage === 'ward';
  // Ward's Lance–Williams update is exact on squared distances.
  if (ward) for (let i = 0; i < D.length; i++) D[i] *= D[i];
  const active = new Uint8Array(n).fill(1);
  const size = new Float64Array(n).fill(1);
  const mA = new Int32Array(Math.max(0, n - 1)), mB = new Int32Array(Math.max(0, n - 1)), mH = new Float64Array(Math.max(0, n - 1));
  const chain: number[] = [];
  let first = 0;
  for (let s = 0; s < n - 1; s++) {
    if (chain.length === 0) {
      while (!active[first]) first++;
      chain.push(first);
    }
    let a: number, b: number, dab: number;
    for (;;) {
      a = chain[chain.length - 1];
      // Ties go to the previous chain element: that is what guarantees the chain ends in a reciprocal pair.
      b = chain.length > 1 ? chain[chain.length - 2] : -1;
      dab = b >= 0 ? D[a * n + b] : Infinity;
      for (let i = 0; i < n; i++) {
        if (i !== a && active[i] && D[a * n + i] < dab) {
          dab = D[a * n + i];
          b = i;
        }
      }
      if (chain.length > 1 && b === chain[chain.length - 2]) break;
      chain.push(b);
    }
    chain.length -= 2;
    if (a > b) [a, b] = [b, a];
    mA[s] = a;
    mB[s] = b;
    mH[s] = ward ? Math.sqrt(dab) : dab;
    // The merged group lives on in slot b.
    const sa = size[a], sb = size[b];
    for (let i = 0; i < n; i++) {
      if (!active[i] || i === a || i === b) continue;
      const da = D[a * n + i], db = D[b * n + i];
      let v: number;
      if (linkage === 'single') v = Math.min(da, db);
      else if (linkage === 'complete') v = Math.max(da, db);
      else if (linkage === 'average') v = (sa * da + sb * db) / (sa + sb);
      else {
        const si = size[i];
        v = ((sa + si) * da + (sb + si) * db - si * dab) / (sa + sb + si);
      }
      D[b * n + i] = D[i * n + b] = v;
    }
    active[a] = 0;
    size[b] = sa + sb;
  }
  // Merges in height order (stable: equal heights keep the order they were made, children first).
  const order = Array.from({ length: n - 1 }, (_, i) => i).sort((p, q) => mH[p] - mH[q] || p - q);
  const uf = new UnionFind(n);
  const node = Int32Array.from({ length: n }, (_, i) => i);
  const children = new Int32Array(2 * (n - 1)), heights = new Float64Array(n - 1);
  order.forEach((m, s) => {
    const ra = uf.find(mA[m]), rb = uf.find(mB[m]);
    children[2 * s] = node[ra];
    children[2 * s + 1] = node[rb];
    heights[s] = mH[m];
    node[uf.union(ra, rb)] = n + s;
  });
  return { children, heights };
}

/** Groups after the first `merges` merges of the tree, numbered by first appearance in row order. */
export function cutTree(tree: Dendrogram, n: number, merges: number): Int32Array {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(merges) || merges < 0 || merges > n - 1) {
    throw new KnobsError(`cutTree: need an integer n >= 1 and 0 <= merges <= n - 1, got n = ${n}, merges = ${merges}`);
  }
  const ch = tree?.children;
  if (!(ch instanceof Int32Array) || ch.length < 2 * merges) throw new KnobsError(`cutTree: tree.children must be an Int32Array of at least ${2 * merges} node ids`);
  for (let s = 0; s < 2 * merges; s++) {
    if (ch[s] < 0 || ch[s] >= n + (s >> 1)) throw new KnobsError(`cutTree: tree.children[${s}] = ${ch[s]} is not a node made before merge ${s >> 1}`);
  }
  const uf = new UnionFind(2 * n - 1);
  for (let s = 0; s < merges; s++) {
    uf.union(tree.children[2 * s], n + s);
    uf.union(tree.children[2 * s + 1], n + s);
  }
  const ids = new Map<number, number>();
  return Int32Array.from({ length: n }, (_, i) => {
    const r = uf.find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    return ids.get(r)!;
  });
}

class UnionFind {
  private parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number): number {
    const ra = this.find(a), rb = this.find(b);
    this.parent[ra] = rb;
    return rb;
  }
}

export class AgglomerativeClustering extends ClusterBase<Resolved> {
  readonly type = 'AgglomerativeClustering';
  labels: Int32Array = new Int32Array(0);
  children: Int32Array = new Int32Array(0);
  /** Merge heights, ascending (sklearn's distances_). */
  distances: Float64Array = new Float64Array(0);
  /** Training rows, kept for predict. */
  data: Float64Array = new Float64Array(0);
  nFeatures = 0;
  nClustersFound = 0;

  constructor(params: AgglomerativeParams = {}) {
    const op = 'AgglomerativeClustering';
    params = checkOptions(op, params, ['linkage', 'nClusters', 'distanceThreshold']);
    const linkage = params.linkage ?? 'ward';
    if (!LINKAGES.includes(linkage)) throw new KnobsError(`${op}: linkage must be 'single', 'complete', 'average' or 'ward', got ${JSON.stringify(linkage)}`);
    if (params.nClusters !== undefined && params.distanceThreshold !== undefined) throw new KnobsError(`${op}: give nClusters or distanceThreshold, not both`);
    super({
      linkage,
      nClusters: params.distanceThreshold !== undefined ? null : checkPosInt(op, 'nClusters', params.nClusters ?? 2),
      distanceThreshold: params.distanceThreshold !== undefined ? checkPositive(op, 'distanceThreshold', params.distanceThreshold, true) : null,
    });
  }

  /** Non-parametric: the model is the training rows and their groups (grows with the data). */
  get nParameters(): number {
    return this.labels.length * (this.nFeatures + 1);
  }

  fit(xIn: MatrixInput): this {
    const op = 'AgglomerativeClustering.fit';
    const x = toMatrix(op, xIn);
    const n = x.rows;
    if (n === 0) throw new KnobsError(`${op}: cannot fit on 0 samples`);
    const { nClusters, distanceThreshold } = this.params;
    if (nClusters !== null && nClusters > n) throw new KnobsError(`${op}: nClusters = ${nClusters} is larger than the data (${n} rows)`);
    const tree = linkageTree(x, this.params.linkage);
    let k: number;
    if (distanceThreshold !== null) {
      k = 1;
      for (const h of tree.heights) if (h >= distanceThreshold) k++;
    } else {
      k = nClusters!;
    }
    this.labels = cutTree(tree, n, n - k);
    this.children = tree.children;
    this.distances = tree.heights;
    this.data = x.data;
    this.nFeatures = x.cols;
    this.nClustersFound = k;
    this.fitted = true;
    return this;
  }

  fitPredict(x: MatrixInput): Int32Array {
    return this.fit(x).labels;
  }

  /**
   * New rows take the group of their nearest training row. (sklearn has no predict for this model;
   * for the training rows themselves it returns the fitted labels.)
   */
  predict(xIn: MatrixInput): Int32Array {
    const x = this.input('predict', xIn);
    const { labels: nearest } = nearestCenters(x, { data: this.data, rows: this.labels.length, cols: this.nFeatures });
    return nearest.map((j) => this.labels[j]);
  }

  protected getState(): ClusterState {
    return { labels: this.labels, children: this.children, distances: this.distances, data: this.data, nFeatures: this.nFeatures, nClustersFound: this.nClustersFound };
  }
  protected setState(s: ClusterState): void {
    const r = new StateReader('AgglomerativeClustering', s);
    this.labels = r.ints('labels', undefined, 0, 2 ** 31 - 1);
    const n = this.labels.length;
    this.nFeatures = r.count('nFeatures');
    // predict treats data as labels.length training rows of nFeatures values.
    this.data = r.nums('data', n * this.nFeatures);
    this.children = r.ints('children', undefined, 0, Math.max(0, 2 * n - 2));
    this.distances = r.nums('distances');
    this.nClustersFound = r.count('nClustersFound');
  }
}
registerCluster('AgglomerativeClustering', (p) => {
  const q = p as { linkage?: Linkage; nClusters: number | null; distanceThreshold: number | null };
  return new AgglomerativeClustering({ linkage: q.linkage, ...(q.distanceThreshold !== null ? { distanceThreshold: q.distanceThreshold } : { nClusters: q.nClusters ?? 2 }) });
});
