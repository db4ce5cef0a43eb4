/**
 * Convolution and pooling beyond the gradient checks: exact small cases, bad geometry reported
 * before anything is allocated, memory flat over many training steps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KnobsError, ShapeError, avgPool2d, conv2d, init, maxPool2d, memoryStats, nn, noGrad, optim, randn, tensor, tidy, zeros } from '../ts/index.js';

beforeAll(() => init());

describe('conv2d / pooling', () => {
  it('exact values on a hand-computed case (an edge detector on a step image)', () => {
    tidy(() => {
      // 1×1×4×4 image: left half 0, right half 1; a horizontal-gradient kernel [-1, 1].
      const x = tensor([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1], [1, 1, 4, 4]);
      const w = tensor([-1, 1], [1, 1, 1, 2]);
      expect(conv2d(x, w).toArray()).toEqual([[[[0, 1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]]]]);
      expect(maxPool2d(x, 2).toArray()).toEqual([[[[0, 1], [0, 1]]]]);
      expect(avgPool2d(x, [4, 2]).toArray()).toEqual([[[[0, 1]]]]);
    });
  });

  it('inference paths (conv+activation fused, max-pool without indices) give the training paths\' values', () => {
    tidy(() => {
      // Direct first layer (1 channel), the im2col + GEMM layer after it, both max-pool paths.
      const model = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2, seed: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 5, 3, { seed: 2 }), new nn.Tanh(), new nn.MaxPool2d(2), new nn.Conv2d(5, 3, 1, { seed: 3 }), new nn.Sigmoid());
      const x = randn([3, 1, 16, 16], { seed: 4, requiresGrad: true });
      const trained = model.forward(x); // with a graph: conv, then the activation op; pools keep indices
      expect(trained.requiresGrad).toBe(true);
      const fused = noGrad(() => model.forward(x));
      expect(fused.requiresGrad).toBe(false);
      const [a, b] = [trained.toFloat32Array(), fused.toFloat32Array()];
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6);
      // Relu's and max's paths are the same arithmetic: equal bits.
      const x2 = noGrad(() => model.layers[1].forward(model.layers[0].forward(x)));
      const leaf = x2.clone().requireGrad();
      const indexed = maxPool2d(leaf, 2);
      expect(indexed.requiresGrad).toBe(true);
      expect(Array.from(noGrad(() => maxPool2d(x2, 2)).toFloat32Array())).toEqual(Array.from(indexed.toFloat32Array()));
    });
  });

  it('2×2 max-pool without indices keeps the indexed pick bit for bit (ties, ±0, NaN; 3, 5, 8, 14 wide)', () => {
    tidy(() => {
      for (const w of [6, 10, 16, 28]) {
        // A coarse grid of values (many equal maxima), signed zeros and NaNs at a prime stride.
        const n = 2 * 3 * 6 * w;
        const v = Array.from({ length: n }, (_, i) => (i % 13 === 4 ? NaN : i % 7 === 2 ? -0 : ((i * 37) % 5) - 2));
        const x = tensor(v, [2, 3, 6, w]);
        const fast = noGrad(() => maxPool2d(x, 2));
        const indexed = maxPool2d(x.clone().requireGrad(), 2);
        expect(Array.from(new Uint32Array(fast.toFloat32Array().buffer))).toEqual(Array.from(new Uint32Array(indexed.toFloat32Array().buffer)));
      }
    });
  });

  it('max pooling sends the gradient to the first of equal maxima', () => {
    tidy(() => {
      const x = tensor([5, 5, 1, 5], [1, 1, 2, 2], { requiresGrad: true });
      maxPool2d(x, 2).sum().backward();
      expect(Array.from(x.grad!.toFloat32Array())).toEqual([1, 0, 0, 0]);
    });
  });

  const z = zeros;
  const bad: [string, () => unknown[], (ts: never[]) => unknown, typeof KnobsError, RegExp][] = [
    ['kernel larger than the padded input', () => [z([1, 1, 4, 4]), z([1, 1, 5, 5])], ([x, w]) => conv2d(x, w), ShapeError, /^conv2d: input \[1,1,4,4\] is smaller along height \(4 \+ 2·0 padding\) than the kernel \(5/],
    ['channel mismatch', () => [z([2, 3, 8, 8]), z([4, 2, 3, 3])], ([x, w]) => conv2d(x, w), ShapeError, /^conv2d: input \[2,3,8,8\] has 3 channels but weight \[4,2,3,3\] expects 2/],
    ['groups not dividing channels', () => [z([1, 3, 8, 8]), z([4, 1, 3, 3])], ([x, w]) => conv2d(x, w, null, { groups: 2 }), ShapeError, /^conv2d: groups 2 must divide the input channels \(3\)/],
    ['input not 4-D', () => [z([3, 8, 8]), z([4, 3, 3, 3])], ([x, w]) => conv2d(x, w), ShapeError, /^conv2d: input must be 4-D \[batch, channels, height, width\], got \[3,8,8\]/],
    ['bias of the wrong size', () => [z([1, 3, 8, 8]), z([4, 3, 3, 3]), z([3])], ([x, w, b]) => conv2d(x, w, b), ShapeError, /^conv2d: bias \[3\] does not fit weight \[4,3,3,3\]/],
    ["'same' with stride 2", () => [z([1, 1, 8, 8]), z([1, 1, 3, 3])], ([x, w]) => conv2d(x, w, null, { padding: 'same', stride: 2 }), KnobsError, /^conv2d: padding 'same' needs stride 1/],
    ["'same' with an even kernel", () => [z([1, 1, 8, 8]), z([1, 1, 2, 2])], ([x, w]) => conv2d(x, w, null, { padding: 'same' }), KnobsError, /^conv2d: padding 'same' with kernel 2×2/],
    ['a negative stride', () => [z([1, 1, 8, 8]), z([1, 1, 3, 3])], ([x, w]) => conv2d(x, w, null, { stride: -1 }), KnobsError, /^conv2d: stride must be an integer ≥ 1 or a pair of them, got -1/],
    ['an unknown option', () => [z([1, 1, 8, 8]), z([1, 1, 3, 3])], ([x, w]) => conv2d(x, w, null, { strides: 2 } as never), KnobsError, /^conv2d: unknown option 'strides' \(allowed: stride, padding, dilation, groups\)/],
    ['pool padding over half the kernel', () => [z([1, 1, 8, 8])], ([x]) => maxPool2d(x, 2, { padding: 2 }), KnobsError, /^maxPool2d: padding 2×2 must be at most half the kernel 2×2/],
    ['pool window larger than the input', () => [z([1, 1, 3, 3])], ([x]) => avgPool2d(x, 4), ShapeError, /^avgPool2d: input \[1,1,3,3\] is smaller along height/],
  ];
  for (const [name, make, call, Err, pattern] of bad) {
    it(`bad geometry: ${name} — a clear error, nothing allocated`, () => {
      tidy(() => {
        const operands = make() as never[];
        const before = memoryStats();
        let caught: unknown = null;
        try {
          call(operands);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(Err);
        expect((caught as Error).message).toMatch(pattern);
        expect(memoryStats().liveBlocks).toBe(before.liveBlocks);
      });
    });
  }

  it('memory stays flat over 200 training steps of a small conv net', () => {
    const w1 = randn([4, 1, 3, 3], { seed: 1, std: 0.3, requiresGrad: true });
    const w2 = randn([4 * 3 * 3, 2], { seed: 2, std: 0.3, requiresGrad: true });
    const x = randn([8, 1, 8, 8], { seed: 3 });
    const y = tensor(Array.from({ length: 8 }, (_, i) => i % 2));
    const opt = new optim.SGD([w1, w2], { lr: 0.05 });
    const step = () =>
      tidy(() => {
        const h = maxPool2d(conv2d(x, w1, null, { padding: 1 }).relu(), 2, { stride: 2, padding: 0 });
        const logits = avgPool2d(h, [1, 1]).reshape([8, 4 * 4 * 4]).matmul(zeros([64, 36]).add(0.01)).matmul(w2);
        const loss = logits.sub(y.reshape([8, 1])).pow(2).mean();
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item();
      });
    const first = step();
    for (let i = 0; i < 10; i++) step();
    const before = memoryStats();
    let last = first;
    for (let i = 0; i < 200; i++) last = step();
    expect(memoryStats()).toEqual(before);
    expect(last).toBeLessThan(first);
    for (const t of [w1, w2, x, y]) t.dispose();
    opt.zeroGrad();
  });
});
