/**
 * CompiledStep.steps (several training steps per wasm call, Keras' steps_per_execution): the
 * same bits as that many step() calls on the same batches (SGD; Adam, whose bias corrections
 * advance inside the call), the partial-batch rule, a non-finite loss ending the call, memory;
 * and fit() using it when nothing needs JS between its batches.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { DataLoader, TensorDataset, compileStep, fit, init, memoryStats, nn, optim, tensor, type Tensor } from '../ts/index.js';
import type { Optimizer } from '../ts/optim/optimizer.js';
import { _swapKernels, type Kernels } from '../ts/backend/wasm.js';
import { Rng } from '../ts/random.js';

beforeAll(() => init());

type Net = { model: nn.Sequential; opt: Optimizer; loss: nn.MSELoss };
const street = (opt: (p: Tensor[]) => Optimizer): Net => {
  const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 3 }), new nn.ReLU(), new nn.Linear(4, 1, { seed: 4 }));
  return { model, opt: opt(model.parameters()), loss: new nn.MSELoss() };
};
const xor = (opt: (p: Tensor[]) => Optimizer): Net => {
  const model = new nn.Sequential(new nn.Linear(2, 3, { seed: 1 }), new nn.Sigmoid(), new nn.Linear(3, 1, { seed: 2 }), new nn.Sigmoid());
  return { model, opt: opt(model.parameters()), loss: new nn.MSELoss() };
};
const sgd = (lr: number) => (p: Tensor[]) => new optim.SGD(p, { lr });
const adam = (p: Tensor[]) => new optim.Adam(p, { lr: 0.01 });

function stateBits(n: Net): number[][] {
  const out = n.model.parameters().map((p) => bits(p.toFloat32Array()));
  for (const list of Object.values(n.opt.stateDict().slots)) for (const e of list ?? []) out.push(bits(e.data));
  return out;
}

/** rows × cols in [-1, 1) from a seed. */
function data(rows: number, cols: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * cols }, () => (rng.nextU32() / 2 ** 32) * 2 - 1);
}

/** `steps` step() calls over the batches of x, y from batch `first`, wrapping; stops after a non-finite loss. */
function oneByOne(n: Net, xd: Float32Array, yd: Float32Array, inF: number, batch: number, steps: number, first: number): number[] {
  const cs = compileStep(n.model, n.loss, n.opt);
  const nb = xd.length / inF / batch;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const b = (first + s) % nb;
    const x = tensor(xd.subarray(b * batch * inF, (b + 1) * batch * inF), [batch, inF]);
    const y = tensor(yd.subarray(b * batch, (b + 1) * batch), [batch, 1]);
    losses.push(cs.step(x, y));
    x.dispose();
    y.dispose();
    if (!Number.isFinite(losses[s])) break;
  }
  cs.dispose();
  return losses;
}

