import { beforeAll, describe, expect, it } from 'vitest';
import { init, memoryStats } from '../ts/index.js';
import * as classic from '../ts/classic/index.js';
import { Rng } from '../ts/random.js';
import { adjustedRandIndex, loadEstimator } from '../ts/classic/estimator.js';
import { KMeans } from '../ts/classic/kmeans.js';
import { GaussianMixture } from '../ts/classic/gmm.js';
import { CompetitiveLearning } from '../ts/classic/competitive.js';
import { DBSCAN } from '../ts/classic/dbscan.js';
import { AgglomerativeClustering, type Linkage } from '../ts/classic/agglomerative.js';
import { WordClusters, tokenize } from '../ts/classic/words.js';

beforeAll(() => init());

// The book's table: home/away and fans (thousands). Three groups: big home crowds, 50k away, ~10k away.
const BOOK = [[1, 100], [0, 50], [1, 100], [1, 99], [0, 50], [0, 10], [0, 11]];
const BOOK_GROUPS = [0, 1, 0, 0, 1, 2, 2];

function rowSums(p: Float64Array, k: number): number[] {
  return Array.from({ length: p.length / k }, (_, i) => p.subarray(i * k, (i + 1) * k).reduce((a, b) => a + b, 0));
}
function argmax(p: Float64Array, k: number): number[] {
  return Array.from({ length: p.length / k }, (_, i) => {
    const r = Array.from(p.subarray(i * k, (i + 1) * k));
    return r.indexOf(Math.max(...r));
  });
}
function randomPoints(n: number, d: number, seed: number): number[][] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => r.next() * 10));
}

