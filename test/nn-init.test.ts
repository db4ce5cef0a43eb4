/** nn.init: distributions (moments and bounds on large tensors), orthogonality, fans, seeds. */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { init, manualSeed, nn, zeros } from '../ts/index.js';

beforeAll(() => init());

function stats(a: Float32Array) {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const v of a) {
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

describe('nn.init', () => {
  const [IN, OUT] = [400, 300];

  it('xavier/glorot uniform and normal: bound, mean, std from fanIn + fanOut', () => {
    const w = zeros([IN, OUT], { requiresGrad: true });
    const a = Math.sqrt(6 / (IN + OUT));
    let s = stats(nn.init.xavierUniform(w, { seed: 1 }).toFloat32Array());
    expect(s.max).toBeLessThanOrEqual(a);
    expect(s.min).toBeGreaterThanOrEqual(-a);
    expect(s.max).toBeGreaterThan(0.999 * a);
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * a);
    expect(s.std / (a / Math.sqrt(3))).toBeCloseTo(1, 2);
    s = stats(nn.init.xavierNormal(w, { gain: 2, seed: 2 }).toFloat32Array());
    const std = 2 * Math.sqrt(2 / (IN + OUT));
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * std);
    expect(s.std / std).toBeCloseTo(1, 2);
    w.dispose();
  });

  it('kaiming/he: gain from nonlinearity and a, fan from mode, in the [in, out] layout', () => {
    const w = zeros([IN, OUT], { requiresGrad: true });
    const check = (std: number, bound?: number) => {
      const s = stats(w.toFloat32Array());
      expect(s.std / std).toBeCloseTo(1, 2);
      expect(Math.abs(s.mean)).toBeLessThan(0.01 * std);
      if (bound !== undefined) expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(bound);
    };
    // Default: leaky_relu with a = 0 → gain √2, fanIn = shape[0] = in.
    nn.init.kaimingUniform(w, { seed: 3 });
    check(Math.SQRT2 / Math.sqrt(IN), Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(IN)));
    nn.init.kaimingUniform(w, { mode: 'fanOut', a: 0.5, seed: 4 });
    const g = Math.sqrt(2 / (1 + 0.25));
    check(g / Math.sqrt(OUT), (Math.sqrt(3) * g) / Math.sqrt(OUT));
    nn.init.kaimingNormal(w, { nonlinearity: 'tanh', seed: 5 });
    check(5 / 3 / Math.sqrt(IN));
    nn.init.kaimingNormal(w, { nonlinearity: 'relu', mode: 'fanOut', seed: 6 });
    check(Math.SQRT2 / Math.sqrt(OUT));
    w.dispose();
  });

  it('fans: [in, out] and a receptive field; calculateGain matches PyTorch', () => {
    const w = zeros([4, 5, 6]), v = zeros([3]);
    expect(nn.init.fans(w)).toEqual([24, 30]);
    expect(() => nn.init.xavierUniform(v)).toThrow('xavierUniform: fan in and fan out need a tensor of rank ≥ 2 ([in, out]), got [3]');
    expect(() => nn.init.kaimingNormal(w, { mode: 'fan_in' as any })).toThrow(/kaimingNormal: mode must be 'fanIn' or 'fanOut'/);
    expect(() => nn.init.kaimingNormal(w, { nonlinearity: 'gelu' as any })).toThrow(/calculateGain: unknown nonlinearity "gelu"/);
    expect(nn.init.calculateGain('tanh')).toBe(5 / 3);
    expect(nn.init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 1e-4)), 12);
    expect(nn.init.calculateGain('selu')).toBe(0.75);
    for (const t of [w, v]) t.dispose();
  });

  it('orthogonal: WᵀW = gain²·I for tall, WWᵀ for wide', () => {
    for (const [r, c, gain] of [[64, 32, 1], [32, 64, 2], [20, 20, 1]] as const) {
      const w = nn.init.orthogonal(zeros([r, c]), { gain, seed: 7 });
      const d = w.toFloat32Array();
      const tall = r >= c;
      const n = tall ? c : r, len = tall ? r : c;
      const at = (i: number, j: number) => d[i * c + j];
      let worst = 0;
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          let dot = 0;
          for (let t = 0; t < len; t++) dot += tall ? at(t, a) * at(t, b) : at(a, t) * at(b, t);
          worst = Math.max(worst, Math.abs(dot - (a === b ? gain * gain : 0)));
        }
      }
      expect(worst).toBeLessThan(1e-5 * gain * gain);
      w.dispose();
    }
    expect(() => nn.init.orthogonal(zeros([5]))).toThrow('orthogonal: needs a tensor of rank ≥ 2, got [5]');
  });

  it('deterministic by seed (and by manualSeed without one); constant, zeros, ones', () => {
    for (const f of [nn.init.xavierUniform, nn.init.xavierNormal, nn.init.kaimingUniform, nn.init.kaimingNormal, nn.init.orthogonal]) {
      const [a, b, c] = [zeros([30, 20]), zeros([30, 20]), zeros([30, 20])];
      f(a, { seed: 11 });
      f(b, { seed: 11 });
      f(c, { seed: 12 });
      expect(bits(a.toFloat32Array())).toEqual(bits(b.toFloat32Array()));
      expect(bits(a.toFloat32Array())).not.toEqual(bits(c.toFloat32Array()));
      manualSeed(5);
      f(a);
      manualSeed(5);
      f(b);
      expect(bits(a.toFloat32Array())).toEqual(bits(b.toFloat32Array()));
      expect(() => f(a, { seed: NaN })).toThrow(/seed must be a finite number/);
      for (const t of [a, b, c]) t.dispose();
    }
    const t = zeros([2, 3], { requiresGrad: true });
    expect(Array.from(nn.init.constant(t, 0.5).toFloat32Array())).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(nn.init.ones(t).toFloat32Array())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(nn.init.zeros(t).toFloat32Array())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(t.requiresGrad).toBe(true);
    expect(() => nn.init.zeros([1, 2] as any)).toThrow('zeros: expected a Tensor, got object');
    t.dispose();
  });

  it('initialises a Linear layer in place', () => {
    const layer = new nn.Linear(50, 10, { seed: 1 });
    nn.init.orthogonal(layer.weight, { seed: 2 });
    nn.init.zeros(layer.bias!);
    expect(stats(layer.bias!.toFloat32Array()).max).toBe(0);
    expect(layer.parameters()[0]).toBe(layer.weight);
    layer.dispose();
  });
});
