/**
 * compileStep: N compiled steps against N eager steps of twin models (same seeds, same batches),
 * parameters and optimizer state compared bit for bit; the fallback rule; memory over 1,000
 * compiled steps; save/load after compiled steps; errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { AUTO_COMPILE_MAX_PARAMS } from '../ts/train/fit.js';
import { DataLoader, TensorDataset, compileStep, crossEntropy, fit, init, memoryStats, nn, optim, predict, tensor, tidy, type Tensor } from '../ts/index.js';
import { loadModel, saveModel } from '../ts/io/save.js';
import type { Optimizer } from '../ts/optim/optimizer.js';
import { Rng } from '../ts/random.js';
import { COPY, DENSE_CHAIN_SGD, KERNELS } from '../ts/compile/kernels.js';
import { _swapKernels, type Kernels } from '../ts/backend/wasm.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

beforeAll(() => init());

type Net = { model: nn.Sequential; opt: Optimizer; loss: nn.MSELoss | nn.CrossEntropyLoss };

function eagerStep(n: Net, x: Tensor, y: Tensor): number {
  return tidy(() => {
    const l = n.loss.forward(n.model.forward(x), y);
    n.opt.zeroGrad();
    l.backward();
    n.opt.step();
    return l.item();
  });
}

function stateBits(n: Net): number[][] {
  const out = n.model.parameters().map((p) => bits(p.toFloat32Array()));
  const st = n.opt.stateDict();
  for (const list of Object.values(st.slots)) for (const e of list ?? []) out.push(bits(e.data));
  return out;
}

/** Batches of `rows` rows: inputs in [-1, 1), targets from `target`. */
function batches(count: number, rows: number, inF: number, target: (x: Float32Array, r: number) => number[], seed: number) {
  const rng = new Rng(seed);
  const out: { x: Float32Array; y: number[] }[] = [];
  for (let b = 0; b < count; b++) {
    const x = new Float32Array(rows * inF);
    for (let i = 0; i < x.length; i++) x[i] = (rng.nextU32() / 2 ** 32) * 2 - 1;
    const y: number[] = [];
    for (let r = 0; r < rows; r++) y.push(...target(x.subarray(r * inF, (r + 1) * inF), r));
    out.push({ x, y });
  }
  return out;
}

/** Runs `data` through an eager twin and a compiled twin; both must end in the same bits. */
function compare(make: () => Net, data: { x: Float32Array; y: number[] }[], inF: number, outF: number) {
  const a = make(), b = make();
  const cs = compileStep(b.model, b.loss, b.opt);
  const lossesA: number[] = [], lossesB: number[] = [];
  for (const d of data) {
    const rows = d.x.length / inF;
    const x = tensor(d.x, [rows, inF]), y = tensor(d.y, [rows, outF]);
    lossesA.push(eagerStep(a, x, y));
    lossesB.push(cs.step(x, y));
    x.dispose();
    y.dispose();
  }
  return { a, b, cs, lossesA, lossesB };
}

const xorData = Array.from({ length: 30 }, () => ({ x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), y: [0, 1, 1, 0] }));
const xorNet = (opt: (p: Tensor[]) => Optimizer) => () => {
  const model = new nn.Sequential(new nn.Linear(2, 3, { seed: 1 }), new nn.Sigmoid(), new nn.Linear(3, 1, { seed: 2 }), new nn.Sigmoid());
  return { model, opt: opt(model.parameters()), loss: new nn.MSELoss() };
};
const streetlight = (rows: number) => batches(25, rows, 3, (x) => [x[1] > 0 ? 1 : 0], 5);
const streetNet = (opt: (p: Tensor[]) => Optimizer) => () => {
  const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 3 }), new nn.ReLU(), new nn.Linear(4, 1, { seed: 4 }));
  return { model, opt: opt(model.parameters()), loss: new nn.MSELoss() };
};
const mlpData = batches(20, 8, 6, (x) => { const c = x[0] > 0 ? (x[1] > 0 ? 0 : 1) : 2; return [0, 1, 2].map((k) => (k === c ? 1 : 0)); }, 9);
const mlpNet = (opt: (p: Tensor[]) => Optimizer) => () => {
  const model = new nn.Sequential(new nn.Linear(6, 8, { seed: 5 }), new nn.ReLU(), new nn.Linear(8, 8, { seed: 6 }), new nn.Tanh(), new nn.Linear(8, 3, { seed: 7 }));
  return { model, opt: opt(model.parameters()), loss: new nn.CrossEntropyLoss() };
};

