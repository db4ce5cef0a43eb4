/**
 * Supervised classic learners (counting, naive Bayes, kNN, linear/logistic regression, neural
 * wrappers) on small hand-made data, plus the distance wrapper against a naive JS reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nn } from '../ts/index.js';
import * as classic from '../ts/classic/index.js';
import { kNearest, pairwiseSqDist } from '../ts/classic/distance.js';
import type { Matrix } from '../ts/classic/estimator.js';

const { CountModel, GaussianNB, CategoricalNB, KNeighborsClassifier, KNeighborsRegressor, LinearRegression, LogisticRegression, Classifier, Regressor, loadEstimator } = classic;

beforeAll(() => init());

function randMatrix(rows: number, cols: number, seed: number): Matrix {
  let s = seed >>> 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Rounded to 1/8 so f32 holds them exactly and ties in distance happen.
    data[i] = Math.round((s / 2 ** 32) * 16 - 8) / 8;
  }
  return { data, rows, cols };
}

function naiveSq(a: Matrix, b: Matrix): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let t = 0; t < a.cols; t++) s += (a.data[i * a.cols + t] - b.data[j * b.cols + t]) ** 2;
      out.push(s);
    }
  return out;
}

describe('distance', () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [40, 37, 33], // above GEMM_MIN_WORK: the GEMM path
  ])('pairwiseSqDist %ix%i (d=%i) matches a naive loop', (n, m, d) => {
    const a = randMatrix(n, d, n * 7 + d), b = randMatrix(m, d, m * 13 + 1);
    const got = pairwiseSqDist(a, b);
    const want = naiveSq(a, b);
    expect(got.length).toBe(n * m);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, want[i]));
  });

  it('kNearest returns ascending neighbours with ties to the lower index', () => {
    const b: Matrix = { data: Float64Array.from([0, 2, -1, 1, 5, 1]), rows: 6, cols: 1 };
    const a: Matrix = { data: Float64Array.from([0.0]), rows: 1, cols: 1 };
    const { index, sqDist } = kNearest(a, b, 4);
    expect(Array.from(index)).toEqual([0, 2, 3, 5]);
    expect(Array.from(sqDist)).toEqual([0, 1, 1, 1]);
  });

  it('kNearest over several query blocks (n·m above one 16 MB block) matches a naive search', () => {
    const a = randMatrix(1500, 2, 5), b = randMatrix(3000, 2, 6);
    const { index, sqDist } = kNearest(a, b, 3);
    for (const i of [0, 1, 1398, 1399, 1400, 1499]) {
      const row = Array.from({ length: b.rows }, (_, j) => [(a.data[i * 2] - b.data[j * 2]) ** 2 + (a.data[i * 2 + 1] - b.data[j * 2 + 1]) ** 2, j]);
      row.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
      expect(Array.from(index.subarray(i * 3, i * 3 + 3))).toEqual(row.slice(0, 3).map((r) => r[1]));
      expect(Array.from(sqDist.subarray(i * 3, i * 3 + 3))).toEqual(row.slice(0, 3).map((r) => r[0]));
    }
  });

  it('rejects k above the reference rows and mismatched features', () => {
    const a = randMatrix(2, 3, 1), b = randMatrix(4, 3, 2);
    expect(() => kNearest(a, b, 5)).toThrow(/k = 5 is larger than the 4 reference rows/);
    expect(() => pairwiseSqDist(a, randMatrix(2, 4, 3))).toThrow(/3 features per row, b has 4/);
    expect(pairwiseSqDist(a, b).length).toBe(8); // still usable
  });
});

// The book's streetlight data (ch. 2): which lights are on → did people walk (1) or stop (0).
const LIGHTS = [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1], [0, 1, 1], [1, 0, 1]];
const WALK = [0, 1, 0, 1, 1, 0];

describe('CountModel (streetlight)', () => {
  it('counts go per light: middle always, right half the time, left a third', () => {
    const m = new CountModel({ alpha: 0 }).fit(LIGHTS, WALK);
    const go = m.featureProba(1).map((p) => p[1]);
    expect(go[0]).toBeCloseTo(1 / 3, 12);
    expect(go[1]).toBe(1);
    expect(go[2]).toBe(0.5);
  });

  it('Laplace smoothing pulls frequencies toward uniform', () => {
    const m = new CountModel({ alpha: 1 }).fit(LIGHTS, WALK);
    const go = m.featureProba(1).map((p) => p[1]);
    expect(go[0]).toBeCloseTo(2 / 5, 12);
    expect(go[1]).toBeCloseTo(4 / 5, 12);
    expect(go[2]).toBeCloseTo(4 / 8, 12);
  });

  it('predicts the observed frequency of a seen pattern and the overall one for an unseen pattern', () => {
    const m = new CountModel({ alpha: 0 }).fit(LIGHTS, WALK);
    const P = m.predictProba([[0, 1, 1], [1, 0, 1], [0, 0, 0]]);
    expect(Array.from(P)).toEqual([0, 1, 1, 0, 0.5, 0.5]);
    expect(Array.from(m.predict([[0, 1, 1], [1, 0, 1]]))).toEqual([1, 0]);
    expect(m.score(LIGHTS, WALK)).toBe(1);
  });

  it('is non-parametric: more distinct data, more parameters', () => {
    const small = new CountModel().fit(LIGHTS.slice(0, 3), WALK.slice(0, 3)).nParameters;
    const big = new CountModel().fit(LIGHTS, WALK).nParameters;
    expect(big).toBeGreaterThan(small);
  });
});

describe('GaussianNB', () => {
  const x = [[1, 10], [2, 12], [3, 14], [10, 1], [12, 2], [14, 3]];
  const y = [0, 0, 0, 1, 1, 1];
  it('learns class means, variances (+ epsilon) and priors; probabilities follow Bayes rule', () => {
    const m = new GaussianNB().fit(x, y);
    expect(Array.from(m.theta)).toEqual([2, 12, 12, 2]);
    // Class variances (ddof 0): [2/3, 8/3] and [8/3, 2/3]; epsilon = 1e-9 × the largest whole-column variance.
    const colVar = (j: number) => { const v = x.map((r) => r[j]); const mu = v.reduce((a, b) => a + b) / 6; return v.reduce((a, b) => a + (b - mu) ** 2, 0) / 6; };
    expect(m.epsilon).toBeCloseTo(1e-9 * Math.max(colVar(0), colVar(1)), 20);
    expect(m.variance[0]).toBeCloseTo(2 / 3 + m.epsilon, 12);
    expect(m.variance[1]).toBeCloseTo(8 / 3 + m.epsilon, 12);
    const q = [4, 9];
    const logp = (c: number) => Math.log(0.5) + [0, 1].reduce((s, j) => s - 0.5 * Math.log(2 * Math.PI * m.variance[c * 2 + j]) - (q[j] - m.theta[c * 2 + j]) ** 2 / (2 * m.variance[c * 2 + j]), 0);
    const p1 = 1 / (1 + Math.exp(logp(0) - logp(1)));
    const P = m.predictProba([q]);
    expect(P[1]).toBeCloseTo(p1, 10);
    expect(P[0] + P[1]).toBeCloseTo(1, 12);
    expect(Array.from(m.predict([[2, 11], [13, 2]]))).toEqual([0, 1]);
    expect(m.nParameters).toBe(2 * (2 * 2 + 1));
  });
});

describe('CategoricalNB', () => {
  it('smoothed category frequencies per class, as (count + alpha) / (class count + alpha · categories)', () => {
    const x = [[0, 1], [0, 2], [1, 2], [2, 0], [2, 0]];
    const y = [5, 5, 5, 7, 7];
    const m = new CategoricalNB({ alpha: 1 }).fit(x, y);
    expect(m.nCategories).toEqual([3, 3]);
    // P(class 5 | [0, 2]) ∝ 3/5 · (2+1)/(3+3) · (2+1)/(3+3); class 7: 2/5 · (0+1)/(2+3) · (0+1)/(2+3)
    const a = 0.6 * 0.5 * 0.5, b = 0.4 * 0.2 * 0.2;
    const P = m.predictProba([[0, 2]]);
    expect(P[0]).toBeCloseTo(a / (a + b), 12);
    expect(Array.from(m.predict([[0, 2], [2, 0]]))).toEqual([5, 7]);
    expect(() => m.predict([[3, 0]])).toThrow(/feature 0 has category 3 .* only 0..2/);
    expect(() => m.fit([[0.5, 1]], [1])).toThrow(/non-negative integers, got 0.5/);
    expect(new CategoricalNB({ minCategories: 5 }).fit(x, y).nCategories).toEqual([5, 5]);
  });
});

describe('k nearest neighbours', () => {
  const x = [[0], [1], [2], [10], [11], [12]];
  const y = [0, 0, 1, 1, 1, 0];
  it('uniform votes, with a tie going to the smaller label', () => {
    const m = new KNeighborsClassifier({ k: 3 }).fit(x, y);
    expect(Array.from(m.predict([[0.4], [10.9]]))).toEqual([0, 1]);
    expect(Array.from(m.predictProba([[0.4]]))).toEqual([2 / 3, 1 / 3]);
    const tie = new KNeighborsClassifier({ k: 2 }).fit([[0], [2]], [3, 1]);
    expect(Array.from(tie.predict([[1]]))).toEqual([1]);
  });

  it('distance weights: 1/d, and an exact match decides alone', () => {
    const m = new KNeighborsClassifier({ k: 3, weights: 'distance' }).fit(x, y);
    // neighbours of 1.6: 2 (d .4, label 1), 1 (d .6, label 0), 0 (d 1.6, label 0)
    const w1 = 1 / 0.4, w0 = 1 / 0.6 + 1 / 1.6;
    expect(m.predictProba([[1.6]])[1]).toBeCloseTo(w1 / (w0 + w1), 6);
    expect(Array.from(m.predictProba([[12]]))).toEqual([1, 0]);
  });

  it('regressor averages neighbour targets (uniform and distance-weighted)', () => {
    const t = [0, 1, 2, 10, 11, 12];
    expect(new KNeighborsRegressor({ k: 2 }).fit(x, t).predict([[0.4]])[0]).toBeCloseTo(0.5, 12);
    const wd = new KNeighborsRegressor({ k: 2, weights: 'distance' }).fit(x, t).predict([[0.25]])[0];
    expect(wd).toBeCloseTo((0 / 0.25 + 1 / 0.75) / (1 / 0.25 + 1 / 0.75), 6);
  });

  it('stores the data: parameters grow with the training set', () => {
    expect(new KNeighborsClassifier({ k: 1 }).fit(x.slice(0, 3), y.slice(0, 3)).nParameters).toBe(6);
    expect(new KNeighborsClassifier({ k: 1 }).fit(x, y).nParameters).toBe(12);
  });
});

describe('LinearRegression (closed form)', () => {
  it('recovers an exact linear function and stays usable with collinear features', () => {
    const x = [[1, 2], [2, 1], [3, 5], [4, 3], [5, 8], [0, -1]];
    const y = x.map(([a, b]) => 2 * a - 3 * b + 5);
    const m = new LinearRegression().fit(x, y);
    expect(m.coef[0]).toBeCloseTo(2, 9);
    expect(m.coef[1]).toBeCloseTo(-3, 9);
    expect(m.intercept).toBeCloseTo(5, 9);
    expect(m.score(x, y)).toBeCloseTo(1, 12);
    expect(m.nParameters).toBe(3);
    const col = x.map(([a]) => [a, 2 * a]);
    const c = new LinearRegression().fit(col, x.map(([a]) => 3 * a + 1));
    expect(c.predict([[10, 20]])[0]).toBeCloseTo(31, 5);
  });
});

/** Gradient of sklearn's mean objective at the fitted weights, in float64 (should be ~0 at the optimum). */
function logregGradNorm(m: InstanceType<typeof LogisticRegression>, x: number[][], y: number[]): number {
  const n = x.length, d = x[0].length, P = m.predictProba(x), k = m.classes.length;
  const rows = m.intercept.length;
  const g = new Float64Array(rows * (d + 1));
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rows; r++) {
      const cls = rows === 1 ? 1 : r;
      const e = P[i * k + cls] - (m.classes.indexOf(y[i]) === cls ? 1 : 0);
      for (let j = 0; j < d; j++) g[r * (d + 1) + j] += e * x[i][j] / n;
      g[r * (d + 1) + d] += e / n;
    }
  }
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) g[r * (d + 1) + j] += m.coef[r * d + j] / (m.C * n);
  return Math.sqrt(g.reduce((s, v) => s + v * v, 0));
}