describe('CompiledStep.steps: several steps in one call are the step() calls, bit for bit', () => {
  const cases: [string, (o: (p: Tensor[]) => Optimizer) => Net, (p: Tensor[]) => Optimizer, number, number, number, number][] = [
    // name, net, optimizer, in features, rows, batch size, first batch
    ['streetlight 3-4-1 relu, batch 1, SGD', street, sgd(0.2), 3, 4, 1, 1],
    ['streetlight 3-4-1 relu, batch 4, SGD', street, sgd(0.2), 3, 12, 4, 0],
    ['XOR 2-3-1 sigmoid, batch 2, Adam', xor, adam, 2, 8, 2, 3],
  ];
  for (const [name, net, opt, inF, rows, batch, first] of cases) {
    it(name, () => {
      const xd = data(rows, inF, 5), yd = data(rows, 1, 6);
      const a = net(opt), b = net(opt);
      const want = oneByOne(a, xd, yd, inF, batch, 23, first);
      const cs = compileStep(b.model, b.loss, b.opt);
      const x = tensor(xd, [rows, inF]), y = tensor(yd, [rows, 1]);
      // Split in two calls: the first traces (two step() calls inside) and compiles, the second
      // is all one program call, starting where the first left off.
      const l1 = cs.steps(x, y, { batchSize: batch, steps: 5, firstBatch: first });
      const l2 = cs.steps(x, y, { batchSize: batch, steps: 18, firstBatch: first + 5 });
      expect(cs.mode).toBe('compiled');
      expect(cs.compiledSteps).toBe(21);
      expect(bits(new Float32Array([...l1, ...l2]))).toEqual(bits(new Float32Array(want)));
      expect(stateBits(b)).toEqual(stateBits(a));
      expect(b.opt.stepCount).toBe(a.opt.stepCount);
      expect(want[22]).not.toBe(want[0]);
      for (const t of [cs, x, y]) t.dispose();
    });
  }

  it('runs all the steps in one wasm call once compiled', () => {
    const n = street(sgd(0.2));
    const cs = compileStep(n.model, n.loss, n.opt);
    const x = tensor(data(4, 3, 1), [4, 3]), y = tensor(data(4, 1, 2), [4, 1]);
    cs.steps(x, y, { batchSize: 1, steps: 3 });
    const real = _swapKernels(null as unknown as Kernels);
    const calls: string[] = [];
    _swapKernels(new Proxy(real, { get: (t, k: string) => (calls.push(k), t[k as keyof Kernels]) }));
    try {
      expect(cs.steps(x, y, { batchSize: 1, steps: 1000 }).length).toBe(1000);
    } finally {
      _swapKernels(real);
    }
    expect(calls.filter((c) => c.startsWith('program_run'))).toEqual(['program_run_steps']);
    cs.dispose();
  });
});

describe('CompiledStep.steps: rules and errors', () => {
  it('refuses a partial batch, mismatched rows and bad options before any step', () => {
    const n = street(sgd(0.2));
    const cs = compileStep(n.model, n.loss, n.opt);
    const before = stateBits(n);
    const x = tensor(data(5, 3, 1), [5, 3]), y = tensor(data(5, 1, 2), [5, 1]), y4 = tensor(data(4, 1, 2), [4, 1]);
    expect(() => cs.steps(x, y, { batchSize: 2, steps: 4 })).toThrow('compileStep.steps: x [5,3] is not a whole number of batches of 2 rows; drop or pad the last rows, or train the partial batch with step()');
    expect(() => cs.steps(x, y4, { batchSize: 1, steps: 4 })).toThrow('compileStep.steps: x [5,3] and y [4,1] need the same number of rows on axis 0');
    expect(() => cs.steps(x, y, { batchSize: 0, steps: 4 })).toThrow('compileStep.steps: batchSize must be an integer ≥ 1, got 0');
    expect(() => cs.steps(x, y, { batchSize: 1, steps: 1.5 })).toThrow('compileStep.steps: steps must be an integer ≥ 0, got 1.5');
    expect(() => cs.steps(x, y, { batchSize: 1, steps: 2, every: 3 } as never)).toThrow(/compileStep.steps: unknown option 'every'/);
    expect(stateBits(n)).toEqual(before);
    expect(cs.steps(x, y, { batchSize: 5, steps: 0 }).length).toBe(0);
    cs.dispose();
    for (const t of [x, y, y4]) t.dispose();
  });

  it('a loss that overflows ends the call after its step, as a loop checking each loss stops', () => {
    // The fourth row makes a finite prediction whose square overflows f32: an Infinite loss.
    const xd = data(4, 3, 7).map((v, i) => (i >= 9 ? Math.abs(v) * 1e20 : v)), yd = data(4, 1, 8);
    const a = street(sgd(0.1)), b = street(sgd(0.1));
    const want = oneByOne(a, xd, yd, 3, 1, 50, 0);
    expect(want.length).toBe(4);
    expect(want[3]).toBe(Infinity);
    const cs = compileStep(b.model, b.loss, b.opt);
    const x = tensor(xd, [4, 3]), y = tensor(yd, [4, 1]);
    const got = cs.steps(x, y, { batchSize: 1, steps: 50 });
    expect(bits(got)).toEqual(bits(new Float32Array(want)));
    expect(stateBits(b)).toEqual(stateBits(a));
    for (const t of [cs, x, y]) t.dispose();
  });

  it('NaN in the data raises the loss op\'s own error at that step; the steps before it stand', () => {
    const n = street(sgd(0.2));
    const cs = compileStep(n.model, n.loss, n.opt);
    const xd = data(4, 3, 1);
    const x = tensor(xd, [4, 3]), y = tensor(data(4, 1, 2), [4, 1]);
    cs.steps(x, y, { batchSize: 1, steps: 4 });
    xd[7] = NaN;
    const bad = tensor(xd, [4, 3]);
    expect(() => cs.steps(bad, y, { batchSize: 1, steps: 8 })).toThrow(/mseLoss: prediction \[1,1\] contains NaN or Infinity/);
    expect(cs.compiledSteps).toBe(2 + 2);
    expect(Number.isFinite(cs.steps(x, y, { batchSize: 1, steps: 4 })[3])).toBe(true);
    cs.dispose();
    for (const t of [x, y, bad]) t.dispose();
  });

  it('100 calls of 100 steps do not grow memory', () => {
    const n = xor(adam);
    const cs = compileStep(n.model, n.loss, n.opt);
    const x = tensor(data(8, 2, 1), [8, 2]), y = tensor(data(8, 1, 2), [8, 1]);
    cs.steps(x, y, { batchSize: 4, steps: 10 });
    const before = memoryStats();
    for (let i = 0; i < 100; i++) cs.steps(x, y, { batchSize: 4, steps: 100 });
    const after = memoryStats();
    expect(cs.compiledSteps).toBe(8 + 10_000);
    const { liveBytes, liveBlocks, wasmBytes } = before;
    expect({ liveBytes: after.liveBytes, liveBlocks: after.liveBlocks, wasmBytes: after.wasmBytes }).toEqual({ liveBytes, liveBlocks, wasmBytes });
    for (const t of [cs, x, y]) t.dispose();
  });
});