describe('KMeans', () => {
  it('splits the book table into its 3 groups with memberships that sum to 1', () => {
    const km = new KMeans({ k: 3, seed: 0 }).fit(BOOK);
    expect(adjustedRandIndex(km.labels, BOOK_GROUPS)).toBe(1);
    expect(Array.from(km.predict(BOOK))).toEqual(Array.from(km.labels));
    const p = km.predictProba(BOOK);
    for (const s of rowSums(p, 3)) expect(s).toBeCloseTo(1, 12);
    expect(argmax(p, 3)).toEqual(Array.from(km.labels));
    // inertia = Σ squared distance to the group means: 99,100,100 → 2/3; 50,50 → 0; 10,11 → 1/2.
    expect(km.inertia).toBeCloseTo(2 / 3 + 1 / 2, 9);
    expect(km.nParameters).toBe(6);
  });

  it('soft memberships follow softmax(−d²/T) and split a point halfway between two centres evenly', () => {
    const km = new KMeans({ k: 2, seed: 0, temperature: 10 }).fit([[0], [0], [10], [10]]);
    const p = km.predictProba([[5], [4]]);
    expect(p[0]).toBeCloseTo(0.5, 12);
    const near0 = km.centers[0] === 0 ? 0 : 1;
    // d² = 16 and 36: the nearer centre gets 1 / (1 + e^{-(36-16)/10}).
    expect(p[2 + near0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
  });

  it('has a fixed knob count: more data does not add parameters', () => {
    const a = new KMeans({ k: 3, seed: 0 }).fit(BOOK);
    const b = new KMeans({ k: 3, seed: 0 }).fit([...BOOK, ...BOOK, [0, 12], [1, 98]]);
    expect(b.nParameters).toBe(a.nParameters);
  });

  it('is deterministic for a seed and k-means++ finds the optimum on separated blobs', () => {
    const r = new Rng(3);
    const x: number[][] = [];
    for (const [cx, cy] of [[0, 0], [20, 0], [0, 20], [20, 20]]) for (let i = 0; i < 25; i++) x.push([cx + r.next(), cy + r.next()]);
    const a = new KMeans({ k: 4, seed: 7, nInit: 1 }).fit(x);
    const b = new KMeans({ k: 4, seed: 7, nInit: 1 }).fit(x);
    expect(Array.from(a.centers)).toEqual(Array.from(b.centers));
    const truth = x.map((_, i) => Math.floor(i / 25));
    expect(adjustedRandIndex(a.labels, truth)).toBe(1);
  });

  it('copes with fewer distinct points than k: no NaN, zero inertia, hard memberships', () => {
    const km = new KMeans({ k: 3, seed: 0 }).fit([[1, 1], [1, 1], [1, 1], [1, 1]]);
    expect(km.inertia).toBe(0);
    expect(Array.from(km.centers).every(Number.isFinite)).toBe(true);
    const p = km.predictProba([[1, 1]]);
    expect(p.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('frees its wasm blocks after fit and predict, also when fit throws', () => {
    const before = memoryStats();
    const x = randomPoints(300, 5, 4);
    const km = new KMeans({ k: 4, seed: 0 }).fit(x);
    km.predictProba(x);
    new DBSCAN({ eps: 2, minSamples: 4 }).fit(x);
    expect(() => new KMeans({ k: 2, init: [[0, 0, 0], [1, 1, 1]] }).fit(x)).toThrow(/features/);
    const after = memoryStats();
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.liveBytes).toBe(before.liveBytes);
  });

  it('re-seeds an empty cluster on the point farthest from its centre', () => {
    const x = [[0, 0], [0, 1], [10, 0], [10, 1], [20, 0]];
    // The third start is far from everything, so it owns no row after the first assignment.
    const km = new KMeans({ k: 3, init: [[0, 0.5], [10, 0.5], [1000, 1000]] }).fit(x);
    expect(new Set(km.labels).size).toBe(3);
    expect(Array.from(km.centers.subarray(4, 6))).toEqual([20, 0]);
    expect(km.inertia).toBeCloseTo(1, 12);
  });
});

describe('GaussianMixture', () => {
  for (const covariance of ['diag', 'full'] as const) {
    it(`(${covariance}) finds the book table's groups; responsibilities sum to 1`, () => {
      const gm = new GaussianMixture({ k: 3, covariance, seed: 0, nInit: 3, regCovar: 1e-3 }).fit(BOOK);
      expect(adjustedRandIndex(gm.predict(BOOK), BOOK_GROUPS)).toBe(1);
      const p = gm.predictProba(BOOK);
      for (const s of rowSums(p, 3)) expect(s).toBeCloseTo(1, 12);
      expect(gm.nParameters).toBe(covariance === 'full' ? 2 + 6 + 9 : 2 + 6 + 6);
    });
  }

  it('logLikelihood is the sum of log Σ_j w_j N(x | μ_j, Σ_j), computed here by hand', () => {
    const x = randomPoints(40, 2, 5);
    for (const covariance of ['diag', 'full'] as const) {
      const gm = new GaussianMixture({ k: 2, covariance, seed: 1 }).fit(x);
      let total = 0;
      for (const [a, b] of x) {
        let p = 0;
        for (let j = 0; j < 2; j++) {
          const m0 = gm.means[2 * j], m1 = gm.means[2 * j + 1];
          let s00: number, s01: number, s11: number;
          if (covariance === 'full') [s00, s01, s11] = [gm.covariances[4 * j], gm.covariances[4 * j + 1], gm.covariances[4 * j + 3]];
          else [s00, s01, s11] = [gm.covariances[2 * j], 0, gm.covariances[2 * j + 1]];
          const det = s00 * s11 - s01 * s01;
          const u = a - m0, v = b - m1;
          const q = (s11 * u * u - 2 * s01 * u * v + s00 * v * v) / det;
          p += (gm.weights[j] * Math.exp(-q / 2)) / (2 * Math.PI * Math.sqrt(det));
        }
        total += Math.log(p);
      }
      expect(gm.logLikelihood(x)).toBeCloseTo(total, 9);
      expect(gm.score(x)).toBeCloseTo(total / x.length, 10);
    }
  });

  it('full covariance fits correlated data better than diagonal', () => {
    const r = new Rng(2);
    const x = Array.from({ length: 200 }, () => {
      const t = r.next() * 10;
      return [t, 2 * t + r.next() * 0.1];
    });
    const full = new GaussianMixture({ k: 1, covariance: 'full' }).fit(x);
    const diag = new GaussianMixture({ k: 1, covariance: 'diag' }).fit(x);
    expect(full.logLikelihood(x)).toBeGreaterThan(diag.logLikelihood(x) + 100);
  });
});

describe('CompetitiveLearning', () => {
  it('turns its prototypes by gradient descent: loss falls, book groups found', () => {
    const cl = new CompetitiveLearning({ k: 3, seed: 0 }).fit(BOOK);
    expect(adjustedRandIndex(cl.predict(BOOK), BOOK_GROUPS)).toBe(1);
    const h = cl.lossHistory;
    for (let i = 1; i < h.length; i++) expect(h[i]).toBeLessThanOrEqual(h[i - 1] + 1e-12);
    for (const s of rowSums(cl.predictProba(BOOK), 3)) expect(s).toBeCloseTo(1, 12);
    expect(cl.nParameters).toBe(6);
  });

  it('gradient matches finite differences of the loss', () => {
    const x = randomPoints(30, 3, 9);
    const cl = new CompetitiveLearning({ k: 4, seed: 1, epochs: 2, temperature: 5 }).fit(x);
    // Move the prototypes off the fitted point so the gradient is not ~0.
    const r = new Rng(4);
    for (let i = 0; i < cl.prototypes.length; i++) cl.prototypes[i] += r.next() * 2 - 1;
    const g = cl.gradient(x);
    const h = 1e-5;
    for (let i = 0; i < cl.prototypes.length; i++) {
      const v = cl.prototypes[i];
      cl.prototypes[i] = v + h;
      const up = cl.loss(x);
      cl.prototypes[i] = v - h;
      const down = cl.loss(x);
      cl.prototypes[i] = v;
      expect(g[i]).toBeCloseTo((up - down) / (2 * h), 5);
    }
  });

  it('minibatches are seeded: same seed, same prototypes', () => {
    const x = randomPoints(50, 2, 1);
    const a = new CompetitiveLearning({ k: 3, seed: 5, batchSize: 8, epochs: 20 }).fit(x);
    const b = new CompetitiveLearning({ k: 3, seed: 5, batchSize: 8, epochs: 20 }).fit(x);
    const c = new CompetitiveLearning({ k: 3, seed: 6, batchSize: 8, epochs: 20 }).fit(x);
    expect(Array.from(a.prototypes)).toEqual(Array.from(b.prototypes));
    expect(Array.from(a.prototypes)).not.toEqual(Array.from(c.prototypes));
  });
});

describe('DBSCAN', () => {
  const pts = [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [10, 10], [10, 11], [11, 10], [5, 5]];
  it('core points count themselves; border points join; isolated points are noise (−1)', () => {
    const db = new DBSCAN({ eps: 1.01, minSamples: 3 }).fit(pts);
    expect(Array.from(db.labels)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, -1]);
    // (2,0) has only (1,0) and itself within eps: a border point, not core. (10,10) has two
    // neighbours plus itself = 3 = minSamples: core only because the point counts itself.
    expect(Array.from(db.coreSampleIndices)).toEqual([0, 1, 2, 3, 5]);
    expect(db.nClusters).toBe(2);
    // With 4 needed only (1,0) is core: (0,1) is √2 away from it and becomes noise, and the
    // 3-point group is no longer dense.
    const strict = new DBSCAN({ eps: 1.01, minSamples: 4 }).fit(pts);
    expect(Array.from(strict.coreSampleIndices)).toEqual([2]);
    expect(Array.from(strict.labels)).toEqual([0, -1, 0, 0, 0, -1, -1, -1, -1]);
  });

  it('distance exactly eps counts as a neighbour', () => {
    const db = new DBSCAN({ eps: 1, minSamples: 2 }).fit([[0], [1], [3]]);
    expect(Array.from(db.labels)).toEqual([0, 0, -1]);
  });

  it('a border point reachable from two groups joins the first one grown (sklearn order)', () => {
    const a = [[-1], [-0.6], [-0.3], [0]], p = [[1]], b = [[2], [2.3], [2.6], [3]];
    const first = new DBSCAN({ eps: 1, minSamples: 4 }).fit([...a, ...p, ...b]);
    expect(first.labels[4]).toBe(first.labels[0]);
    expect(first.labels[5]).not.toBe(first.labels[0]);
    const swapped = new DBSCAN({ eps: 1, minSamples: 4 }).fit([...b, ...p, ...a]);
    expect(swapped.labels[4]).toBe(swapped.labels[0]);
    expect(swapped.labels[0]).toBe(0);
  });

  it('pairs at exactly eps are decided on exact distances even when the kernel takes the GEMM path', () => {
    // 140 points 0.5 apart far from the origin: enough work for the GEMM path, whose float32
    // ‖a‖² + ‖b‖² − 2a·b at norms ~1e8 cannot resolve a squared distance of 0.25.
    const line = Array.from({ length: 140 }, (_, i) => [1e4 + 0.5 * i, 1e4]);
    const db = new DBSCAN({ eps: 0.5, minSamples: 3 }).fit(line);
    expect(new Set(db.labels)).toEqual(new Set([0]));
    expect(db.coreSampleIndices.length).toBe(138);
  });

  it('predict: new points join the group of a core point within eps, else noise', () => {
    const db = new DBSCAN({ eps: 1.01, minSamples: 3 }).fit(pts);
    expect(Array.from(db.predict([[0.5, 0.5], [10.5, 10.5], [5, 6]]))).toEqual([0, 1, -1]);
  });

  it('is non-parametric: kept core points grow with the data', () => {
    const small = new DBSCAN({ eps: 1.01, minSamples: 3 }).fit(pts);
    const big = new DBSCAN({ eps: 1.01, minSamples: 3 }).fit([...pts, [20, 20], [20, 21], [21, 20]]);
    expect(big.nParameters).toBeGreaterThan(small.nParameters);
  });
});

/** Reference: always merge the globally closest pair, cluster distances from their definitions. */
function naiveHeights(x: number[][], linkage: Linkage): { heights: number[]; labels3: number[] } {
  let groups = x.map((_, i) => [i]);
  const dist = (i: number, j: number) => Math.hypot(...x[i].map((v, t) => v - x[j][t]));
  const mean = (g: number[]) => x[0].map((_, t) => g.reduce((s, i) => s + x[i][t], 0) / g.length);
  const between = (a: number[], b: number[]) => {
    if (linkage === 'ward') {
      const ma = mean(a), mb = mean(b);
      const sq = ma.reduce((s, v, t) => s + (v - mb[t]) ** 2, 0);
      return Math.sqrt(((2 * a.length * b.length) / (a.length + b.length)) * sq);
    }
    const ds = a.flatMap((i) => b.map((j) => dist(i, j)));
    if (linkage === 'single') return Math.min(...ds);
    if (linkage === 'complete') return Math.max(...ds);
    return ds.reduce((s, v) => s + v, 0) / ds.length;
  };
  const heights: number[] = [];
  let labels3: number[] = [];
  while (groups.length > 1) {
    if (groups.length === 3) {
      labels3 = new Array(x.length);
      groups.forEach((g, c) => g.forEach((i) => (labels3[i] = c)));
    }
    let best = [0, 1], bd = Infinity;
    for (let a = 0; a < groups.length; a++) for (let b = a + 1; b < groups.length; b++) {
      const d = between(groups[a], groups[b]);
      if (d < bd) [bd, best] = [d, [a, b]];
    }
    heights.push(bd);
    const merged = [...groups[best[0]], ...groups[best[1]]];
    groups = groups.filter((_, i) => i !== best[0] && i !== best[1]).concat([merged]);
  }
  return { heights, labels3 };
}

describe('AgglomerativeClustering', () => {
  const x = randomPoints(40, 3, 11);
  for (const linkage of ['single', 'complete', 'average', 'ward'] as const) {
    it(`${linkage}: merge heights and 3-group cut match the naive closest-pair algorithm`, () => {
      const ag = new AgglomerativeClustering({ linkage, nClusters: 3 }).fit(x);
      const ref = naiveHeights(x, linkage);
      expect(ag.distances.length).toBe(x.length - 1);
      ref.heights.forEach((h, i) => expect(ag.distances[i]).toBeCloseTo(h, 9));
      expect(adjustedRandIndex(ag.labels, ref.labels3)).toBe(1);
      expect(new Set(ag.labels).size).toBe(3);
    });
  }

  it('distanceThreshold keeps the merges below it: groups = 1 + #(heights >= t)', () => {
    const full = new AgglomerativeClustering({ linkage: 'ward', nClusters: 1 }).fit(x);
    const t = (full.distances[34] + full.distances[35]) / 2;
    const cut = new AgglomerativeClustering({ linkage: 'ward', distanceThreshold: t }).fit(x);
    expect(cut.nClustersFound).toBe(5);
    expect(new Set(cut.labels).size).toBe(5);
    const byCount = new AgglomerativeClustering({ linkage: 'ward', nClusters: 5 }).fit(x);
    expect(adjustedRandIndex(cut.labels, byCount.labels)).toBe(1);
  });

  it('groups the toy points and predicts new ones by their nearest training point', () => {
    const toy = [[0, 0], [0, 1], [1, 0], [10, 10], [10, 11], [20, 0]];
    const ag = new AgglomerativeClustering({ linkage: 'single', nClusters: 3 }).fit(toy);
    expect(adjustedRandIndex(ag.labels, [0, 0, 0, 1, 1, 2])).toBe(1);
    expect(Array.from(ag.predict([[0.2, 0.2], [19, 1]]))).toEqual([ag.labels[0], ag.labels[5]]);
  });
});

describe('WordClusters', () => {
  const corpus = [
    'we love our puppies', 'puppies are cute', 'kittens are so cute', 'the kittens are cute and cuddly', 'cuddly puppies',
    'pizza is delicious', 'we ate pizza and a hot dog', 'the hot dog was delicious', 'burgers are delicious', 'we ate burgers',
  ];
  const words = ['puppies', 'kittens', 'pizza', 'hot dog', 'burgers'];

  it('puts the pets with "cute" and the food with "delicious"', () => {
    const m = new WordClusters({ nClusters: 2, words }).fit(corpus);
    const g = m.predict(words);
    expect(g[0]).toBe(g[1]);
    expect(g[2]).toBe(g[3]);
    expect(g[3]).toBe(g[4]);
    expect(g[0]).not.toBe(g[2]);
    expect(m.contexts).toContain('cute');
    expect(m.predict(['giraffe'])[0]).toBe(-1);
    const km = new WordClusters({ nClusters: 2, words, method: 'kmeans' }).fit(corpus);
    expect(adjustedRandIndex(km.predict(words), g)).toBe(1);
  });

  it('is non-parametric: the count table grows with the vocabulary', () => {
    const a = new WordClusters({ nClusters: 2, words }).fit(corpus);
    const b = new WordClusters({ nClusters: 2, words }).fit([...corpus, 'puppies chase a red ball', 'pizza with olives']);
    expect(b.nParameters).toBeGreaterThan(a.nParameters);
    expect(a.nParameters).toBe(a.vocabulary.length * a.contexts.length);
  });

  it('tokenizes phrases as one word, even back to back', () => {
    expect(tokenize('A hot dog, hot dog!', ['hot dog'])).toEqual(['a', 'hot_dog', 'hot_dog']);
  });

  it('refuses words that never occur and too many groups', () => {
    expect(() => new WordClusters({ nClusters: 2, words: ['puppies', 'zebra'] }).fit(corpus)).toThrow(/zebra/);
    expect(() => new WordClusters({ nClusters: 9, words }).fit(corpus)).toThrow(/larger than the 5 words/);
    expect(() => new WordClusters({ nClusters: 2, words }).predict(['pizza'])).toThrow(/not fitted/);
  });
});

describe('bad input', () => {
  it('k larger than the data is a clear error', () => {
    expect(() => new KMeans({ k: 8 }).fit(BOOK)).toThrow(/KMeans.fit: k = 8 groups is larger than the data \(7 rows\)/);
    expect(() => new GaussianMixture({ k: 8 }).fit(BOOK)).toThrow(/GaussianMixture.fit: k = 8/);
    expect(() => new CompetitiveLearning({ k: 8 }).fit(BOOK)).toThrow(/CompetitiveLearning.fit: k = 8/);
    expect(() => new AgglomerativeClustering({ nClusters: 8 }).fit(BOOK)).toThrow(/nClusters = 8 is larger than the data/);
  });

  it('NaN in the data names the row and column', () => {
    const bad = [[1, 2], [NaN, 3], [4, 5]];
    for (const m of [new KMeans({ k: 2 }), new GaussianMixture({ k: 2 }), new CompetitiveLearning({ k: 2 }), new DBSCAN(), new AgglomerativeClustering()]) {
      expect(() => m.fit(bad)).toThrow(/contains NaN at row 1, column 0/);
    }
  });

  it('predicting before fitting is a clear error', () => {
    expect(() => new KMeans({ k: 2 }).predict(BOOK)).toThrow(/KMeans.predict: not fitted yet/);
    expect(() => new KMeans({ k: 2 }).predictProba(BOOK)).toThrow(/KMeans.predictProba: not fitted yet/);
    expect(() => new GaussianMixture({ k: 2 }).predictProba(BOOK)).toThrow(/GaussianMixture.predictProba: not fitted yet/);
    expect(() => new GaussianMixture({ k: 2 }).logLikelihood(BOOK)).toThrow(/not fitted yet/);
    expect(() => new CompetitiveLearning({ k: 2 }).predict(BOOK)).toThrow(/CompetitiveLearning.predict: not fitted yet/);
    expect(() => new DBSCAN().predict(BOOK)).toThrow(/DBSCAN.predict: not fitted yet/);
    expect(() => new AgglomerativeClustering().predict(BOOK)).toThrow(/AgglomerativeClustering.predict: not fitted yet/);
  });

  it('bad hyperparameters and feature-count mismatches are named; the model stays usable', () => {
    expect(() => new KMeans({ k: 0 })).toThrow(/KMeans: k must be a positive integer, got 0/);
    expect(() => new KMeans({ k: 2, init: [[0, 0]] })).toThrow(/k = 2 rows/);
    expect(() => new GaussianMixture({ k: 2, covariance: 'spherical' as 'diag' })).toThrow(/covariance must be 'diag' or 'full'/);
    expect(() => new DBSCAN({ eps: -1 })).toThrow(/DBSCAN: eps must be a positive number/);
    expect(() => new AgglomerativeClustering({ linkage: 'median' as 'ward' })).toThrow(/linkage must be/);
    expect(() => new AgglomerativeClustering({ nClusters: 2, distanceThreshold: 1 })).toThrow(/not both/);
    const km = new KMeans({ k: 3, seed: 0 }).fit(BOOK);
    expect(() => km.predict([[1, 2, 3]])).toThrow(/KMeans.predict: x has 3 features, the model was fitted on 2/);
    expect(() => km.fit([[1, 2], [3]])).toThrow(/row 1 has 1 values/);
    expect(Array.from(km.predict(BOOK))).toEqual(Array.from(km.labels));
  });
});

describe('save/load round trip', () => {
  it('toJSON → JSON text → loadEstimator gives the same predictions', () => {
    const x = randomPoints(30, 2, 21);
    const models = [
      new KMeans({ k: 3, seed: 0 }).fit(x),
      new GaussianMixture({ k: 2, covariance: 'full', seed: 0 }).fit(x),
      new GaussianMixture({ k: 2, covariance: 'diag', seed: 0 }).fit(x),
      new CompetitiveLearning({ k: 3, seed: 0, batchSize: 10, epochs: 5 }).fit(x),
      new DBSCAN({ eps: 1.5, minSamples: 3 }).fit(x),
      new AgglomerativeClustering({ linkage: 'average', distanceThreshold: 3 }).fit(x),
    ];
    const probe = randomPoints(10, 2, 22);
    for (const m of models) {
      const back = loadEstimator(JSON.stringify(m.toJSON())) as typeof m;
      expect(back.constructor).toBe(m.constructor);
      expect(Array.from(back.predict(probe))).toEqual(Array.from(m.predict(probe)));
      expect(back.nParameters).toBe(m.nParameters);
      if ('predictProba' in m) expect(Array.from((back as KMeans).predictProba(probe))).toEqual(Array.from((m as KMeans).predictProba(probe)));
    }
    const unfitted = loadEstimator(JSON.stringify(new KMeans({ k: 2 }).toJSON())) as KMeans;
    expect(unfitted.isFitted).toBe(false);
    expect(() => unfitted.predict(x)).toThrow(/not fitted yet/);
  });

  it('WordClusters round-trips through the same registry', () => {
    const m = new WordClusters({ nClusters: 2, words: ['puppies', 'pizza', 'kittens'] }).fit(['puppies are cute', 'kittens are cute', 'pizza is tasty']);
    const back = loadEstimator(JSON.stringify(m.toJSON())) as unknown as WordClusters;
    expect(Array.from(back.predict(['puppies', 'pizza', 'kittens']))).toEqual(Array.from(m.predict(['puppies', 'pizza', 'kittens'])));
    expect(back.nParameters).toBe(m.nParameters);
  });
});

describe('exports', () => {
  it('the unsupervised classes are in the library\'s classic namespace', () => {
    expect(classic.KMeans).toBe(KMeans);
    expect(classic.GaussianMixture).toBe(GaussianMixture);
    expect(classic.CompetitiveLearning).toBe(CompetitiveLearning);
    expect(classic.DBSCAN).toBe(DBSCAN);
    expect(classic.AgglomerativeClustering).toBe(AgglomerativeClustering);
    expect(classic.WordClusters).toBe(WordClusters);
  });
});
