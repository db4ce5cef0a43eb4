/** clipGradNorm / clipGradValue against float64 references (PyTorch's clip_grad_norm_ / clip_grad_value_). */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { init, nn, optim, Rng, tensor, type Tensor } from '../ts/index.js';

beforeAll(() => init());

function withGrads(seed: number, shapes: number[][]): { params: Tensor[]; grads: Float32Array[] } {
  const rng = new Rng(seed);
  const params: Tensor[] = [], grads: Float32Array[] = [];
  for (const shape of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const g = Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * 3);
    const p = tensor(new Float32Array(n), shape, { requiresGrad: true });
    p.grad = tensor(g, shape);
    params.push(p);
    grads.push(g);
  }
  return { params, grads };
}

function refNorm(grads: Float32Array[], p: number): number {
  const all = grads.flatMap((g) => Array.from(g));
  if (p === Infinity) return Math.max(...all.map(Math.abs));
  return all.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);
}

describe('clipGradNorm', () => {
  for (const p of [2, 1, 3, Infinity]) {
    it(`normType ${p}: returns the joint norm and scales every gradient by maxNorm / (norm + 1e-6)`, () => {
      const { params, grads } = withGrads(1, [[30, 20], [20], [7, 3]]);
      const want = refNorm(grads, p);
      const maxNorm = want / 4;
      const got = optim.clipGradNorm(params, maxNorm, p);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * want);
      const coef = Math.fround(maxNorm / (got + 1e-6));
      params.forEach((t, i) => expect(bits(t.grad!.toFloat32Array())).toEqual(bits(grads[i].map((v) => Math.fround(coef * v)))));
      expect(refNorm(params.map((t) => t.grad!.toFloat32Array()), p) / maxNorm).toBeCloseTo(1, 5);
      for (const t of params) t.dispose();
    });
  }

  it('leaves gradients alone under maxNorm, skips parameters without one, reports NaN without scaling', () => {
    const { params, grads } = withGrads(2, [[10], [5, 2]]);
    const plain = tensor([1, 2], undefined, { requiresGrad: true });
    const norm = optim.clipGradNorm([...params, plain], 1e9);
    expect(norm).toBeCloseTo(refNorm(grads, 2), 10);
    params.forEach((t, i) => expect(bits(t.grad!.toFloat32Array())).toEqual(bits(grads[i])));
    expect(optim.clipGradNorm([plain], 1)).toBe(0);
    params[0].grad!.data[3] = NaN;
    expect(optim.clipGradNorm(params, 1e-3)).toBeNaN();
    expect(bits(params[1].grad!.toFloat32Array())).toEqual(bits(grads[1]));
    expect(() => optim.clipGradNorm(params, -1)).toThrow('clipGradNorm: maxNorm must be a number ≥ 0, got -1');
    expect(() => optim.clipGradNorm(params, 1, 0)).toThrow(/clipGradNorm: normType must be a number > 0 or Infinity, got 0/);
    expect(() => optim.clipGradNorm(42 as any, 1)).toThrow(/clipGradNorm: params must be a tensor or an iterable of tensors/);
    for (const t of [...params, plain]) t.dispose();
  });

  it('takes a module\'s parameters and a single tensor', () => {
    const m = new nn.Linear(3, 2, { seed: 1 });
    m.forward(tensor([[1, 2, 3]])).sum().backward();
    const want = refNorm(m.parameters().map((p) => p.grad!.toFloat32Array()), 2);
    expect(optim.clipGradNorm(m.parameters(), 0.5)).toBeCloseTo(want, 6);
    expect(optim.clipGradNorm(m.weight, 100)).toBeLessThanOrEqual(0.5);
    m.dispose();
  });
});

describe('clipGradValue', () => {
  it('clamps every gradient element to ±clipValue', () => {
    const { params, grads } = withGrads(3, [[40], [6, 6]]);
    optim.clipGradValue(params, 1.25);
    params.forEach((t, i) => expect(Array.from(t.grad!.toFloat32Array())).toEqual(Array.from(grads[i], (v) => Math.min(1.25, Math.max(-1.25, v)))));
    expect(() => optim.clipGradValue(params, -1)).toThrow('clipGradValue: clipValue must be a finite number ≥ 0, got -1');
    for (const t of params) t.dispose();
  });
});
