/**
 * Modules that describe themselves: user modules (registered with nn.register) holding containers
 * are saved, loaded, trained in a worker and by DataParallel like knobs' own layers; buffers and
 * extra state travel with them; old files still load; bad specs and hostile files fail early.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, KnobsError, TensorDataset, fit, init, loadModel, manualSeed, memoryStats, nn, optim, saveModel, tensor, tidy, type Tensor } from '../ts/index.js';
import { DataParallel } from '../ts/parallel/index.js';
import { trainInWorker } from '../ts/worker/index.js';
import { load, save } from '../ts/node.js';
import { readSafetensors, writeSafetensors } from '../ts/io/safetensors.js';
import { Blocks, Cell, RunningMean } from './fixtures/user-modules.js';
import { sameBits } from './helpers/bits.js';
import { C, D, makeData, pair } from './helpers/projection.js';

const USER_MODULES = [new URL('./fixtures/user-modules.ts', import.meta.url)];

beforeAll(() => init());

const stateBits = (a: nn.StateDict, b: nn.StateDict) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => b[k] && sameBits(a[k].data, b[k].data));

function maxDiff(a: nn.StateDict, b: nn.StateDict): number {
  let m = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].data.length; i++) m = Math.max(m, Math.abs(a[k].data[i] - b[k].data[i]));
  return m;
}

describe('a user module holding a ModuleList of Sequentials', () => {
  it('describes itself by its config, and is saved and loaded bit-exactly (bytes and Node files)', async () => {
    const m = new Blocks([D, 8, 6], C, 3);
    const spec = nn.toSpec(m);
    // Its children are rebuilt by its constructor, so the spec holds only its config.
    expect(spec).toEqual({ format: 'knobs.module', version: 2, root: { type: 'test.Blocks', config: { sizes: [D, 8, 6], classes: C, seed: 3 } } });
    expect([...m.namedParameters()].map(([n]) => n)).toEqual(['blocks.0.0.weight', 'blocks.0.0.bias', 'blocks.1.0.weight', 'blocks.1.0.bias', 'head.weight', 'head.bias']);
    // Weights that differ from the seeded initialisation, so a load that silently re-initialised would show.
    for (const p of m.parameters()) p.data.forEach((v, i, a) => (a[i] = v * 1.5 + 0.01 * i));

    const x = tensor(makeData(5, 2).x, [5, D]);
    const want = tidy(() => m.forward(x).toFloat32Array());
    const fromBytes = loadModel<Blocks>(saveModel(m));
    expect(fromBytes.model).toBeInstanceOf(Blocks);
    expect(stateBits(fromBytes.model.stateDict(), m.stateDict())).toBe(true);
    expect(sameBits(tidy(() => fromBytes.model.forward(x).toFloat32Array()), want)).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'knobs-modules-'));
    await save(m, join(dir, 'blocks'));
    const fromFiles = await load(join(dir, 'blocks'));
    expect(fromFiles.model).toBeInstanceOf(Blocks);
    expect(stateBits(fromFiles.model.stateDict(), m.stateDict())).toBe(true);
    for (const d of [m, fromBytes.model, fromFiles.model]) d.dispose();
    x.dispose();
  });

  it('trains in a worker to the same bits as fit() on this thread', async () => {
    const N = 96, seed = 5, epochs = 2, batchSize = 16;
    const data = makeData(N, 4);
    const m = new Blocks([D, 8], C, 1);
    const res = await trainInWorker(m, pair(data, N), { epochs, batchSize, seed, optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9 }, modules: USER_MODULES, transfer: false });

    const opt = new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    const loader = new DataLoader(new TensorDataset(pair(data, N).x, pair(data, N).y), { batchSize, shuffle: true, seed });
    manualSeed(seed);
    const history = await fit(m, loader, { epochs, optimizer: opt, metrics: ['accuracy'], verbose: false });
    expect(res.history.history.loss).toEqual(history.history.loss);
    expect(Object.keys(res.weights)).toEqual(Object.keys(m.stateDict()));
    expect(stateBits(res.weights, m.stateDict())).toBe(true);
    opt.dispose();
    m.dispose();
  });

  it('without its script, the worker names the unknown type', async () => {
    const m = new Blocks([D, 4], C);
    await expect(trainInWorker(m, pair(makeData(8, 1), 8), { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 } })).rejects.toThrow(/fromSpec: root: unknown module type "test\.Blocks"; registered: .*nn\.register adds yours/);
    m.dispose();
  });

  for (const transport of ['message', 'shared'] as const) {
    it(`${transport}: DataParallel trains it to the weights of in-thread training, the sample shape taken from the data`, async () => {
      const n = 64, batchSize = 16, seed = 2;
      const data = makeData(n, 6);
      const labels = new Float32Array(n).map((_, r) => data.y.subarray(r * C, (r + 1) * C).indexOf(1));
      const m = new Blocks([D, 8, 6], C, 7);
      const start = m.stateDict();
      const t = await DataParallel.create({ spec: m, workers: 2, optimizer: { type: 'SGD', lr: 0.1 }, transport, modules: USER_MODULES });
      try {
        expect(t.inputShape).toBeNull();
        await t.fit({ data: data.x, shape: [n, D] }, labels, { epochs: 2, batchSize, seed });
        expect(t.inputShape).toEqual([D]);
        const reps = await t.replicaStateDicts();
        expect(stateBits(reps[0], reps[1])).toBe(true);

        const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
        const loader = new DataLoader(new TensorDataset({ data: data.x, shape: [n, D] }, { data: labels, shape: [n] }), { batchSize, shuffle: true, seed });
        await fit(m, loader, { epochs: 2, optimizer: opt, verbose: false });
        opt.dispose();
        // Shard gradients are summed in another order than one thread sums rows: float reassociation only.
        expect(maxDiff(reps[0], m.stateDict())).toBeLessThan(2e-5);
        expect(maxDiff(reps[0], start)).toBeGreaterThan(1e-3);
      } finally {
        await t.close();
        m.dispose();
      }
    });
  }
});

describe('buffers and extra state', () => {
  it('are in stateDict / extraStateDict, not trained, and round-trip through save and load', () => {
    const model = new nn.Sequential(new RunningMean(D), new nn.Linear(D, C, { seed: 1 }), new nn.Dropout(0.2, { seed: 4 }));
    const rm = model.layers[0] as RunningMean;
    expect([...model.namedBuffers()].map(([n, b]) => [n, b.shape])).toEqual([['0.mean', [D]]]);
    expect(model.parameters()).not.toContain(rm.mean);
    expect(Object.keys(model.stateDict())).toEqual(['1.weight', '1.bias', '0.mean']);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const d = makeData(8, 3);
    for (let k = 0; k < 3; k++) {
      tidy(() => {
        opt.zeroGrad();
        const loss = new nn.MSELoss().forward(model.forward(tensor(d.x, [8, D])), tensor(d.y, [8, C]));
        loss.backward();
        opt.step();
      });
    }
    expect(rm.mean.grad).toBeNull();
    expect(rm.seen).toBe(3);
    expect(Array.from(rm.mean.toFloat32Array()).some((v) => v !== 0)).toBe(true);
    expect(model.extraStateDict()).toEqual({ '0': { seen: 3 }, '2': { rng: (model.layers[2] as nn.Dropout).rng.getState() } });

    const saved = saveModel(model, opt);
    expect(Object.keys(readSafetensors(saved.weights).tensors).sort()).toEqual(['0.mean', '1.bias', '1.weight']);
    const back = loadModel<nn.Sequential>(saved);
    const rb = back.model.layers[0] as RunningMean;
    expect(sameBits(rb.mean.toFloat32Array(), rm.mean.toFloat32Array())).toBe(true);
    expect(rb.seen).toBe(3);
    expect((back.model.layers[2] as nn.Dropout).rng.getState()).toEqual((model.layers[2] as nn.Dropout).rng.getState());
    // The optimizer covers the parameters only.
    expect(back.optimizer!.params.length).toBe(2);
    back.optimizer!.dispose();
    back.model.dispose();
    opt.dispose();
    model.dispose();
  });

  it('trainInWorker returns extra state, so a model with Dropout resumes exactly where it stopped', async () => {
    const N = 64, opts = { batchSize: 16, seed: 3, optimizer: { type: 'Adam' as const, lr: 0.01 }, transfer: false };
    const data = pair(makeData(N, 8), N);
    const m = new nn.Sequential(new nn.Linear(D, 8, { seed: 1 }), new nn.ReLU(), new nn.Dropout(0.3, { seed: 6 }), new nn.Linear(8, C, { seed: 2 }));
    const whole = await trainInWorker(m, data, { ...opts, epochs: 2 });
    const first = await trainInWorker(m, data, { ...opts, epochs: 1 });
    expect(first.extraState['2']).not.toEqual(m.extraStateDict()['2']); // the stream moved
    const rest = await trainInWorker(m, data, { ...opts, epochs: 1, initialEpoch: 1, weights: first.weights, optimizerState: first.optimizerState, extraState: first.extraState });
    expect(stateBits(rest.weights, whole.weights)).toBe(true);
    expect(rest.extraState).toEqual(whole.extraState);
    // Without the stream position the second half draws other masks.
    const blind = await trainInWorker(m, data, { ...opts, epochs: 1, initialEpoch: 1, weights: first.weights, optimizerState: first.optimizerState });
    expect(stateBits(blind.weights, whole.weights)).toBe(false);
    m.dispose();
  });

  it('a module taking and returning several tensors ((x, h) → [y, h]) is saved and loaded', () => {
    const cell = new Cell(3, 4);
    const run = (c: nn.Module<[Tensor, Tensor], [Tensor, Tensor]>) =>
      tidy(() => {
        let h = tensor(new Float32Array(2 * 4), [2, 4]);
        let y!: Tensor;
        for (let s = 0; s < 3; s++) [y, h] = c.forward(tensor([[0.1 * s, 1, -1], [0.5, -0.2, 0.3]]), h);
        return y.toFloat32Array();
      });
    const back = loadModel<Cell>(saveModel(cell));
    expect(back.model).toBeInstanceOf(Cell);
    expect(sameBits(run(back.model), run(cell))).toBe(true);
    back.model.dispose();
    cell.dispose();
  });
});

describe('nn.register', () => {
  it('rejects classes it could not rebuild, and a second class under a taken type', () => {
    class NoType extends nn.Module {
      forward(x: Tensor) {
        return x;
      }
      static fromConfig() {
        return new NoType();
      }
    }
    class NoFromConfig extends nn.Module {
      static readonly type = 'test.NoFromConfig';
      forward(x: Tensor) {
        return x;
      }
    }
    // Inherits Linear's type and fromConfig: saving it as 'Linear' would load a plain Linear.
    class MyLinear extends nn.Linear {}
    class Other extends nn.Module {
      static readonly type = 'test.Blocks';
      forward(x: Tensor) {
        return x;
      }
      static fromConfig() {
        return new Other();
      }
    }
    expect(() => nn.register(NoType as never)).toThrow(/nn\.register: NoType needs its own static type/);
    expect(() => nn.register(NoFromConfig as never)).toThrow(/nn\.register: NoFromConfig \(type 'test\.NoFromConfig'\) needs its own static fromConfig/);
    expect(() => nn.register(MyLinear as never)).toThrow(/nn\.register: MyLinear needs its own static type/);
    expect(() => nn.register(Other)).toThrow(/nn\.register: type 'test\.Blocks' is already registered by Blocks; give Other another static type/);
    expect(() => nn.register(class { static type = 'x'; static fromConfig() {} } as never)).toThrow(/expected a class extending nn\.Module/);
    expect(() => nn.register(Blocks)).not.toThrow(); // the same class again: a no-op
    expect(() => nn.toSpec(new nn.Sequential(new MyLinear(2, 2)))).toThrow(/toSpec: root\.0 \(MyLinear\) is not a registered module/);
    expect(nn.registeredTypes()).toContain('ModuleDict');
  });

  it('a key the module does not give back in config() is rejected, naming the path and key, and nothing leaks', () => {
    const live = memoryStats().liveBlocks;
    const spec = { format: 'knobs.module', version: 2, root: { type: 'ModuleDict', config: {}, children: [{ name: 'enc', type: 'test.Blocks', config: { sizes: [3, 2], classes: 2, sedd: 1 } }] } };
    expect(() => nn.fromSpec(spec)).toThrow(/fromSpec: root\.enc \(test\.Blocks\): unknown config key\(s\) 'sedd'; Blocks\.config\(\) has sizes, classes, seed/);
    expect(memoryStats().liveBlocks).toBe(live);
  });

  it('ModuleList and ModuleDict are containers: children in the spec, in order, rebuilt alike', () => {
    const m = new nn.ModuleDict({ b: new nn.Linear(2, 3, { seed: 1 }), a: new nn.ModuleList([new nn.Tanh(), new nn.Linear(3, 1, { seed: 2 })]) });
    const spec = nn.toSpec(m);
    expect(spec.root.children!.map((c) => c.name)).toEqual(['b', 'a']);
    const back = nn.fromSpec<nn.ModuleDict>(JSON.parse(JSON.stringify(spec)));
    expect([...back.namedParameters()].map(([n]) => n)).toEqual(['b.weight', 'b.bias', 'a.1.weight', 'a.1.bias']);
    expect(stateBits(back.stateDict(), m.stateDict())).toBe(true);
    expect(() => (back as nn.AnyModule).forward()).toThrow(/ModuleDict\.forward: a ModuleDict only holds modules/);
    back.dispose();
    m.dispose();
  });
});

describe('loading', () => {
  it('reads a model file written by the previous format (knobs.sequential v1) with its optimizer and Dropout stream', async () => {
    const dir = new URL('./fixtures/v1-model/', import.meta.url).pathname;
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.version).toBe(1);
    const file = readSafetensors(readFileSync(join(dir, 'model.safetensors')));
    const { model, optimizer } = await load(join(dir, 'model'));
    expect(nn.toSpec(model)).toEqual(nn.toSpec(new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Dropout(0.25, { seed: 7 }), new nn.Linear(4, 2))));
    for (const [k, t] of Object.entries(file.tensors)) expect(sameBits(model.stateDict()[k].data, t.data as Float32Array), k).toBe(true);
    expect(model.extraStateDict()).toEqual({ '2': { rng: json.rng['2'] } });
    expect(optimizer).toBeInstanceOf(optim.Adam);
    expect(optimizer!.stateDict().step).toBe(2);
    // Saved again, it is a version-2 file that loads to the same state.
    const again = loadModel(saveModel(model, optimizer));
    expect(stateBits(again.model.stateDict(), model.stateDict())).toBe(true);
    expect(again.model.extraStateDict()).toEqual(model.extraStateDict());
    for (const o of [optimizer, again.optimizer]) o!.dispose();
    model.dispose();
    again.model.dispose();
  });

  it('a tiny weights file whose spec claims a 20000×20000 Linear fails fast, without growing memory', () => {
    const weights = writeSafetensors({ '0.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }, '0.bias': { dtype: 'F32', shape: [2], data: new Float32Array(2) } });
    expect(weights.length).toBeLessThan(256);
    const spec = { format: 'knobs.module', version: 2, root: { type: 'Sequential', config: {}, children: [{ name: '0', type: 'Linear', config: { inFeatures: 20000, outFeatures: 20000 } }] } };
    const before = memoryStats();
    const t0 = performance.now();
    // The JSON lists what the file holds: the spec is then built under that limit.
    const honest = { format: 'knobs.model', version: 2, model: spec, parameters: [{ name: '0.weight', shape: [2, 2] }, { name: '0.bias', shape: [2] }], buffers: [], optimizer: null, extraState: {}, metadata: {} };
    expect(() => loadModel({ weights, json: JSON.stringify(honest) })).toThrow(KnobsError);
    expect(() => loadModel({ weights, json: JSON.stringify(honest) })).toThrow(/loadModel: building the model needs more than the \d+ bytes left of its limit \(a block of 1600000000 bytes\), but the weights file declares only 24 bytes/);
    // The JSON lists what the spec implies: the file's header disagrees, before anything is built.
    const claims = { ...honest, parameters: [{ name: '0.weight', shape: [20000, 20000] }, { name: '0.bias', shape: [20000] }] };
    expect(() => loadModel({ weights, json: JSON.stringify(claims) })).toThrow(/loadModel: tensor '0.weight' has shape \[2,2\], the JSON declares \[20000,20000\]/);
    expect(performance.now() - t0).toBeLessThan(1000);
    const after = memoryStats();
    expect(after.wasmBytes).toBe(before.wasmBytes);
    expect(after.liveBlocks).toBe(before.liveBlocks);
    // Still usable.
    const m = new nn.Linear(2, 2);
    const ok = loadModel(saveModel(m)).model;
    expect(ok).toBeInstanceOf(nn.Linear);
    ok.dispose();
    m.dispose();
  });
});