describe('LogisticRegression', () => {
  const x = [[0, 0], [1, 0.2], [0.2, 1], [2, 2], [2.5, 1.5], [1.8, 2.6], [3, 0], [3.5, 0.5], [4, -0.2], [0.5, 0.6], [2.2, 1.9], [3.3, 0.1]];
  const y3 = [0, 0, 0, 1, 1, 1, 2, 2, 2, 1, 0, 2];
  it('multinomial: reaches a stationary point of Σ CE/n + ‖W‖²/(2Cn)', () => {
    const m = new LogisticRegression({ C: 1 }).fit(x, y3);
    expect(m.coef.length).toBe(3 * 2);
    expect(logregGradNorm(m, x, y3)).toBeLessThan(2e-3);
    const P = m.predictProba(x);
    for (let i = 0; i < x.length; i++) expect(P[i * 3] + P[i * 3 + 1] + P[i * 3 + 2]).toBeCloseTo(1, 12);
  });

  it('binary: one weight vector (sklearn form), stationary for the binary objective', () => {
    const y2 = y3.map((c) => (c === 2 ? 7 : 3));
    const m = new LogisticRegression({ C: 0.5 }).fit(x, y2);
    expect(m.coef.length).toBe(2);
    expect(m.nParameters).toBe(3);
    expect(logregGradNorm(m, x, y2)).toBeLessThan(2e-3);
    expect(m.score(x, y2)).toBeGreaterThanOrEqual(0.9);
  });

  it('refuses a single class', () => {
    expect(() => new LogisticRegression().fit([[1], [2]], [4, 4])).toThrow(/at least 2 classes/);
  });
});

