import { beforeAll, describe, expect, it } from 'vitest';
import { init, memoryStats, nn, predict, predictClasses, predictProba, tidy } from '../ts/index.js';

beforeAll(() => init());

const x = { data: Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 2), shape: [20, 2] };

function rowsOf(t: { toArray(): unknown }) {
  return t.toArray() as number[][];
}

describe('predictClasses and predictProba', () => {
  it('logits model: softmax probabilities whose argmax is predictClasses; no tensors leak', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3, { seed: 1 }));
    const live = memoryStats().liveBlocks;
    const classes = predictClasses(m, x);
    const { proba, logits } = tidy(() => ({ proba: rowsOf(predictProba(m, x)), logits: rowsOf(predict(m, x)) }));
    expect(memoryStats().liveBlocks).toBe(live);
    expect(proba).toHaveLength(20);
    for (let i = 0; i < 20; i++) {
      expect(proba[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const z = logits[i], mx = Math.max(...z), e = z.map((v) => Math.exp(v - mx)), s = e.reduce((a, b) => a + b, 0);
      proba[i].forEach((p, j) => expect(p).toBeCloseTo(e[j] / s, 6));
      expect(classes[i]).toBe(z.indexOf(mx));
    }
    expect(new Set(classes).size).toBeGreaterThan(1);
    m.dispose();
  });

  it('a model ending in Softmax is not softmaxed twice; LogSoftmax outputs are exponentiated', () => {
    const soft = new nn.Sequential(new nn.Linear(2, 3, { seed: 3 }), new nn.Softmax());
    tidy(() => void expect(rowsOf(predictProba(soft, x))).toEqual(rowsOf(predict(soft, x))));
    const logsoft = new nn.Sequential(new nn.Sequential(new nn.Linear(2, 3, { seed: 3 }), new nn.LogSoftmax()));
    tidy(() => {
      const a = rowsOf(predictProba(logsoft, x)), b = rowsOf(predict(soft, x));
      a.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(b[i][j], 6)));
    });
    expect(Array.from(predictClasses(logsoft, x))).toEqual(Array.from(predictClasses(soft, x)));
    soft.dispose();
    logsoft.dispose();
  });

  it('one output column is binary: [1 − p, p] and classes at logit 0 / probability 0.5', () => {
    const logit = new nn.Linear(2, 1, { seed: 5 });
    const sig = new nn.Sequential(logit, new nn.Sigmoid());
    const z = tidy(() => predict(logit, x).toFloat32Array());
    const cls = predictClasses(logit, x);
    expect(Array.from(cls)).toEqual(Array.from(z, (v) => (v > 0 ? 1 : 0)));
    expect(Array.from(predictClasses(sig, x))).toEqual(Array.from(cls));
    expect(new Set(cls).size).toBe(2);
    tidy(() => {
      const p = rowsOf(predictProba(logit, x)), q = rowsOf(predictProba(sig, x));
      p.forEach((r, i) => {
        expect(r[1]).toBeCloseTo(1 / (1 + Math.exp(-z[i])), 6);
        expect(r[0] + r[1]).toBeCloseTo(1, 6);
        expect(q[i][1]).toBeCloseTo(r[1], 6);
      });
    });
    // Forcing the reading: the raw outputs taken as probabilities.
    expect(Array.from(predictClasses(logit, x, { outputs: 'probabilities' }))).toEqual(Array.from(z, (v) => (v > 0.5 ? 1 : 0)));
    expect(() => predictClasses(logit, x, { outputs: 'scores' as never })).toThrow(/outputs must be 'logits', 'probabilities' or 'logProbabilities'/);
    sig.dispose();
  });
});
