/**
 * The unsupervised classic learners against scikit-learn on the real data sets
 * (test/fixtures/sklearn-reference.json, made by scripts/make-sklearn-fixtures.py). Needs the
 * CSVs from `bash scripts/fetch-data.sh`; without them the suite shows as skipped.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../ts/index.js';
import { defaultSklearnDir, loadSklearnDataset } from '../ts/data/sklearn-node.js';
import { adjustedRandIndex, type MatrixInput } from '../ts/classic/estimator.js';
import { KMeans } from '../ts/classic/kmeans.js';
import { GaussianMixture } from '../ts/classic/gmm.js';
import { DBSCAN } from '../ts/classic/dbscan.js';
import { AgglomerativeClustering } from '../ts/classic/agglomerative.js';
import reference from './fixtures/sklearn-reference.json';

const haveData = existsSync(join(defaultSklearnDir, 'iris.csv')) && existsSync(join(defaultSklearnDir, 'digits.csv.gz'));
if (!haveData) console.warn('classic-sklearn-unsupervised: .data/sklearn is missing — run `bash scripts/fetch-data.sh`; the scikit-learn comparisons are SKIPPED');

beforeAll(() => init());

const ref = reference as unknown as {
  kmeans: Record<'iris' | 'digits', { k: number; best_of_n_init: { n_init: number; inertia: number }; fixed_init: { init_rows: number[]; inertia: number; n_iter: number; labels: number[] } }>;
  gaussian_mixture: Record<'diag' | 'full', {
    best_of_n_init: { total_log_likelihood: number };
    fixed_init: { init_rows: number[]; total_log_likelihood: number; n_iter: number; weights: number[]; labels: number[] };
  }> & { n_components: number };
  dbscan: Record<'iris_petal_raw' | 'iris_standardized', { eps: number; min_samples: number; n_clusters: number; n_noise: number; core_sample_indices: number[]; labels: number[]; standardize?: { mean: number[]; std: number[] } }>;
  agglomerative: Record<'single' | 'complete' | 'average' | 'ward', {
    n_clusters_3: { labels: number[] };
    distance_threshold: { threshold: number; n_clusters: number; labels: number[] };
    top_merge_heights: number[];
  }>;
};

function load(name: 'iris' | 'digits'): { x: MatrixInput; rows: (idx: number[]) => number[][]; n: number; d: number; raw: Float32Array } {
  const s = loadSklearnDataset(name);
  const d = s.nFeatures;
  return {
    x: { data: s.x, shape: [s.nSamples, d] },
    rows: (idx) => idx.map((i) => Array.from(s.x.subarray(i * d, (i + 1) * d))),
    n: s.nSamples,
    d,
    raw: s.x,
  };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe.skipIf(!haveData)('unsupervised classic learners vs scikit-learn (real data)', () => {
  for (const name of ['iris', 'digits'] as const) {
    it(`KMeans on ${name}: best of n_init inertia within 1% of sklearn's`, () => {
      const r = ref.kmeans[name];
      const km = new KMeans({ k: r.k, nInit: r.best_of_n_init.n_init, seed: 0 }).fit(load(name).x);
      console.log(`KMeans ${name}: ours ${km.inertia.toFixed(4)} vs sklearn ${r.best_of_n_init.inertia.toFixed(4)} (rel ${rel(km.inertia, r.best_of_n_init.inertia).toExponential(2)})`);
      expect(rel(km.inertia, r.best_of_n_init.inertia)).toBeLessThan(0.01);
    });

    it(`KMeans on ${name}: from sklearn's fixed starting rows, the same labels, inertia and iteration count`, () => {
      const r = ref.kmeans[name];
      const data = load(name);
      const km = new KMeans({ k: r.k, init: data.rows(r.fixed_init.init_rows), tol: 0, maxIter: 300 }).fit(data.x);
      expect(adjustedRandIndex(km.labels, r.fixed_init.labels)).toBe(1);
      expect(rel(km.inertia, r.fixed_init.inertia)).toBeLessThan(1e-6);
      expect(km.nIter).toBe(r.fixed_init.n_iter);
    });
  }

  for (const covariance of ['diag', 'full'] as const) {
    it(`GaussianMixture (${covariance}) on iris: best-of-10 log-likelihood within 1% of sklearn's`, () => {
      const r = ref.gaussian_mixture[covariance];
      const x = load('iris').x;
      const gm = new GaussianMixture({ k: ref.gaussian_mixture.n_components, covariance, nInit: 10, seed: 0 }).fit(x);
      const ll = gm.logLikelihood(x);
      console.log(`GMM ${covariance} iris best of 10: ours ${ll.toFixed(4)} vs sklearn ${r.best_of_n_init.total_log_likelihood.toFixed(4)}`);
      expect(rel(ll, r.best_of_n_init.total_log_likelihood)).toBeLessThan(0.01);
    });

    it(`GaussianMixture (${covariance}) on iris: from sklearn's fixed start, the same optimum, labels and iterations`, () => {
      const r = ref.gaussian_mixture[covariance];
      const data = load('iris');
      const gm = new GaussianMixture({ k: 3, covariance, tol: 1e-10, maxIter: 1000, init: { means: data.rows(r.fixed_init.init_rows) } }).fit(data.x);
      const ll = gm.logLikelihood(data.x);
      console.log(`GMM ${covariance} iris fixed start: ours ${ll.toFixed(6)} vs sklearn ${r.fixed_init.total_log_likelihood.toFixed(6)}, ${gm.nIter} vs ${r.fixed_init.n_iter} iterations`);
      expect(rel(ll, r.fixed_init.total_log_likelihood)).toBeLessThan(1e-6);
      expect(adjustedRandIndex(gm.predict(data.x), r.fixed_init.labels)).toBe(1);
      r.fixed_init.weights.forEach((w, j) => expect(gm.weights[j]).toBeCloseTo(w, 6));
      expect(Math.abs(gm.nIter - r.fixed_init.n_iter)).toBeLessThanOrEqual(1);
    });
  }

  for (const key of ['iris_petal_raw', 'iris_standardized'] as const) {
    it(`DBSCAN on ${key}: labels identical up to renaming, same core points`, () => {
      const r = ref.dbscan[key];
      const { raw, n } = load('iris');
      let x: MatrixInput;
      if (key === 'iris_petal_raw') {
        x = { data: Float64Array.from({ length: 2 * n }, (_, i) => raw[Math.floor(i / 2) * 4 + 2 + (i % 2)]), shape: [n, 2] };
      } else {
        const { mean, std } = r.standardize!;
        x = { data: Float64Array.from({ length: 4 * n }, (_, i) => (raw[i] - mean[i % 4]) / std[i % 4]), shape: [n, 4] };
      }
      const db = new DBSCAN({ eps: r.eps, minSamples: r.min_samples }).fit(x);
      expect(adjustedRandIndex(db.labels, r.labels)).toBe(1);
      expect(Array.from(db.coreSampleIndices)).toEqual(r.core_sample_indices);
      expect(db.nClusters).toBe(r.n_clusters);
      expect(Array.from(db.labels).filter((v) => v === -1).length).toBe(r.n_noise);
    });
  }

  for (const linkage of ['single', 'complete', 'average', 'ward'] as const) {
    it(`AgglomerativeClustering (${linkage}) on iris: labels identical up to renaming, same top merge heights`, () => {
      const r = ref.agglomerative[linkage];
      const x = load('iris').x;
      const three = new AgglomerativeClustering({ linkage, nClusters: 3 }).fit(x);
      expect(adjustedRandIndex(three.labels, r.n_clusters_3.labels)).toBe(1);
      const cut = new AgglomerativeClustering({ linkage, distanceThreshold: r.distance_threshold.threshold }).fit(x);
      expect(cut.nClustersFound).toBe(r.distance_threshold.n_clusters);
      expect(adjustedRandIndex(cut.labels, r.distance_threshold.labels)).toBe(1);
      const top = Array.from(three.distances).slice(-r.top_merge_heights.length);
      r.top_merge_heights.forEach((h, i) => expect(Math.abs(top[i] - h)).toBeLessThan(1e-5 * (1 + h)));
    });
  }
});