describe('fit() runs its batches through steps() when no JS is needed between them', () => {
  it('the same history and weights as fit({ compile: false }), shuffled, the short last batch included', async () => {
    const rows = 4 * 9 + 3;
    const xd = data(rows, 3, 11), yd = data(rows, 1, 12);
    const run = async (compile: boolean) => {
      const n = street(sgd(0.05));
      const loader = new DataLoader(new TensorDataset({ data: xd, shape: [rows, 3] }, { data: yd, shape: [rows, 1] }), { batchSize: 4, shuffle: true, seed: 2 });
      const h = await fit(n.model, loader, { epochs: 4, optimizer: n.opt, loss: n.loss, verbose: false, compile });
      return { h, n };
    };
    const eager = await run(false);
    const real = _swapKernels(null as unknown as Kernels);
    const calls: string[] = [];
    _swapKernels(new Proxy(real, { get: (t, k: string) => (k.startsWith('program_run') && calls.push(k), t[k as keyof Kernels]) }));
    let compiled: Awaited<ReturnType<typeof run>>;
    try {
      compiled = await run(true);
    } finally {
      _swapKernels(real);
    }
    expect(compiled.h.history).toEqual(eager.h.history);
    expect(stateBits(compiled.n)).toEqual(stateBits(eager.n));
    // 4 epochs × 10 batches: 2 traced and 4 short last batches eager, 34 compiled.
    expect(compiled.h.compiled).toEqual({ steps: 34, eagerSteps: 6, fallbackReason: null });
    // One call per epoch for its full batches (the first epoch's after the two traced ones).
    expect(calls).toEqual(Array(4).fill('program_run_steps'));
  });

  it('a callback with a batch hook keeps one step per batch', async () => {
    const xd = data(8, 3, 1), yd = data(8, 1, 2);
    const n = street(sgd(0.05));
    const loader = new DataLoader(new TensorDataset({ data: xd, shape: [8, 3] }, { data: yd, shape: [8, 1] }), { batchSize: 2 });
    const seen: number[] = [];
    const h = await fit(n.model, loader, { epochs: 2, optimizer: n.opt, loss: n.loss, verbose: false, compile: true, callbacks: { onBatchEnd: (i) => void seen.push(i) } });
    expect(seen).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(h.compiled?.steps).toBe(6);
  });
});