// MSE and plain SGD over a chain of dense layers, one without bias: one dense_chain_sgd op.
const chainNet = (opt: (p: Tensor[]) => Optimizer) => () => {
  const model = new nn.Sequential(new nn.Linear(6, 8, { seed: 5, bias: false }), new nn.Tanh(), new nn.Linear(8, 8, { seed: 6 }), new nn.ReLU(), new nn.Linear(8, 3, { seed: 7 }), new nn.Sigmoid());
  return { model, opt: opt(model.parameters()), loss: new nn.MSELoss() };
};

const sgd = (p: Tensor[]) => new optim.SGD(p, { lr: 0.5 });
const decay = (p: Tensor[]) => new optim.SGD(p, { lr: 0.1, weightDecay: 1e-2 });
const momentum = (p: Tensor[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
const adam = (p: Tensor[]) => new optim.Adam(p, { lr: 0.01 });
const adamw = (p: Tensor[]) => new optim.AdamW(p, { lr: 0.01 });
const rmsprop = (p: Tensor[]) => new optim.RMSprop(p, { lr: 0.01, weightDecay: 1e-3 });
const adagrad = (p: Tensor[]) => new optim.Adagrad(p, { lr: 0.05 });

describe('compileStep: compiled steps are the eager steps, bit for bit', () => {
  const cases: [string, () => Net, { x: Float32Array; y: number[] }[], number, number][] = [
    ['XOR 2-3-1 sigmoid, MSE, SGD', xorNet(sgd), xorData, 2, 1],
    ['XOR 2-3-1 sigmoid, MSE, Adam', xorNet(adam), xorData, 2, 1],
    ['streetlight 3-4-1 relu batch 1, SGD', streetNet(sgd), streetlight(1), 3, 1],
    ['streetlight 3-4-1 relu batch 4, SGD + Nesterov momentum + weight decay', streetNet(momentum), streetlight(4), 3, 1],
    ['MLP 6-8-8-3 relu/tanh, CrossEntropyLoss, Adam', mlpNet(adam), mlpData, 6, 3],
    ['MLP 6-8-8-3, CrossEntropyLoss, AdamW', mlpNet(adamw), mlpData, 6, 3],
    ['MLP 6-8-8-3, CrossEntropyLoss, SGD momentum', mlpNet(momentum), mlpData, 6, 3],
    ['MLP 6-8-8-3, CrossEntropyLoss, RMSprop', mlpNet(rmsprop), mlpData, 6, 3],
    ['streetlight 3-4-1 batch 4, Adagrad', streetNet(adagrad), streetlight(4), 3, 1],
    ['MLP 6-8-8-3 tanh (no bias)/relu/sigmoid, MSE, SGD + weight decay (one dense_chain_sgd op)', chainNet(decay), mlpData, 6, 3],
  ];
  for (const [name, make, data, inF, outF] of cases) {
    it(name, () => {
      const { a, b, cs, lossesA, lossesB } = compare(make, data, inF, outF);
      expect(cs.fallbackReason).toBeNull();
      expect(cs.mode).toBe('compiled');
      expect(cs.compiledSteps).toBe(data.length - 2);
      expect(lossesB.map(Math.fround)).toEqual(lossesA.map(Math.fround));
      expect(stateBits(b)).toEqual(stateBits(a));
      expect(b.opt.stepCount).toBe(a.opt.stepCount);
      // The weights moved: a replay that did nothing would fail the comparison above anyway.
      expect(lossesA[lossesA.length - 1]).not.toBe(lossesA[0]);
      // The compiled model still works eagerly afterwards, on the same (moved) parameters.
      const x = tensor(data[0].x, [data[0].x.length / inF, inF]);
      const pa = a.model.forward(x).toFloat32Array(), pb = b.model.forward(x).toFloat32Array();
      expect(bits(pb)).toEqual(bits(pa));
      cs.dispose();
    });
  }

  it('a dense chain with MSE and plain SGD is one dense_chain_sgd op; with momentum, or another loss, single ops', () => {
    const opOf = (make: () => Net, data: { x: Float32Array; y: number[] }[], inF: number, outF: number) => {
      const { cs } = compare(make, data.slice(0, 3), inF, outF);
      const p = (cs as unknown as { program: { arena: Tensor; arenaFloats: number; words: number } }).program;
      const words = new Uint32Array(p.arena.data.buffer, p.arena.ptr + p.arenaFloats * 4, p.words);
      const r = { ops: words[2], first: words[12] };
      cs.dispose();
      return r;
    };
    for (const [make, data, inF, outF] of [[streetNet(sgd), streetlight(1), 3, 1], [xorNet(sgd), xorData, 2, 1], [chainNet(decay), mlpData, 6, 3]] as const) {
      expect(opOf(make, data, inF, outF)).toEqual({ ops: 1, first: DENSE_CHAIN_SGD });
    }
    expect(opOf(streetNet(momentum), streetlight(1), 3, 1).ops).toBeGreaterThan(1);
    expect(opOf(mlpNet(sgd), mlpData, 6, 3).ops).toBeGreaterThan(1);
  });

  // Plain SGD: the one-op dense_chain_sgd program, whose arena starts with the slots.
  for (const [name, opt] of [['SGD + momentum', momentum], ['plain SGD', sgd]] as const) it(`inputs(): batches written straight into the program's slots train as the same steps, bit for bit (${name})`, () => {
    const data = streetlight(4);
    const a = streetNet(opt)(), b = streetNet(opt)();
    const cs = compileStep(b.model, b.loss, b.opt);
    expect(cs.inputs()).toBeNull();
    const lossesA: number[] = [], lossesB: number[] = [];
    let slots: { x: Tensor; y: Tensor } | null = null;
    for (const d of data) {
      const x = tensor(d.x, [4, 3]), y = tensor(d.y, [4, 1]);
      lossesA.push(eagerStep(a, x, y));
      slots ??= cs.inputs();
      if (slots) {
        slots.x.data.set(d.x);
        slots.y.data.set(d.y);
        lossesB.push(cs.step(slots.x, slots.y));
      } else lossesB.push(cs.step(x, y));
      x.dispose();
      y.dispose();
    }
    expect(slots!.x.shape).toEqual([4, 3]);
    expect(cs.compiledSteps).toBe(data.length - 2);
    expect(lossesB).toEqual(lossesA);
    expect(stateBits(b)).toEqual(stateBits(a));
    slots!.x.dispose();
    slots!.y.dispose();
    cs.dispose();
    expect(cs.inputs()).toBeNull();
  });

  it('inputs are read where they are; one inside the arena but not in its slot (a parameter as the target) is copied in first', () => {
    const data = streetlight(4);
    const a = streetNet(momentum)(), b = streetNet(momentum)();
    const cs = compileStep(b.model, b.loss, b.opt);
    const lossesA: number[] = [], lossesB: number[] = [];
    let w: [Tensor, Tensor] | null = null;
    data.forEach((d, i) => {
      const x = tensor(d.x, [4, 3]), y = tensor(d.y, [4, 1]);
      if (i === 2) {
        // Once compiled, W₂ (moved into the arena) is the target: detached, as a target that
        // requires grad would get a gradient of its own, another step.
        expect(cs.mode).toBe('compiled');
        w = [a.model.parameters()[2].detach(), b.model.parameters()[2].detach()];
        expect(w[1].shape).toEqual([4, 1]);
      }
      lossesA.push(eagerStep(a, x, w ? w[0] : y));
      lossesB.push(cs.step(x, w ? w[1] : y));
      x.dispose();
      y.dispose();
    });
    expect(cs.compiledSteps).toBe(data.length - 2);
    expect(lossesB).toEqual(lossesA);
    expect(stateBits(b)).toEqual(stateBits(a));
    for (const t of w!) t.dispose();
    cs.dispose();
  });

  it('a batch of another shape (the last, partial one) runs eagerly; the program continues after it', () => {
    const data = [...streetlight(4).slice(0, 6), ...streetlight(3).slice(0, 1), ...streetlight(4).slice(6, 10), ...streetlight(2).slice(0, 1)];
    const { a, b, cs } = compare(streetNet(momentum), data, 3, 1);
    expect(cs.mode).toBe('compiled');
    expect(cs.compiledSteps).toBe(8);
    expect(cs.eagerSteps).toBe(4);
    expect(stateBits(b)).toEqual(stateBits(a));
  });

  it('a step the interpreter cannot replay falls back to eager with the reason, and stays correct', () => {
    const make = () => {
      const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 3 }), new nn.Dropout(0.5, { seed: 1 }), new nn.Linear(4, 1, { seed: 4 }));
      return { model, opt: sgd(model.parameters()), loss: new nn.MSELoss() };
    };
    const { cs } = compare(make, streetlight(4).slice(0, 5), 3, 1);
    expect(cs.mode).toBe('eager');
    expect(cs.fallbackReason).toMatch(/kernel \w+ has no compiled form/);
    expect(cs.compiledSteps).toBe(0);
    const unsupportedOpt = () => {
      const model = new nn.Sequential(new nn.Linear(3, 1, { seed: 3 }));
      return { model, opt: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: new nn.MSELoss() };
    };
    const n = unsupportedOpt();
    Object.defineProperty(n.opt, 'name', { value: 'Lion' });
    expect(compileStep(n.model, n.loss, n.opt).fallbackReason).toMatch(/optimizer Lion has no compiled update/);
  });

  it('a step too large to gain from compiling stays eager (its time is in the kernels)', () => {
    const model = new nn.Sequential(new nn.Linear(1000, 1001, { seed: 1 }));
    const cs = compileStep(model, new nn.MSELoss(), sgd(model.parameters()));
    const x = tensor(new Float32Array(1000).fill(0.01), [1, 1000]), y = tensor(new Float32Array(1001), [1, 1001]);
    cs.step(x, y);
    expect(cs.mode).toBe('eager');
    expect(cs.fallbackReason).toMatch(/writes more than 1000000 floats/);
    model.dispose();
  });

  it('class labels one-hot encoded in JS differ per batch: the traces disagree, so it stays eager', () => {
    const model = new nn.Sequential(new nn.Linear(6, 3, { seed: 5 }));
    const opt = sgd(model.parameters());
    const cs = compileStep(model, (p: Tensor, t: Tensor) => crossEntropy(p, t), opt);
    for (const [i, d] of mlpData.slice(0, 4).entries()) {
      const x = tensor(d.x, [8, 6]), y = tensor([0, 1, 2, 0, 1, 2, 0, i % 3]);
      cs.step(x, y);
      x.dispose();
      y.dispose();
    }
    expect(cs.mode).toBe('eager');
    expect(cs.fallbackReason).toMatch(/written from JS .* changed between steps/);
  });
});

