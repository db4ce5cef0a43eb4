/**
 * Metrics, standalone against scikit-learn's numbers (test/fixtures/sklearn-onramp.json, from
 * scripts/make-onramp-fixtures.py), and inside evaluate/fit: the epoch value accumulated over
 * batches must equal the standalone score of the whole set's predictions.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, EarlyStopping, evaluate, fit, init, metrics, nn, optim, predict, predictClasses, Rng, TensorDataset, tensor, tidy } from '../ts/index.js';

const F = JSON.parse(readFileSync(new URL('./fixtures/sklearn-onramp.json', import.meta.url), 'utf8'));
const C = F.classification, R = F.regression;

beforeAll(() => init());

describe('standalone metrics (scikit-learn numbers)', () => {
  it('accuracy, confusion matrix, precision / recall / F1 for every average, with a class never predicted', () => {
    expect(metrics.accuracyScore(C.y_true, C.y_pred)).toBeCloseTo(C.accuracy, 12);
    expect(metrics.confusionMatrix(C.y_true, C.y_pred)).toEqual(C.confusion_matrix);
    for (const avg of ['macro', 'micro', 'weighted'] as const) {
      expect(metrics.precisionScore(C.y_true, C.y_pred, { average: avg }), avg).toBeCloseTo(C[`precision_${avg}`], 12);
      expect(metrics.recallScore(C.y_true, C.y_pred, { average: avg }), avg).toBeCloseTo(C[`recall_${avg}`], 12);
      expect(metrics.f1Score(C.y_true, C.y_pred, { average: avg }), avg).toBeCloseTo(C[`f1_${avg}`], 12);
    }
    const per = metrics.f1Score(C.y_true, C.y_pred, { average: null });
    per.forEach((v, i) => expect(v).toBeCloseTo(C.f1_none[i], 12));
    metrics.precisionScore(C.y_true, C.y_pred, { average: null }).forEach((v, i) => expect(v).toBeCloseTo(C.precision_none[i], 12));
    // Tensors and typed arrays are labels too.
    const t = tensor(C.y_true);
    expect(metrics.recallScore(t, Int32Array.from(C.y_pred), { average: 'macro' })).toBeCloseTo(C.recall_macro, 6);
    t.dispose();
  });

  it("binary average (sklearn's default) scores class 1, and refuses more than two classes", () => {
    const B = C.binary;
    expect(metrics.precisionScore(B.y_true, B.y_pred)).toBeCloseTo(B.precision, 12);
    expect(metrics.recallScore(B.y_true, B.y_pred)).toBeCloseTo(B.recall, 12);
    expect(metrics.f1Score(B.y_true, B.y_pred)).toBeCloseTo(B.f1, 12);
    expect(() => metrics.f1Score(C.y_true, C.y_pred)).toThrow(/4 labels but average is 'binary'/);
    expect(() => metrics.f1Score([0, 1], [1, 0], { average: 'mean' as never })).toThrow(/average must be/);
  });

  it('top-k accuracy for k = 1, 2, 3', () => {
    for (const k of [1, 2, 3]) expect(metrics.topKAccuracyScore(C.y_true, C.scores, { k })).toBeCloseTo(C.top_k[String(k)], 12);
    expect(() => metrics.topKAccuracyScore([5], [[0, 1]])).toThrow(/label 5 at index 0 is not a column of yScore/);
  });

  it('MAE, MSE, R² for one and several outputs', () => {
    expect(metrics.meanAbsoluteError(R.y_true, R.y_pred)).toBeCloseTo(R.mae, 12);
    expect(metrics.meanSquaredError(R.y_true, R.y_pred)).toBeCloseTo(R.mse, 12);
    expect(metrics.r2Score(R.y_true, R.y_pred)).toBeCloseTo(R.r2, 12);
    expect(metrics.meanAbsoluteError(R.multi_true, R.multi_pred)).toBeCloseTo(R.multi_mae, 12);
    expect(metrics.meanSquaredError(R.multi_true, R.multi_pred)).toBeCloseTo(R.multi_mse, 12);
    expect(metrics.r2Score(R.multi_true, R.multi_pred)).toBeCloseTo(R.multi_r2, 12);
    expect(() => metrics.r2Score([1, 2, 3], [1, 2])).toThrow(/yTrue is 3×1, yPred 2×1/);
  });
});

/** Four overlapping Gaussian classes: a model that is good but not perfect, so every metric is informative. */
function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2), y = new Float32Array(n);
  const g = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    x[i * 2] = (c % 2) * 2 + g();
    x[i * 2 + 1] = Math.floor(c / 2) * 2 + g();
    y[i] = c;
  }
  return new TensorDataset({ data: x, shape: [n, 2] }, { data: y, shape: [n] });
}