describe('neural wrappers', () => {
  const xor = [[0, 0], [0, 1], [1, 0], [1, 1]];
  it('Classifier trains a Sequential with fit() and round-trips through JSON', async () => {
    const net = new nn.Sequential(new nn.Linear(2, 8, { seed: 1 }), new nn.Tanh(), new nn.Linear(8, 2, { seed: 2 }));
    const c = await new Classifier(net, { epochs: 300, batchSize: 4, optimizer: { type: 'Adam', lr: 0.05 } }).fit(xor, [0, 1, 1, 0]);
    expect(Array.from(c.predict(xor))).toEqual([0, 1, 1, 0]);
    expect(c.nParameters).toBe(2 * 8 + 8 + 8 * 2 + 2);
    const back = loadEstimator(JSON.stringify(c.toJSON())) as unknown as InstanceType<typeof Classifier>;
    expect(Array.from(back.predictProba(xor))).toEqual(Array.from(c.predictProba(xor)));
    expect(() => c.predict([[1, 2, 3]])).toThrow(/3 features, the model was fitted on 2/);
  });

  it('Regressor learns a line (R² > 0.99)', async () => {
    const x = Array.from({ length: 20 }, (_, i) => [i / 10]);
    const y = x.map(([v]) => 3 * v - 1);
    const r = await new Regressor(new nn.Sequential(new nn.Linear(1, 1, { seed: 3 })), { epochs: 200, batchSize: 5, optimizer: { type: 'Adam', lr: 0.05 } }).fit(x, y);
    expect(r.score(x, y)).toBeGreaterThan(0.99);
    const back = loadEstimator(r.toJSON()) as unknown as InstanceType<typeof Regressor>;
    expect(Array.from(back.predict(x))).toEqual(Array.from(r.predict(x)));
  });
});

