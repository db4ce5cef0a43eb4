/**
 * Supervised classic learners on scikit-learn's bundled data sets, against the numbers
 * scikit-learn gives on the same splits and preprocessing (test/fixtures/sklearn-reference.json,
 * made by scripts/make-sklearn-fixtures.py). Needs .data/sklearn (bash scripts/fetch-data.sh).
 */
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../ts/index.js';
import * as classic from '../ts/classic/index.js';
import { defaultSklearnDir, loadSklearnDataset, type SklearnDatasetName } from '../ts/data/sklearn-node.js';

const { KNeighborsClassifier, KNeighborsRegressor, GaussianNB, CategoricalNB, LogisticRegression } = classic;

const haveData = existsSync(`${defaultSklearnDir}iris.csv`) && existsSync(`${defaultSklearnDir}digits.csv.gz`);
if (!haveData) console.warn(`classic-sklearn-supervised: SKIPPED — ${defaultSklearnDir} is missing; run: bash scripts/fetch-data.sh sklearn`);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(readFileSync(new URL('./fixtures/sklearn-reference.json', import.meta.url), 'utf8'));

type Prep = 'none' | 'standardize' | 'divide by 16';
interface Split { xtr: number[][]; ytr: number[]; xte: number[][]; yte: number[] }

/** The fixture's split (train = all non-test rows, ascending) with its preprocessing. */
function split(name: SklearnDatasetName, prep: Prep, opts: { features?: number[]; target?: number; standardize?: { mean: number[]; std: number[] } } = {}): Split {
  const ds = loadSklearnDataset(name);
  const d = ds.nFeatures;
  const test: number[] = ref.splits[name].test;
  const inTest = new Set(test);
  const train = [...Array(ds.nSamples).keys()].filter((i) => !inTest.has(i));
  const feats = opts.features ?? [...Array(d).keys()];
  const row = (i: number) => feats.map((j) => ds.x[i * d + j]);
  const target = (i: number) => (opts.target === undefined ? ds.y[i] : ds.x[i * d + opts.target]);
  let tf = (r: number[]) => r;
  if (prep === 'standardize') {
    const s = opts.standardize ?? ref.standardize[name];
    tf = (r) => r.map((v, j) => (v - s.mean[j]) / (s.std[j] || 1));
  } else if (prep === 'divide by 16') tf = (r) => r.map((v) => v / 16);
  return { xtr: train.map((i) => tf(row(i))), ytr: train.map(target), xte: test.map((i) => tf(row(i))), yte: test.map(target) };
}

const within1Point = (ours: number, theirs: number) => expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(0.01 + 1e-12);

describe.skipIf(!haveData)('supervised classic learners vs scikit-learn (real data)', () => {
  beforeAll(() => init());

  const knnCases = ['iris', 'wine_raw', 'wine', 'breast_cancer', 'digits'];
  it.each(knnCases.flatMap((c) => [[c, 'uniform'], [c, 'distance']] as const))('kNN classifier %s (%s): accuracy within 1 point, same predictions away from k-th distance ties', (key, weights) => {
    const r = ref.knn_classifier[key];
    const s = split(r.dataset, r.preprocess);
    const m = new KNeighborsClassifier({ k: r.k ?? ref.knn_classifier.k, weights }).fit(s.xtr, s.ytr);
    const pred = m.predict(s.xte);
    within1Point(m.score(s.xte, s.yte), r[weights].accuracy);
    const ties = new Set<number>(r.kth_distance_ties);
    const differ = [...pred.keys()].filter((i) => !ties.has(i) && pred[i] !== r[weights].predictions[i]);
    expect(differ).toEqual([]);
  });

  it.each(['iris_petal_width', 'diabetes'])('kNN regressor %s: R² close to sklearn (uniform and distance)', (key) => {
    const r = ref.knn_regressor[key];
    const s = split(r.dataset, r.preprocess, { features: r.features, target: r.target_feature, standardize: r.standardize });
    for (const weights of ['uniform', 'distance'] as const) {
      const m = new KNeighborsRegressor({ k: ref.knn_classifier.k, weights }).fit(s.xtr, s.ytr);
      expect(Math.abs(m.score(s.xte, s.yte) - r[weights].r2)).toBeLessThan(0.01);
      if (r[weights].predictions) {
        const p = m.predict(s.xte), ties = new Set<number>(r.kth_distance_ties);
        for (let i = 0; i < p.length; i++) if (!ties.has(i)) expect(p[i]).toBeCloseTo(r[weights].predictions[i], 5);
      }
    }
  });

  it.each(['iris', 'wine', 'breast_cancer', 'digits'] as const)('GaussianNB %s: accuracy within 1 point, same epsilon and log loss', (name) => {
    const r = ref.gaussian_nb[name];
    const s = split(name, 'none');
    const m = new GaussianNB().fit(s.xtr, s.ytr);
    within1Point(m.score(s.xte, s.yte), r.accuracy);
    expect(m.epsilon / r.epsilon).toBeCloseTo(1, 6);
    const P = m.predictProba(s.xte), k = m.classes.length;
    const logLoss = -s.yte.reduce((a, y, i) => a + Math.log(Math.min(Math.max(P[i * k + m.classes.indexOf(y)], Number.EPSILON), 1 - Number.EPSILON)), 0) / s.yte.length;
    // sklearn's log_loss clips probabilities to [eps, 1 − eps] (float64 eps); so do we.
    expect(Math.abs(logLoss - r.log_loss) / r.log_loss).toBeLessThan(0.02);
    if (r.theta) expect(m.theta[0]).toBeCloseTo(r.theta[0][0], 6);
  });

  it('CategoricalNB digits (alpha 1, 17 categories): accuracy within 1 point, same predictions', () => {
    const r = ref.categorical_nb.digits;
    const s = split('digits', 'none');
    const m = new CategoricalNB({ alpha: 1, minCategories: 17 }).fit(s.xtr, s.ytr);
    within1Point(m.score(s.xte, s.yte), r.accuracy);
    expect(Array.from(m.predict(s.xte))).toEqual(r.predictions);
  });

  it.each(['iris', 'wine', 'breast_cancer', 'digits'] as const)('LogisticRegression %s (C=1): accuracy within 1 point, train objective within 0.1%%', (name) => {
    const r = ref.logistic_regression[name];
    const s = split(name, r.preprocess);
    const m = new LogisticRegression({ C: ref.logistic_regression.C }).fit(s.xtr, s.ytr);
    within1Point(m.score(s.xte, s.yte), r.accuracy);
    // Our optimum can only be as low as sklearn's (same objective), never much higher.
    expect(m.trainObjective).toBeGreaterThan(r.train_objective * (1 - 1e-5));
    expect(m.trainObjective).toBeLessThan(r.train_objective * 1.001);
  });
});
