/**
 * The eager step's cuts for tiny networks (issue 16): the loss's NaN/Inf scans run only when the
 * loss is not finite, with the same errors as scanning first; a loss hands its gradient to the
 * linearChain below it in a plain buffer, with the bits of the path through a gradient tensor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { init, memoryStats, mseLoss, nn, optim, tensor, tidy, type Tensor } from '../ts/index.js';

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

describe('a loss hands its gradient to a linearChain without a tensor', () => {
  const X = [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]];
  /** Weights after `steps` steps; `seeded`: backward(tensor 1), the path through a gradient tensor. */
  function train(loss: 'mse' | 'ce', seeded: boolean, steps = 8): number[][] {
    const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 5 }), new nn.ReLU(), new nn.Linear(4, 2, { seed: 6 }), new nn.Sigmoid());
    const opt = new optim.SGD(model.parameters(), { lr: 0.3, momentum: 0.5 });
    const fn = loss === 'mse' ? new nn.MSELoss() : new nn.CrossEntropyLoss();
    const x = tensor(X), y = tensor([[1, 0], [0, 1], [0, 1], [1, 0]]);
    for (let i = 0; i < steps; i++) {
      tidy(() => {
        const l = fn.forward(model.forward(x), y);
        opt.zeroGrad();
        if (seeded) l.backward(tensor(1));
        else l.backward();
        opt.step();
      });
    }
    const out = model.parameters().map((p) => bits(p.toFloat32Array()));
    for (const t of [x, y]) t.dispose();
    opt.dispose();
    model.dispose();
    return out;
  }

  for (const loss of ['mse', 'ce'] as const) {
    it(`${loss}: the same bits as through a gradient tensor`, () => {
      const handed = train(loss, false);
      expect(handed).toEqual(train(loss, true));
      expect(handed).not.toEqual(train(loss, false, 0));
    });
  }

  it('makes no gradient tensor: two tensors per step (the output, the loss)', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.ReLU(), new nn.Linear(4, 1, { seed: 2 }));
    const opt = new optim.SGD(model.parameters(), { lr: 0.2 });
    const loss = new nn.MSELoss();
    const x = tensor([[1, 0, 1]]), y = tensor([[1]]);
    const step = () => tidy(() => void (opt.zeroGrad(), loss.forward(model.forward(x), y).backward(), opt.step()));
    step();
    const idOf = () => {
      const t = tensor(0);
      t.dispose();
      return t.id;
    };
    const a = idOf();
    step();
    expect(idOf() - a - 1).toBe(2);
    // Memory stays flat: the handed-over buffer and the foreach table are not leaked per step.
    const blocks = memoryStats().liveBlocks;
    for (let i = 0; i < 100; i++) step();
    expect(memoryStats().liveBlocks).toBe(blocks);
    // A target that needs a gradient takes the tensor path (it gets its own gradient).
    const yg = tensor([[1]], undefined, { requiresGrad: true });
    tidy(() => {
      opt.zeroGrad();
      loss.forward(model.forward(x), yg).backward();
    });
    expect(yg.grad).not.toBeNull();
    for (const t of [x, y, yg]) t.dispose();
    opt.dispose();
    model.dispose();
  });

  it('a weight freed before backward: the chain\'s error, and the buffer is freed', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.ReLU(), new nn.Linear(4, 1, { seed: 2 }));
    const x = tensor([[1, 0, 1]]), y = tensor([[1]]);
    const before = memoryStats().liveBlocks;
    let w: Tensor | null = null;
    expect(() =>
      tidy(() => {
        const l = new nn.MSELoss().forward(model.forward(x), y);
        w = model.parameters()[2];
        w.dispose();
        l.backward();
      }),
    ).toThrow(/backward: the graph behind this tensor was freed: layer 1's weight \[4,1\] of linearChain was disposed/);
    // The freed weight's block is gone; nothing else stayed.
    expect(memoryStats().liveBlocks).toBe(before - 1);
    expect(w!.isDisposed).toBe(true);
    for (const t of [x, y]) t.dispose();
    model.dispose();
  });
});