it('the TS opcode table and the interpreter agree on every opcode', () => {
  const rs = readFileSync(resolve(__dirname, '../crates/knobs-core/src/kernels/program.rs'), 'utf8');
  const ops = rs.slice(rs.indexOf('pub mod op {'), rs.indexOf('}', rs.indexOf('pub mod op {')));
  const rust = Object.fromEntries([...ops.matchAll(/pub const (\w+): u32 = (\d+);/g)].map((m) => [m[1].toLowerCase(), Number(m[2])]));
  const ts = Object.fromEntries(Object.entries(KERNELS).map(([name, spec]) => [name, spec.code]));
  expect({ ...ts, copy: COPY, dense_chain_sgd: DENSE_CHAIN_SGD }).toEqual(rust);
});

describe('compileStep under a bundler', () => {
  it('traces a frozen kernel table (a bundled module namespace is frozen; a Proxy may not wrap its properties)', () => {
    // Rollup turns `import * as K` into a frozen object: the tracer must still wrap its kernels.
    const real = _swapKernels(null as unknown as Kernels);
    _swapKernels(Object.freeze({ ...real }) as Kernels);
    try {
      const { a, b, cs, lossesA, lossesB } = compare(xorNet(sgd), xorData, 2, 1);
      expect(cs.mode).toBe('compiled');
      expect(lossesB.map(Math.fround)).toEqual(lossesA.map(Math.fround));
      expect(stateBits(b)).toEqual(stateBits(a));
      cs.dispose();
    } finally {
      _swapKernels(real);
    }
  });
});

