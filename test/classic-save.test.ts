/** Estimators save in the library's formats (safetensors + JSON) and come back exactly. */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../ts/index.js';
import * as classic from '../ts/classic/index.js';
import { readSafetensors } from '../ts/io/safetensors.js';

beforeAll(() => init());

const x = Array.from({ length: 40 }, (_, i) => [Math.sin(i) * 3 + (i % 3) * 5, Math.cos(i * 0.7) + (i % 3)]);
const y = x.map((_, i) => i % 3);

const fitted: [string, () => classic.Estimator][] = [
  ['KNeighborsClassifier', () => new classic.KNeighborsClassifier({ k: 3 }).fit(x, y)],
  ['GaussianNB', () => new classic.GaussianNB().fit(x, y)],
  ['LogisticRegression', () => new classic.LogisticRegression().fit(x, y)],
  ['KMeans', () => new classic.KMeans({ k: 3, seed: 1 }).fit(x)],
  ['GaussianMixture', () => new classic.GaussianMixture({ k: 3, covariance: 'full', seed: 1 }).fit(x)],
  ['DBSCAN', () => new classic.DBSCAN({ eps: 1.5, minSamples: 3 }).fit(x)],
  ['AgglomerativeClustering', () => new classic.AgglomerativeClustering({ linkage: 'ward', nClusters: 3 }).fit(x)],
];

describe('saveEstimator / loadSavedEstimator', () => {
  for (const [name, make] of fitted) {
    it(`${name}: round trip gives the same state and predictions`, () => {
      const est = make();
      const saved = classic.saveEstimator(est);
      const back = classic.loadSavedEstimator(saved);
      expect(back.toJSON()).toEqual(est.toJSON());
      expect(Array.from(back.predict(x))).toEqual(Array.from(est.predict(x)));
      // Big arrays really live in the safetensors part.
      if (name === 'KNeighborsClassifier') {
        const { tensors } = readSafetensors(saved.weights);
        expect(tensors['state.x'].shape).toEqual([80]);
        expect(saved.json).toContain('"$tensor":"state.x"');
      }
    });
  }

  it('rejects a JSON that names a missing tensor, and extra tensors', () => {
    const saved = classic.saveEstimator(new classic.KNeighborsClassifier({ k: 3 }).fit(x, y));
    const broken = saved.json.replace('"$tensor":"state.x"', '"$tensor":"state.nope"');
    expect(() => classic.loadSavedEstimator({ weights: saved.weights, json: broken })).toThrow(/refers to tensor 'state.nope'/);
    const other = classic.saveEstimator(new classic.KNeighborsRegressor({ k: 3 }).fit(x, y.map(Number)));
    expect(() => classic.loadSavedEstimator({ weights: other.weights, json: JSON.stringify({ ...JSON.parse(saved.json), state: null }) })).toThrow(/does not use/);
    expect(() => classic.loadSavedEstimator({ weights: saved.weights.slice(0, 10), json: saved.json })).toThrow();
  });
});