describe('metrics in fit and evaluate', () => {
  it('epoch values over batches equal the standalone scores of the whole set', async () => {
    const ds = blobs(203, 3);
    const model = new nn.Sequential(new nn.Linear(2, 16, { seed: 1 }), new nn.ReLU(), new nn.Linear(16, 4, { seed: 2 }));
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    const list = ['accuracy', 'precision', 'recall', 'f1', metrics.f1({ average: 'weighted' }), metrics.f1({ average: 'micro' }), metrics.topKAccuracy({ k: 2 })] as const;
    const h = await fit(model, new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 1 }), { epochs: 5, optimizer: opt, metrics: list, validation: new DataLoader(ds, { batchSize: 50 }), verbose: false });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'f1', 'f1_micro', 'f1_weighted', 'loss', 'precision', 'recall', 'top2_accuracy', 'val_accuracy', 'val_f1', 'val_f1_micro', 'val_f1_weighted', 'val_loss', 'val_precision', 'val_recall', 'val_top2_accuracy'].sort());
    const logs = evaluate(model, new DataLoader(ds, { batchSize: 7 }), { metrics: list });
    const yTrue = Array.from(ds.y);
    const xs = { data: ds.x, shape: [ds.length, 2] };
    const yPred = predictClasses(model, xs);
    const scores = tidy(() => predict(model, xs).toFloat32Array());
    expect(yPred).toBeInstanceOf(Int32Array);
    expect(logs.accuracy).toBeCloseTo(metrics.accuracyScore(yTrue, yPred), 10);
    expect(logs.accuracy).toBeGreaterThan(0.5);
    expect(logs.accuracy).toBeLessThan(1);
    expect(logs.precision).toBeCloseTo(metrics.precisionScore(yTrue, yPred, { average: 'macro' }), 10);
    expect(logs.recall).toBeCloseTo(metrics.recallScore(yTrue, yPred, { average: 'macro' }), 10);
    expect(logs.f1).toBeCloseTo(metrics.f1Score(yTrue, yPred, { average: 'macro' }), 10);
    expect(logs.f1_weighted).toBeCloseTo(metrics.f1Score(yTrue, yPred, { average: 'weighted' }), 10);
    expect(logs.f1_micro).toBeCloseTo(metrics.f1Score(yTrue, yPred, { average: 'micro' }), 10);
    expect(logs.top2_accuracy).toBeCloseTo(metrics.topKAccuracyScore(yTrue, { data: scores, shape: [ds.length, 4] }, { k: 2 }), 10);
    // Validation on the same data in the last epoch is the same evaluation.
    expect(h.history.val_f1!.at(-1)).toBeCloseTo(logs.f1!, 10);
    expect(logs.mae).toBeUndefined();
    model.dispose();
  });

  it('regression metrics: mae, mse (= the mse loss) and r2 over batches equal the standalone scores', async () => {
    const rng = new Rng(4);
    const n = 150, x = new Float32Array(n * 3), y = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 3; j++) x[i * 3 + j] = rng.next() * 2 - 1;
      y[i * 2] = x[i * 3] - 2 * x[i * 3 + 1] + 0.3 * rng.next() + 5;
      y[i * 2 + 1] = x[i * 3 + 2] * x[i * 3 + 2];
    }
    const ds = new TensorDataset({ data: x, shape: [n, 3] }, { data: y, shape: [n, 2] });
    const model = new nn.Sequential(new nn.Linear(3, 16, { seed: 3 }), new nn.Tanh(), new nn.Linear(16, 2, { seed: 4 }));
    const h = await fit(model, new DataLoader(ds, { batchSize: 10, shuffle: true }), { epochs: 30, optimizer: new optim.Adam(model.parameters(), { lr: 0.02 }), loss: 'mse', metrics: ['mae', 'mse', 'r2'], verbose: false });
    expect(h.history.r2!.at(-1)).toBeGreaterThan(h.history.r2![0]);
    const logs = evaluate(model, new DataLoader(ds, { batchSize: 32 }), { loss: 'mse', metrics: ['mae', 'mse', 'r2'] });
    const pred = tidy(() => predict(model, { data: x, shape: [n, 3] }).toFloat32Array());
    const yd = { data: y, shape: [n, 2] }, pd = { data: pred, shape: [n, 2] };
    expect(logs.mae).toBeCloseTo(metrics.meanAbsoluteError(yd, pd), 6);
    expect(logs.mse).toBeCloseTo(metrics.meanSquaredError(yd, pd), 6);
    expect(logs.mse).toBeCloseTo(logs.loss, 5);
    expect(logs.r2).toBeCloseTo(metrics.r2Score(yd, pd), 5);
    expect(logs.r2).toBeGreaterThan(0.8);
    model.dispose();
  });

  it('Metric objects standalone: R² of targets far from zero over several batches equals r2Score', () => {
    const r2 = metrics.r2(), mae = metrics.mae();
    const yt = R.y_true.map((v: number) => Math.fround(1e5 + v)), yp = R.y_pred.map((v: number) => Math.fround(1e5 + v));
    for (const m of [r2, mae]) {
      m.reset();
      for (let i = 0; i < yt.length; i += 7) {
        const t = tensor(yt.slice(i, i + 7)), p = tensor(yp.slice(i, i + 7));
        m.update(p, t);
        t.dispose();
        p.dispose();
      }
    }
    expect(r2.result()).toBeCloseTo(metrics.r2Score(yt, yp), 9);
    expect(mae.result()).toBeCloseTo(metrics.meanAbsoluteError(yt, yp), 9);
    const f1b = metrics.f1({ average: 'binary' });
    const p3 = tensor([[1, 0, 0]]), t3 = tensor([0]);
    expect(() => f1b.update(p3, t3)).toThrow(/average 'binary' needs two classes, the model has 3 outputs/);
    p3.dispose();
    t3.dispose();
  });

  it('refuses unknown metrics by name and duplicate log keys; EarlyStopping maximises scores', () => {
    const model = new nn.Linear(2, 4, { seed: 1 });
    const loader = new DataLoader(blobs(8, 1), { batchSize: 4 });
    expect(() => evaluate(model, loader, { metrics: ['f2' as never] })).toThrow(/unknown metric "f2" \(supported: accuracy, precision, recall, f1, mae, mse, r2/);
    expect(() => evaluate(model, loader, { metrics: [metrics.f1(), metrics.f1()] })).toThrow(/two metrics are named 'f1'/);
    expect(new EarlyStopping({ monitor: 'val_f1' }).mode).toBe('max');
    expect(new EarlyStopping({ monitor: 'val_r2' }).mode).toBe('max');
    expect(new EarlyStopping({ monitor: 'val_mae' }).mode).toBe('min');
    model.dispose();
  });
});