describe('fit() compiles its steps', () => {
  it('gives the same history and weights as fit({ compile: false }), the short last batch included', async () => {
    const rows = 8 * 6 + 5;
    const d = batches(1, rows, 6, (x) => { const c = x[0] > 0 ? (x[1] > 0 ? 0 : 1) : 2; return [0, 1, 2].map((k) => (k === c ? 1 : 0)); }, 21)[0];
    const run = async (compile: boolean) => {
      const n = mlpNet(adam)();
      const loader = new DataLoader(new TensorDataset({ data: d.x, shape: [rows, 6] }, { data: new Float32Array(d.y), shape: [rows, 3] }), { batchSize: 8, shuffle: true, seed: 3 });
      const h = await fit(n.model, loader, { epochs: 3, optimizer: n.opt, loss: n.loss, metrics: ['accuracy'], verbose: false, compile });
      return { h, n };
    };
    const eager = await run(false), compiled = await run(true);
    expect(compiled.h.history).toEqual(eager.h.history);
    // 3 epochs × 7 batches: 2 traced, 3 short last batches eager, the other 16 compiled.
    expect(compiled.h.compiled).toEqual({ steps: 16, eagerSteps: 5, fallbackReason: null });
    expect(eager.h.compiled).toBeUndefined();
    expect(stateBits(compiled.n)).toEqual(stateBits(eager.n));
    await expect(fit(compiled.n.model, new DataLoader(new TensorDataset({ data: d.x, shape: [rows, 6] }, { data: new Float32Array(d.y), shape: [rows, 3] })), { epochs: 1, optimizer: compiled.n.opt, compile: 'yes' as unknown as boolean })).rejects.toThrow(`fit: compile must be true, false or 'auto', got "yes"`);
  });
});

