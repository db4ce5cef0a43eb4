import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, memoryStats, nn, optim, tensor, tidy } from '../ts/index.js';
import { DataLoader } from '../ts/data/dataset.js';
import { blobs } from './helpers/blobs.js';
import { EarlyStopping, evaluate, fit, predict, type Callback } from '../ts/train/index.js';

beforeAll(() => init());

function mlp(seed = 1) {
  return new nn.Sequential(new nn.Linear(2, 16, { seed }), new nn.ReLU(), new nn.Linear(16, 3, { seed: seed + 1 }));
}

afterEach(() => vi.restoreAllMocks());

describe('fit', () => {
  it('learns separable blobs; history and callbacks see every epoch and batch in order', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const loader = new DataLoader(blobs(300, 1), { batchSize: 32, shuffle: true, seed: 5 });
    const events: string[] = [];
    const batchSizes: number[] = [];
    const cb: Callback = {
      onTrainBegin: (ctx) => void events.push(`train-begin ${ctx.epochs}x${ctx.batchesPerEpoch}`),
      onEpochBegin: (e) => void events.push(`epoch-begin ${e}`),
      onBatchEnd: (b, logs) => {
        batchSizes.push(logs.size!);
        expect(Number.isFinite(logs.loss)).toBe(true);
      },
      onEpochEnd: async (e, logs) => {
        await Promise.resolve(); // async hooks are awaited
        events.push(`epoch-end ${e} ${Object.keys(logs).join(',')}`);
      },
      onTrainEnd: (h) => void events.push(`train-end ${h.stopped}`),
    };
    const h = await fit(model, loader, { epochs: 8, optimizer: opt, metrics: ['accuracy'], callbacks: [cb], verbose: false });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(h.stopped).toBeNull();
    expect(h.history.loss).toHaveLength(8);
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0] / 3);
    expect(h.history.accuracy[7]).toBeGreaterThan(0.95);
    expect(events[0]).toBe('train-begin 8x10');
    expect(events[1]).toBe('epoch-begin 0');
    expect(events[2]).toBe('epoch-end 0 loss,accuracy');
    expect(events.at(-1)).toBe('train-end null');
    // 300 = 9 full batches of 32 + one of 12, every epoch.
    expect(batchSizes).toHaveLength(80);
    expect(batchSizes.slice(0, 10)).toEqual([32, 32, 32, 32, 32, 32, 32, 32, 32, 12]);
    const ev = evaluate(model, new DataLoader(blobs(150, 2), { batchSize: 64 }));
    expect(ev.accuracy).toBeGreaterThan(0.95);
    model.dispose();
    opt.dispose();
  });

  it('is deterministic: same seeds, same weights', async () => {
    const run = async () => {
      const model = new nn.Sequential(new nn.Linear(2, 8, { seed: 3 }), new nn.Tanh(), new nn.Dropout(0.3, { seed: 4 }), new nn.Linear(8, 3, { seed: 5 }));
      const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
      await fit(model, new DataLoader(blobs(90, 3), { batchSize: 16, shuffle: true, seed: 1 }), { epochs: 3, optimizer: opt, verbose: false });
      const w = model.stateDict();
      model.dispose();
      opt.dispose();
      return w;
    };
    const a = await run(), b = await run();
    for (const k of Object.keys(a)) expect(Array.from(b[k].data)).toEqual(Array.from(a[k].data));
  });

  it('keeps wasm memory flat: every step is tidied, nothing outlives fit but optimizer state', async () => {
    const model = mlp();
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const loader = new DataLoader(blobs(200, 4), { batchSize: 16 });
    const validation = new DataLoader(blobs(50, 5), { batchSize: 16 });
    // One epoch to create the optimizer state and meet every block size (validation's short last
    // batch included), then measure.
    await fit(model, loader, { epochs: 1, optimizer: opt, validation, verbose: false });
    const before = memoryStats();
    const live: number[] = [];
    const wasm: number[] = [];
    await fit(model, loader, {
      epochs: 5,
      optimizer: opt,
      metrics: ['accuracy'],
      validation,
      verbose: false,
      callbacks: { onBatchEnd: () => void (live.push(memoryStats().liveBlocks), wasm.push(memoryStats().wasmBytes)) },
    });
    expect(live).toHaveLength(5 * 13);
    // During the epoch only the loader's two batch buffers (x, y) are extra, identical every batch.
    expect(new Set(live)).toEqual(new Set([before.liveBlocks + 2]));
    // Wasm memory may grow once, when the compiled step's arena is made (after its two traced
    // steps: its size follows where the eager run's blocks happened to lie); from then on it is flat.
    expect(new Set(wasm.slice(2)).size).toBe(1);
    const after = memoryStats();
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.wasmBytes).toBe(wasm[2]);
    // A third fit reuses the freed arena's space: no further growth, nothing left behind.
    await fit(model, loader, { epochs: 2, optimizer: opt, validation, verbose: false });
    expect(memoryStats().wasmBytes).toBe(after.wasmBytes);
    expect(memoryStats().liveBlocks).toBe(before.liveBlocks);
    model.dispose();
    opt.dispose();
  });

  it('stops cleanly on abort between batches and resolves with stopped: "aborted"', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
    const loader = new DataLoader(blobs(120, 6), { batchSize: 10 });
    // A first fit moves the parameters into a compiled step's arena (one block); measure from there.
    await fit(model, loader, { epochs: 1, optimizer: opt, verbose: false });
    const before = memoryStats().liveBlocks;
    const ac = new AbortController();
    let seen = 0;
    const h = await fit(model, loader, {
      epochs: 5,
      optimizer: opt,
      signal: ac.signal,
      verbose: false,
      callbacks: {
        onBatchEnd: () => {
          seen++;
          if (seen === 30) ac.abort(); // in epoch 2, batch 5
        },
      },
    });
    expect(h.stopped).toBe('aborted');
    expect(seen).toBe(30); // no batch ran after the abort
    expect(h.epoch).toEqual([0, 1]); // the interrupted epoch is not recorded
    expect(memoryStats().liveBlocks).toBe(before); // batch buffers freed, no leak
    // An abort that arrives from a timer (another task) is seen too: fit yields to the event loop.
    const ac2 = new AbortController();
    setTimeout(() => ac2.abort(), 30);
    const t0 = performance.now();
    const h2 = await fit(model, loader, { epochs: 100000, optimizer: opt, signal: ac2.signal, verbose: false });
    expect(h2.stopped).toBe('aborted');
    expect(performance.now() - t0).toBeLessThan(5000);
    // Already aborted: no training at all.
    const w = model.stateDict()['0.weight'].data;
    const h3 = await fit(model, loader, { epochs: 3, optimizer: opt, signal: AbortSignal.abort(), verbose: false });
    expect(h3).toEqual({ epoch: [], history: {}, stopped: 'aborted' });
    expect(Array.from(model.stateDict()['0.weight'].data)).toEqual(Array.from(w));
    model.dispose();
    opt.dispose();
  });

  it('validation split reports val_* from the held-out tail', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    let batches = 0;
    const h = await fit(model, new DataLoader(blobs(100, 7), { batchSize: 10 }), {
      epochs: 2,
      optimizer: opt,
      metrics: ['accuracy'],
      validation: { split: 0.2 },
      verbose: false,
      callbacks: { onBatchEnd: () => void batches++ },
    });
    expect(batches).toBe(16); // 80 training samples per epoch
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    const ev = evaluate(model, new DataLoader(blobs(100, 7).slice(80), { batchSize: 7 }));
    expect(h.history.val_loss[1]).toBeCloseTo(ev.loss, 5);
    expect(h.history.val_accuracy[1]).toBeCloseTo(ev.accuracy!, 10);
    model.dispose();
    opt.dispose();
  });

  it('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
    // In 'max' mode a falling loss never improves: epoch 0 stays best, so the stop epoch is exact.
    const es = new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 2, restoreBestWeights: true });
    let epoch0: Record<string, Float32Array> = {};
    const snap: Callback = { onEpochEnd: (e, _l, ctx) => void (e === 0 && (epoch0 = Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, v]) => [k, v.data])))) };
    const h = await fit(model, new DataLoader(blobs(60, 8), { batchSize: 10 }), { epochs: 10, optimizer: opt, callbacks: [snap, es], verbose: false });
    expect(h.stopped).toBe('early-stopping');
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(es.bestEpoch).toBe(0);
    expect(es.stoppedEpoch).toBe(2);
    for (const [k, v] of Object.entries(model.stateDict())) expect(Array.from(v.data)).toEqual(Array.from(epoch0[k]));

    // Improving monitor with minDelta: keeps going to the end.
    const es2 = new EarlyStopping({ monitor: 'loss', patience: 1 });
    const h2 = await fit(model, new DataLoader(blobs(60, 8), { batchSize: 10 }), { epochs: 4, optimizer: opt, callbacks: es2, verbose: false });
    expect(h2.stopped).toBeNull();
    expect(h2.epoch).toHaveLength(4);

    // A monitor that is not logged is a clear error.
    await expect(fit(model, new DataLoader(blobs(30, 8), { batchSize: 10 }), { epochs: 2, optimizer: opt, callbacks: new EarlyStopping(), verbose: false })).rejects.toThrow(
      /EarlyStopping: monitor 'val_loss' is not in the epoch logs \(have: loss\)/,
    );
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience must be a non-negative integer/);
    model.dispose();
    opt.dispose();
  });

  it('rejects bad options and a failing step without leaking memory', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loader = new DataLoader(blobs(20, 9), { batchSize: 5 });
    await expect(fit(model, loader, { epochs: 1.5, optimizer: opt })).rejects.toThrow(/fit: epochs must be a non-negative integer, got 1.5/);
    await expect(fit(model, loader, { epochs: 1 } as any)).rejects.toThrow(/fit: an optimizer is required/);
    await expect(fit(model, loader, { epochs: 1, optimizer: opt, loss: 'hinge' as any })).rejects.toThrow(/fit: loss must be 'crossEntropy', 'mse'/);
    await expect(fit(model, loader, { epochs: 1, optimizer: opt, metrics: ['f2' as any] })).rejects.toThrow(/unknown metric "f2"/);
    await expect(fit(model, loader, { epochs: 1, optimizer: opt, loss: (p) => p, verbose: false })).rejects.toThrow(/the loss must return a one-element tensor, got \[5,3\]/);
    // NaN in the targets: the loss refuses it; memory is as before; the model still trains afterwards.
    const before = memoryStats().liveBlocks;
    const bad = blobs(20, 9);
    bad.y[7] = NaN;
    await expect(fit(model, new DataLoader(bad, { batchSize: 5 }), { epochs: 1, optimizer: opt, loss: 'mse', verbose: false })).rejects.toThrow(/NaN/);
    await expect(fit(model, new DataLoader(bad, { batchSize: 5 }), { epochs: 1, optimizer: opt, verbose: false })).rejects.toThrow(/crossEntropy: target \[5,3\] contains NaN/);
    expect(memoryStats().liveBlocks).toBe(before);
    const h = await fit(model, loader, { epochs: 1, optimizer: opt, verbose: false });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    model.dispose();
    opt.dispose();
  });

  it('verbose: true prints one line per epoch when not a terminal; auto is silent', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loader = new DataLoader(blobs(20, 10), { batchSize: 5 });
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => (writes.push(String(s)), true));
    const isTTY = process.stderr.isTTY;
    (process.stderr as any).isTTY = false;
    try {
      await fit(model, loader, { epochs: 2, optimizer: opt, metrics: ['accuracy'] });
      expect(writes).toEqual([]);
      await fit(model, loader, { epochs: 2, optimizer: opt, metrics: ['accuracy'], verbose: true });
    } finally {
      (process.stderr as any).isTTY = isTTY;
    }
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/^epoch 1\/2 \| loss \d+\.\d{4} \| accuracy \d\.\d{4} \| \d+\.\ds\n$/);
    model.dispose();
    opt.dispose();
  });
});

