/**
 * The convolutional layers beyond their gradient checks (gradcheck.test.ts): errors that name
 * the layer, batch normalisation's running statistics and eval mode, and a CNN saved and loaded.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KnobsError, ShapeError, init, memoryStats, nn, noGrad, optim, randn, tensor, tidy, zeros } from '../ts/index.js';
import { loadModel, saveModel } from '../ts/io/save.js';

beforeAll(() => init());

function lenet(seed: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 5, { padding: 2, seed }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(4, 6, 3, { seed: seed + 1 }),
    new nn.BatchNorm2d(6),
    new nn.ReLU(),
    new nn.AvgPool2d(2),
    new nn.AdaptiveAvgPool2d(2),
    new nn.Flatten(),
    new nn.Linear(24, 10, { seed: seed + 2 }),
  );
}

describe('convolutional layers', () => {
  const bad: [string, () => unknown, typeof KnobsError, RegExp][] = [
    ['Conv2d: channel mismatch', () => new nn.Conv2d(3, 8, 3).forward(zeros([2, 1, 8, 8])), ShapeError, /^Conv2d\(3, 8, kernelSize=\[3,3\]\): input \[2,1,8,8\] has 1 channels, expected 3/],
    ['Conv2d: kernel larger than the padded input', () => new nn.Conv2d(1, 2, 5).forward(zeros([1, 1, 4, 4])), ShapeError, /^Conv2d\(1, 2, kernelSize=\[5,5\]\): conv2d: input \[1,1,4,4\] is smaller along height/],
    ['Conv2d: not 4-D', () => new nn.Conv2d(1, 2, 3).forward(zeros([1, 8, 8])), ShapeError, /^Conv2d\(1, 2, kernelSize=\[3,3\]\): input must be 4-D \[batch, channels, height, width\], got \[1,8,8\]/],
    ['Conv1d: channel mismatch', () => new nn.Conv1d(2, 4, 3).forward(zeros([1, 3, 9])), ShapeError, /^Conv1d\(2, 4, kernelSize=3\): input \[1,3,9\] has 3 channels, expected 2/],
    ['MaxPool2d: window larger than the input', () => new nn.MaxPool2d(4).forward(zeros([1, 1, 3, 3])), ShapeError, /^MaxPool2d\(kernelSize=\[4,4\]\): maxPool2d: input \[1,1,3,3\] is smaller along height/],
    ['AvgPool2d: not 4-D', () => new nn.AvgPool2d(2).forward(zeros([4, 4])), ShapeError, /^AvgPool2d\(kernelSize=\[2,2\]\): input must be 4-D/],
    ['AdaptiveAvgPool2d: output larger than the input', () => new nn.AdaptiveAvgPool2d(5).forward(zeros([1, 1, 4, 6])), ShapeError, /^AdaptiveAvgPool2d\(outputSize=\[5,5\]\): input \[1,1,4,6\] is smaller than the output size \[5,5\]/],
    ['BatchNorm2d: channel mismatch', () => new nn.BatchNorm2d(3).forward(zeros([2, 4, 2, 2])), ShapeError, /^BatchNorm2d\(3\): input \[2,4,2,2\] has 4 channels, expected 3/],
    ['BatchNorm1d: wrong rank', () => new nn.BatchNorm1d(3).forward(zeros([2, 3, 2, 2])), ShapeError, /^BatchNorm1d\(3\): input must be 2-D \[batch, features\] or 3-D/],
    ['BatchNorm1d: one value per channel while training', () => new nn.BatchNorm1d(3).forward(zeros([1, 3])), ShapeError, /^BatchNorm1d\(3\): expected more than 1 value per channel when training, got input \[1,3\]/],
    ['Flatten: axis out of range', () => new nn.Flatten(1, 5).forward(zeros([2, 3])), KnobsError, /^Flatten\(1, 5\): flatten: /],
  ];
  for (const [name, fn, Err, pattern] of bad) {
    it(`bad geometry names the layer — ${name}`, () => {
      let caught: unknown = null;
      tidy(() => {
        try {
          fn();
        } catch (e) {
          caught = e;
        }
      });
      expect(caught).toBeInstanceOf(Err);
      expect((caught as Error).message).toMatch(pattern);
    });
  }

  const badOptions: [string, () => unknown, RegExp][] = [
    ['groups not dividing channels', () => new nn.Conv2d(3, 4, 3, { groups: 2 }), /^Conv2d: groups 2 must divide inChannels \(3\) and outChannels \(4\)/],
    ['zero kernel', () => new nn.Conv2d(3, 4, 0), /^Conv2d: kernelSize must be an integer ≥ 1 or a pair of them, got 0/],
    ["'same' with stride 2", () => new nn.Conv2d(1, 1, 3, { padding: 'same', stride: 2 }), /^Conv2d: padding 'same' needs stride 1/],
    ['unknown option', () => new nn.Conv2d(1, 1, 3, { strides: 2 } as never), /^Conv2d: unknown config key\(s\) 'strides'/],
    ['Conv1d negative padding', () => new nn.Conv1d(1, 1, 3, { padding: -1 }), /^Conv1d: padding must be an integer ≥ 0, got -1/],
    ['pool padding over half the kernel', () => new nn.MaxPool2d(2, { padding: 2 }), /^MaxPool2d: padding \[2,2\] must be at most half the kernel \[2,2\]/],
    ['BatchNorm momentum above 1', () => new nn.BatchNorm2d(3, { momentum: 2 }), /^BatchNorm2d: momentum must be a number in \[0, 1\], got 2/],
  ];
  for (const [name, fn, pattern] of badOptions) {
    it(`bad options are refused before anything is allocated — ${name}`, () => {
      const before = memoryStats().liveBlocks;
      expect(fn).toThrow(pattern);
      expect(memoryStats().liveBlocks).toBe(before);
    });
  }

  it("Conv2d uses PyTorch's default init: U(±1/√fanIn), fanIn = inChannels/groups · kh · kw", () => {
    const c = new nn.Conv2d(8, 16, [3, 5], { groups: 2, seed: 3 });
    expect(c.weight.shape).toEqual([16, 4, 3, 5]);
    const bound = 1 / Math.sqrt(4 * 15);
    const w = c.weight.toFloat32Array();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Math.max(...c.bias!.toFloat32Array().map(Math.abs))).toBeLessThanOrEqual(bound);
    // Seeded: the same seed gives the same weights.
    expect(new nn.Conv2d(8, 16, [3, 5], { groups: 2, seed: 3 }).weight.toFloat32Array()).toEqual(w);
    c.dispose();
  });

  it('BatchNorm2d: running estimates follow momentum (unbiased variance); eval() normalises with them', () => {
    tidy(() => {
      const bn = new nn.BatchNorm2d(2, { momentum: 0.5 });
      // Channel 0 holds 1..8, channel 1 holds 10·(1..8), batch of 2 with 2×2 pixels.
      const vals = [1, 2, 3, 4, 10, 20, 30, 40, 5, 6, 7, 8, 50, 60, 70, 80];
      const x = tensor(vals, [2, 2, 2, 2]);
      const y = bn.forward(x).toFloat32Array();
      // Training output is standardised per channel: mean 0, biased variance 1 (up to eps).
      for (const c of [0, 1]) {
        const ys = [0, 1, 2, 3, 8, 9, 10, 11].map((i) => y[i + 4 * c]);
        expect(ys.reduce((a, b) => a + b) / 8).toBeCloseTo(0, 5);
        expect(ys.reduce((a, b) => a + b * b, 0) / 8).toBeCloseTo(1, 3);
      }
      // mean 4.5 and 45; unbiased variance 6 and 600; momentum 0.5 from (0, 1).
      const rm = bn.runningMean!.toFloat32Array(), rv = bn.runningVar!.toFloat32Array();
      expect(rm[0]).toBeCloseTo(2.25, 5);
      expect(rm[1]).toBeCloseTo(22.5, 4);
      expect(rv[0]).toBeCloseTo(0.5 + 3, 4);
      expect(rv[1]).toBeCloseTo(0.5 + 300, 2);
      expect(bn.numBatchesTracked!.toFloat32Array()[0]).toBe(1);
      bn.eval();
      const e = bn.forward(tensor([2.25, 22.5 + Math.sqrt(300.5 + 1e-5)], [1, 2, 1, 1])).toFloat32Array();
      expect(e[0]).toBeCloseTo(0, 5);
      expect(e[1]).toBeCloseTo(1, 4);
      // eval() leaves the estimates alone.
      expect(bn.runningMean!.toFloat32Array()).toEqual(rm);
      expect(bn.numBatchesTracked!.toFloat32Array()[0]).toBe(1);
      bn.dispose();
    });
  });

  it('BatchNorm without running statistics uses batch statistics in eval() too, and has no buffers', () => {
    tidy(() => {
      const bn = new nn.BatchNorm1d(2, { trackRunningStats: false }).eval();
      expect(bn.buffers()).toEqual([]);
      const y = bn.forward(tensor([1, 10, 3, 30], [2, 2])).toArray();
      expect((y as number[][]).flat().map((v) => Math.round(v * 1e3) / 1e3)).toEqual([-1, -1, 1, 1]);
      bn.dispose();
    });
  });

  it('a CNN with batch norm saves and loads: same spec, weights, running statistics and predictions', () => {
    tidy(() => {
      const a = lenet(7);
      const opt = new optim.Adam(a.parameters(), { lr: 0.01 });
      const x = randn([8, 1, 12, 12], { seed: 5 });
      for (let i = 0; i < 3; i++) {
        tidy(() => {
          opt.zeroGrad();
          a.forward(x).pow(2).mean().backward();
          opt.step();
        });
      }
      a.eval();
      const want = noGrad(() => a.forward(x)).toFloat32Array();
      const saved = saveModel(a, opt);
      const { model: b } = loadModel<nn.Sequential>({ weights: saved.weights.slice(), json: saved.json });
      expect(b.layers.map((m) => m.constructor.name)).toEqual(a.layers.map((m) => m.constructor.name));
      expect(b.stateDict()['4.running_mean'].data).toEqual(a.stateDict()['4.running_mean'].data);
      expect(b.stateDict()['4.num_batches_tracked'].data[0]).toBe(3);
      b.eval();
      expect(noGrad(() => b.forward(x)).toFloat32Array()).toEqual(want);
      a.dispose();
      b.dispose();
      opt.dispose();
    });
  });

  it('memory stays flat over CNN training steps', () => {
    const m = lenet(11);
    const opt = new optim.SGD(m.parameters(), { lr: 0.01 });
    const x = randn([4, 1, 12, 12], { seed: 6 });
    const step = () =>
      tidy(() => {
        opt.zeroGrad();
        m.forward(x).pow(2).mean().backward();
        opt.step();
      });
    step();
    const before = memoryStats().liveBlocks;
    for (let i = 0; i < 20; i++) step();
    expect(memoryStats().liveBlocks).toBe(before);
    m.dispose();
    opt.dispose();
    x.dispose();
  });
});