describe("compile: 'auto' (the default of fit and predict)", () => {
  it('compiles a small model and leaves one over AUTO_COMPILE_MAX_PARAMS eager', async () => {
    const small = mlpNet(sgd)();
    const big = new nn.Sequential(new nn.Linear(6, 2000, { seed: 1 }), new nn.ReLU(), new nn.Linear(2000, 3, { seed: 2 }));
    expect(big.parameters().reduce((a, p) => a + p.size, 0)).toBeGreaterThan(AUTO_COMPILE_MAX_PARAMS);
    const d = mlpData;
    const data = () => new DataLoader(new TensorDataset({ data: new Float32Array(d.flatMap((b) => [...b.x])), shape: [d.length * 8, 6] }, { data: new Float32Array(d.flatMap((b) => b.y)), shape: [d.length * 8, 3] }), { batchSize: 8 });
    const hs = await fit(small.model, data(), { epochs: 1, optimizer: small.opt, loss: small.loss, verbose: false });
    expect(hs.compiled?.steps).toBeGreaterThan(0);
    const bigOpt = new optim.SGD(big.parameters(), { lr: 0.01 });
    const hb = await fit(big, data(), { epochs: 1, optimizer: bigOpt, loss: new nn.CrossEntropyLoss(), verbose: false });
    expect(hb.compiled).toBeUndefined();
    const hf = await fit(big, data(), { epochs: 1, optimizer: bigOpt, loss: new nn.CrossEntropyLoss(), verbose: false, compile: true });
    expect(hf.compiled?.steps).toBeGreaterThan(0);
    big.dispose();
  });
});