describe('save/load round trips', () => {
  const x = [[0, 1], [1, 1], [2, 0], [3, 1], [4, 0], [5, 1]];
  const y = [0, 0, 1, 1, 2, 2];
  const models = [
    () => new CountModel({ alpha: 0.5 }),
    () => new GaussianNB(),
    () => new CategoricalNB({ alpha: 0.5 }),
    () => new KNeighborsClassifier({ k: 3, weights: 'distance' }),
    () => new KNeighborsRegressor({ k: 2 }),
    () => new LinearRegression(),
    () => new LogisticRegression({ maxIter: 200 }),
  ];
  it.each(models.map((f) => [f().constructor.name, f]))('%s gives the same predictions after JSON', (_, make) => {
    const m = make().fit(x, y);
    const back = loadEstimator(JSON.stringify(m.toJSON()));
    expect(back.constructor).toBe(m.constructor);
    expect(Array.from(back.predict(x))).toEqual(Array.from(m.predict(x)));
    if ('predictProba' in m) expect(Array.from((back as typeof m).predictProba(x))).toEqual(Array.from(m.predictProba(x)));
    expect(back.nParameters).toBe(m.nParameters);
    // An unfitted model saves and loads as unfitted.
    expect(() => loadEstimator(make().toJSON()).predict(x)).toThrow(/not fitted yet/);
  });
});