describe('predict', () => {
  it('matches one big forward pass, for tensors and arrays, with a partial last batch, in eval mode', () => {
    const model = new nn.Sequential(new nn.Linear(2, 5, { seed: 1 }), new nn.ReLU(), new nn.Dropout(0.5, { seed: 2 }), new nn.Linear(5, 3, { seed: 3 }));
    const ds = blobs(23, 11);
    const x = tensor(ds.x, [23, 2]);
    model.eval();
    const ref = tidy(() => model.forward(x).toFloat32Array());
    model.train();
    // A first compiled predict moves the parameters into its arena (one block); count from there.
    predict(model, x, { batchSize: 4 }).dispose();
    const before = memoryStats().liveBlocks;
    const a = predict(model, x, { batchSize: 4 });
    const b = predict(model, { data: ds.x, shape: [23, 2] }, { batchSize: 10 });
    expect(a.shape).toEqual([23, 3]);
    expect(Array.from(a.toFloat32Array())).toEqual(Array.from(ref));
    expect(Array.from(b.toFloat32Array())).toEqual(Array.from(ref));
    expect(model.training).toBe(true); // mode restored
    expect(memoryStats().liveBlocks).toBe(before + 2);
    a.dispose();
    b.dispose();
    // Inside tidy the result belongs to that scope like any other tensor.
    tidy(() => void predict(model, x));
    expect(memoryStats().liveBlocks).toBe(before);
    expect(() => predict(model, x, { batchSize: 0 })).toThrow(/predict: batchSize must be a positive integer/);
    x.dispose();
    model.dispose();
  });
});