describe('predict() runs a compiled forward', () => {
  it('with the eager outputs\' bits, the short last batch included', () => {
    const n = mlpNet(adam)();
    const x = tensor(batches(1, 8 * 7 + 3, 6, () => [], 4)[0].x, [59, 6]);
    const eager = predict(n.model, x, { batchSize: 8, compile: false }).toFloat32Array();
    const compiled = predict(n.model, x, { batchSize: 8 }).toFloat32Array();
    expect(bits(compiled)).toEqual(bits(eager));
    expect(() => predict(n.model, x, { compile: 1 as unknown as boolean })).toThrow(`predict: compile must be true, false or 'auto', got 1`);
  });

  it('a training step whose parameters predict() moved meanwhile traces anew instead of training a stale copy', () => {
    const a = mlpNet(momentum)(), b = mlpNet(momentum)();
    const cs = compileStep(b.model, b.loss, b.opt);
    const xs = tensor(batches(1, 40, 6, () => [], 4)[0].x, [40, 6]);
    for (const [i, d] of mlpData.entries()) {
      const x = tensor(d.x, [8, 6]), y = tensor(d.y, [8, 3]);
      eagerStep(a, x, y);
      cs.step(x, y);
      if (i === 5) {
        // Moves b's parameters into predict's arena (5 batches of 8).
        expect(bits(predict(b.model, xs, { batchSize: 8 }).toFloat32Array())).toEqual(bits(predict(a.model, xs, { batchSize: 8, compile: false }).toFloat32Array()));
      }
      x.dispose();
      y.dispose();
    }
    expect(stateBits(b)).toEqual(stateBits(a));
    // 20 steps: traced 0–1, compiled 2–5, the arena left at 6: traced 6–7, compiled 8–19.
    expect(cs.compiledSteps).toBe(16);
    expect(cs.eagerSteps).toBe(4);
  });
});