describe('bad input', () => {
  const x = [[0, 1], [1, 1], [2, 0]];
  const makers = [() => new CountModel(), () => new GaussianNB(), () => new CategoricalNB(), () => new KNeighborsClassifier({ k: 1 }), () => new KNeighborsRegressor({ k: 1 }), () => new LinearRegression(), () => new LogisticRegression()];
  it.each(makers.map((f) => [f().constructor.name, f]))('%s: clear errors, and usable afterwards', (name, make) => {
    const m = make();
    expect(() => m.predict(x)).toThrow(new RegExp(`${name}.*not fitted yet`));
    expect(() => m.fit(x, [0, 1])).toThrow(/x has 3 rows but y has 2 values/);
    expect(() => m.fit([[0, NaN], [1, 1], [2, 0]], [0, 1, 0])).toThrow(/contains NaN at row 0, column 1/);
    expect(() => m.fit(x, [0, NaN, 1])).toThrow(/y contains NaN at index 1/);
    expect(() => m.fit(x)).toThrow(/needs targets/);
    m.fit(x, [0, 1, 0]);
    expect(() => m.predict([[1, 2, 3]])).toThrow(/3 features, the model was fitted on 2/);
    expect(m.predict(x).length).toBe(3);
  });

  it('k larger than the data, bad options', () => {
    expect(() => new KNeighborsClassifier({ k: 4 }).fit(x, [0, 1, 0])).toThrow(/k = 4 is larger than the 3 training samples/);
    expect(() => new KNeighborsRegressor({ k: 0 })).toThrow(/k must be a positive integer, got 0/);
    expect(() => new KNeighborsClassifier({ weights: 'cosine' as 'uniform' })).toThrow(/weights must be 'uniform' or 'distance'/);
    expect(() => new GaussianNB().fit(x, [0.5, 1, 0])).toThrow(/class labels must be integers, got 0.5/);
    expect(() => new LogisticRegression({ C: 0 })).toThrow(/C must be a positive number, got 0/);
    expect(() => new CountModel({ alpha: -1 })).toThrow(/alpha must be a non-negative number/);
  });
});
