/**
 * SGD's foreach step (one sgd_foreach call for every parameter) against the per-parameter sgd
 * calls it replaces, which a swapped kernel table (compileStep's trace) still gets: same bits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { init, memoryStats, nn, optim, tensor, tidy, type Tensor } from '../ts/index.js';
import { _kernelsRecording } from '../ts/backend/wasm.js';
import { countKernelCalls } from '../ts/backend/count-kernels.js';

beforeAll(() => init());

/** fn under a counting table that poses as compileStep's recording one. */
const counting = <T>(fn: () => T) => countKernelCalls(fn, true);

function net(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(3, 5, { seed: 3 }), new nn.Tanh(), new nn.Linear(5, 2, { seed: 4 }));
}

function train(opts: optim.SGDOptions, steps: number, perParameter: boolean): { params: number[][]; velocity: number[][] } {
  const model = net();
  const opt = new optim.SGD(model.parameters(), opts);
  const x = tensor([[1, -2, 0.5], [0.25, 1, -1]]), y = tensor([[0.5, -1], [1, 0]]);
  const loss = new nn.MSELoss();
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      const l = loss.forward(model.forward(x), y);
      opt.zeroGrad();
      l.backward();
      if (perParameter) counting(() => opt.step());
      else opt.step();
    });
  }
  const state = opt.stateDict();
  const out = { params: model.parameters().map((p) => bits(p.toFloat32Array())), velocity: (state.slots.momentum ?? []).map((s) => bits(s.data)) };
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
  return out;
}

describe('SGD foreach step', () => {
  for (const opts of [{ lr: 0.1 }, { lr: 0.05, momentum: 0.9 }, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 }, { lr: 0.1, weightDecay: 0.1 }]) {
    it(`one sgd_foreach call, the per-parameter calls' bits (${JSON.stringify(opts)})`, () => {
      const fused = train(opts, 6, false), single = train(opts, 6, true);
      expect(fused.params).toEqual(single.params);
      expect(fused.velocity).toEqual(single.velocity);
      // The parameters moved (a step that did nothing would match too).
      expect(fused.params).not.toEqual(train(opts, 0, false).params);
    });
  }

  it('a swapped kernel table (a trace) gets one sgd call per parameter, the same update', () => {
    const model = net();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    for (const p of model.parameters()) p.grad = tensor(new Float32Array(p.size).fill(1), p.shape);
    const want = model.parameters().map((p) => [...p.toFloat32Array()].map((v) => Math.fround(v - Math.fround(0.1))));
    expect(_kernelsRecording()).toBe(false);
    const swapped = counting(() => {
      expect(_kernelsRecording()).toBe(true);
      opt.step();
    });
    expect(_kernelsRecording()).toBe(false);
    expect(swapped.calls.get('sgd')).toBe(4);
    expect(swapped.calls.has('sgd_foreach')).toBe(false);
    model.parameters().forEach((p, i) => expect([...p.toFloat32Array()]).toEqual(want[i]));
    opt.dispose();
    model.dispose();
  });

  it('a subclass that overrides update() has it called per parameter', () => {
    const seen: number[] = [];
    class Logged extends optim.SGD {
      protected override update(p: Tensor, g: Tensor, i: number): void {
        seen.push(i);
        super.update(p, g, i);
      }
    }
    const a = tensor([1, 2], undefined, { requiresGrad: true }), b = tensor([3], undefined, { requiresGrad: true });
    const opt = new Logged([a, b], { lr: 0.5 });
    a.grad = tensor([2, 2]);
    b.grad = tensor([4]);
    opt.step();
    expect(seen).toEqual([0, 1]);
    expect([...a.toFloat32Array(), ...b.toFloat32Array()]).toEqual([0, 1, 1]);
    for (const t of [a, b]) t.dispose();
    opt.dispose();
  });

  it('skips parameters without a gradient, and follows gradients that moved to other buffers', () => {
    const a = tensor([1, 2, 3], undefined, { requiresGrad: true }), b = tensor([10, 20], undefined, { requiresGrad: true });
    const c = tensor([5], undefined, { requiresGrad: true });
    const opt = new optim.SGD([a, b, c], { lr: 0.5 });
    const set = (p: Tensor, g: number[] | null) => {
      p.grad?.dispose();
      p.grad = g === null ? null : tensor(g);
    };
    set(a, [2, 2, 2]);
    set(b, null);
    set(c, [4]);
    opt.step();
    expect([...a.toFloat32Array(), ...b.toFloat32Array(), ...c.toFloat32Array()]).toEqual([0, 1, 2, 10, 20, 3]);
    // New gradient tensors (new buffers, another set of rows): the table follows them.
    set(a, null);
    set(b, [2, 4]);
    set(c, [-2]);
    opt.step();
    expect([...a.toFloat32Array(), ...b.toFloat32Array(), ...c.toFloat32Array()]).toEqual([0, 1, 2, 9, 18, 4]);
    for (const t of [a, b, c]) t.dispose();
    opt.dispose();
  });

  it('frees its table with the optimizer, and a disposed optimizer steps again', () => {
    const p = tensor([1, 1], undefined, { requiresGrad: true });
    const before = memoryStats().liveBlocks;
    const opt = new optim.SGD([p], { lr: 1, momentum: 0.5 });
    p.grad = tensor([1, 2]);
    opt.step();
    opt.dispose();
    p.grad.dispose();
    p.grad = null;
    expect(memoryStats().liveBlocks).toBe(before);
    p.grad = tensor([1, 1]);
    opt.step();
    expect([...p.toFloat32Array()]).toEqual([-1, -2]);
    opt.dispose();
    p.dispose();
  });
});