describe('compileStep: per-step scalars and gradients', () => {
  it('reads the learning rate every step (a schedule changing it keeps compiled = eager); p.grad is left null', () => {
    const a = mlpNet(adam)(), b = mlpNet(adam)();
    const cs = compileStep(b.model, b.loss, b.opt);
    for (const [i, d] of mlpData.entries()) {
      const x = tensor(d.x, [8, 6]), y = tensor(d.y, [8, 3]);
      a.opt.lr = b.opt.lr = 0.02 / (1 + i);
      eagerStep(a, x, y);
      cs.step(x, y);
      x.dispose();
      y.dispose();
    }
    expect(cs.compiledSteps).toBe(mlpData.length - 2);
    expect(stateBits(b)).toEqual(stateBits(a));
    expect(b.model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('a corrupted program is refused before any op runs: an error, and the state is untouched', () => {
    // With momentum: a program of single ops (plain SGD would be one dense_chain_sgd op).
    const n = xorNet(momentum)();
    const cs = compileStep(n.model, n.loss, n.opt);
    const x = tensor(xorData[0].x, [4, 2]), y = tensor(xorData[0].y, [4, 1]);
    for (let i = 0; i < 3; i++) cs.step(x, y);
    const p = (cs as unknown as { program: { arena: Tensor; arenaFloats: number; words: number } }).program;
    const words = () => new Uint32Array(p.arena.data.buffer, p.arena.ptr + p.arenaFloats * 4, p.words);
    const before = stateBits(n);
    // The last op is an SGD update: point its parameter past the arena's end.
    const w = words();
    const saved = w[p.words - 7];
    w[p.words - 7] = p.arenaFloats;
    expect(() => cs.step(x, y)).toThrow(/compileStep: the interpreter refused the program \(range outside the arena at op \d+\); nothing was updated/);
    expect(stateBits(n)).toEqual(before);
    words()[p.words - 7] = saved;
    cs.step(x, y);
    expect(stateBits(n)).not.toEqual(before);
    cs.dispose();
  });
});

describe('compileStep: memory, saving, errors', () => {
  it('1,000 compiled steps do not grow memory', () => {
    const n = mlpNet(adam)();
    const cs = compileStep(n.model, n.loss, n.opt);
    const x = tensor(mlpData[0].x, [8, 6]), y = tensor(mlpData[0].y, [8, 3]);
    for (let i = 0; i < 10; i++) cs.step(x, y);
    const before = memoryStats();
    for (let i = 0; i < 1000; i++) cs.step(x, y);
    const after = memoryStats();
    expect(cs.compiledSteps).toBe(1008);
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.wasmBytes).toBe(before.wasmBytes);
    cs.dispose();
    x.dispose();
    y.dispose();
  });

  it('a model saved after compiled steps loads with the same bits, optimizer state included', () => {
    const { b, cs } = compare(mlpNet(adam), mlpData, 6, 3);
    expect(cs.mode).toBe('compiled');
    const saved = saveModel(b.model, b.opt);
    const loaded = loadModel<nn.Sequential>(saved);
    expect(loaded.model.parameters().map((p) => bits(p.toFloat32Array()))).toEqual(b.model.parameters().map((p) => bits(p.toFloat32Array())));
    const sa = b.opt.stateDict(), sb = loaded.optimizer!.stateDict();
    expect(sb.step).toBe(sa.step);
    for (const k of Object.keys(sa.slots)) expect(sb.slots[k]!.map((e) => bits(e.data))).toEqual(sa.slots[k]!.map((e) => bits(e.data)));
    // Parameters loaded into the compiled model's tensors are what the program uses next.
    b.model.loadStateDict(loaded.model.stateDict());
    cs.dispose();
    b.model.dispose();
  });

  it('NaN reaching the loss raises the loss op\'s own error, and nothing was updated', () => {
    const n = xorNet(sgd)();
    const cs = compileStep(n.model, n.loss, n.opt);
    const x = tensor(xorData[0].x, [4, 2]), y = tensor(xorData[0].y, [4, 1]);
    for (let i = 0; i < 3; i++) cs.step(x, y);
    expect(cs.mode).toBe('compiled');
    const before = stateBits(n);
    const bad = tensor([0, 0, 0, NaN, 1, 0, 1, 1], [4, 2]);
    expect(() => cs.step(bad, y)).toThrow(/mseLoss: prediction \[4,1\] contains NaN or Infinity/);
    expect(stateBits(n)).toEqual(before);
    // The target's check is folded into the loss op as well (program.ts foldChecks).
    const badY = tensor([0, Infinity, 1, 0], [4, 1]);
    expect(() => cs.step(x, badY)).toThrow(/mseLoss: target \[4,1\] contains NaN or Infinity/);
    expect(stateBits(n)).toEqual(before);
    badY.dispose();
    expect(Number.isFinite(cs.step(x, y))).toBe(true);
    expect(() => cs.step(x, undefined as unknown as Tensor)).toThrow('compileStep: step(x, y) takes two tensors');
    expect(() => compileStep(n.model, 3 as unknown as nn.MSELoss, n.opt)).toThrow(/compileStep: loss must be/);
    cs.dispose();
    expect(() => cs.step(x, y)).toThrow('compileStep: step() after dispose()');
  });
});
