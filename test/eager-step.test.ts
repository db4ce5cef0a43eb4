/**
 * The eager step's cuts for tiny networks (issue 16): the loss's NaN/Inf scans run only when the
 * loss is not finite, with the same errors as scanning first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, memoryStats, mseLoss, nn, optim, tensor, tidy } from '../ts/index.js';

beforeAll(() => init());

describe('mseLoss scans its inputs only for a non-finite loss', () => {
  it('names the input and the first bad element, as the scan-first order did, and leaks nothing', () => {
    const p = tensor([1, 2, 3]), t = tensor([1, 2, 3]);
    const bad = tensor([1, NaN, -Infinity]), inf = tensor([Infinity]);
    const before = memoryStats().liveBlocks;
    expect(() => mseLoss(bad, t)).toThrow('mseLoss: prediction [3] contains NaN or Infinity (first at flat index 1: NaN)');
    expect(() => mseLoss(p, bad, 'sum')).toThrow('mseLoss: target [3] contains NaN or Infinity (first at flat index 1: NaN)');
    // Both bad: the prediction is named first.
    expect(() => mseLoss(bad, bad)).toThrow(/mseLoss: prediction \[3\]/);
    expect(() => mseLoss(inf, inf)).toThrow('mseLoss: prediction [1] contains NaN or Infinity (first at flat index 0: Infinity)');
    expect(memoryStats().liveBlocks).toBe(before);
    for (const x of [p, t, bad, inf]) x.dispose();
  });

  it('a finite input whose square overflows gives Infinity, not an error', () => {
    const l = mseLoss(tensor([3e38]), tensor([-3e38]));
    expect(l.item()).toBe(Infinity);
  });

  it('a NaN input in a training step updates nothing', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.ReLU(), new nn.Linear(4, 1, { seed: 2 }));
    const opt = new optim.SGD(model.parameters(), { lr: 0.2 });
    const w = model.parameters().map((q) => q.toFloat32Array());
    const x = tensor([[1, NaN, 1]]), y = tensor([[1]]);
    expect(() =>
      tidy(() => {
        const l = new nn.MSELoss().forward(model.forward(x), y);
        opt.zeroGrad();
        l.backward();
        opt.step();
      }),
    ).toThrow(/mseLoss: prediction \[1,1\] contains NaN or Infinity/);
    model.parameters().forEach((q, i) => expect(q.toFloat32Array()).toEqual(w[i]));
  });
});
