/**
 * Sequential's fused Conv2d [+ activation] + 2×2 max pool (inference only): the same bits as the
 * layers run apart, on the kernels' paths and odd sizes; training, other pools and outputs too
 * small to pool keep the separate layers.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ShapeError, init, memoryStats, nn, noGrad, randn, tidy, type Tensor } from '../ts/index.js';

beforeAll(() => init());
afterEach(() => vi.restoreAllMocks());

const bits = (t: Tensor) => Array.from(new Uint32Array(t.toFloat32Array().buffer));

/** The model's layers one by one, each layer's own forward (no fusion at all). */
function apart(model: nn.Sequential, x: Tensor): Tensor {
  return model.layers.reduce((h: Tensor, l) => l.forward(h) as Tensor, x);
}

describe('Sequential: Conv2d + activation + 2×2 max pool in one kernel (inference)', () => {
  // LeNet-5 (direct first layer, channels-in-lanes second), odd sizes, no activation, tanh, and
  // the Winograd and im2col + GEMM paths.
  const cases: [string, () => nn.Sequential, number[]][] = [
    ['LeNet-5', () => new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2, seed: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5, { seed: 2 }), new nn.ReLU(), new nn.MaxPool2d(2)), [5, 1, 28, 28]],
    ['odd sizes, no activation, tanh', () => new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1, seed: 3 }), new nn.MaxPool2d(2), new nn.Conv2d(3, 9, 3, { seed: 4 }), new nn.Tanh(), new nn.MaxPool2d(2)), [3, 2, 19, 17]],
    ['Winograd and GEMM paths', () => new nn.Sequential(new nn.Conv2d(8, 16, 3, { padding: 1, seed: 5 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(16, 4, 3, { stride: 2, seed: 6 }), new nn.Sigmoid(), new nn.MaxPool2d(2)), [2, 8, 13, 14]],
  ];
  for (const [name, make, shape] of cases) {
    it(`the same bits as the layers apart, without calling the pools — ${name}`, () => {
      tidy(() => {
        const model = make();
        const x = randn(shape, { seed: 7 });
        const want = noGrad(() => apart(model, x));
        const pools = vi.spyOn(nn.MaxPool2d.prototype, 'forward');
        const got = noGrad(() => model.forward(x));
        expect(pools).not.toHaveBeenCalled();
        expect(got.shape).toEqual(want.shape);
        expect(bits(got)).toEqual(bits(want));
      });
    });
  }

  it('training (a graph to record) runs the layers apart and its gradients flow', () => {
    tidy(() => {
      const model = cases[0][1]();
      const x = randn([2, 1, 28, 28], { seed: 8 });
      const pools = vi.spyOn(nn.MaxPool2d.prototype, 'forward');
      const y = model.forward(x);
      expect(pools).toHaveBeenCalledTimes(2);
      expect(y.requiresGrad).toBe(true);
      y.sum().backward();
      const g = (model.layers[0] as nn.Conv2d).weight.grad!;
      expect(g.toFloat32Array().some((v) => v !== 0)).toBe(true);
      expect(bits(noGrad(() => model.forward(x)))).toEqual(bits(y.detach()));
    });
  });

  it('other pools (stride 1, 3×3) are not fused and stay correct', () => {
    tidy(() => {
      const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { seed: 9 }), new nn.ReLU(), new nn.MaxPool2d(2, { stride: 1 }), new nn.Conv2d(4, 4, 3, { seed: 10 }), new nn.MaxPool2d(3));
      const x = randn([2, 1, 12, 12], { seed: 11 });
      const pools = vi.spyOn(nn.MaxPool2d.prototype, 'forward');
      const got = noGrad(() => model.forward(x));
      expect(pools).toHaveBeenCalledTimes(2);
      expect(bits(got)).toEqual(bits(noGrad(() => apart(model, x))));
    });
  });

  it('a conv output too small to pool is the pool\'s ShapeError; the library stays usable, memory flat', () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3, { seed: 12 }), new nn.ReLU(), new nn.MaxPool2d(2));
    const small = randn([1, 1, 3, 3], { seed: 13 });
    const ok = randn([1, 1, 6, 6], { seed: 14 });
    tidy(() => noGrad(() => model.forward(ok)));
    expect(() => tidy(() => noGrad(() => model.forward(small)))).toThrow(ShapeError); // warms the allocator's pool
    const before = memoryStats();
    expect(() => tidy(() => noGrad(() => model.forward(small)))).toThrow(ShapeError);
    expect(() => tidy(() => noGrad(() => model.forward(small)))).toThrow(/maxPool2d: input \[1,\s?2,\s?1,\s?1\]/);
    expect(memoryStats()).toEqual(before);
    expect(tidy(() => noGrad(() => model.forward(ok)).shape)).toEqual([1, 2, 2, 2]);
    for (const t of [small, ok]) t.dispose();
  });
});
