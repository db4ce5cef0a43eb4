/**
 * trainInWorker in Node worker_threads: same weights as the main thread, progress, abort, a worker
 * that crashes, exits or is terminated, bad options, IDX files read by the worker, reuse.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { sameBits } from './helpers/bits.js';
import { DataLoader, KnobsError, Rng, TensorDataset, fit, init, manualSeed, nn, optim, predict, tensor, tidy } from '../ts/index.js';
import { hasMnist, defaultMnistDir } from '../ts/data/mnist-node.js';
import { MNIST_FILES } from '../ts/data/mnist.js';
import { WorkerError, createTrainWorker, trainInWorker, type TrainProgress, type TrainResult, type TrainWorker } from '../ts/worker/index.js';
import type { ModelSpecV1 as ModelSpec } from '../ts/nn/spec.js';
import type { NodeWorkerLike } from '../ts/worker/spawn.js';
import { C, D, makeData, pair } from './helpers/projection.js';
import { writeQuadrantIdx } from './helpers/idx.js';

// No seeds on the Linear layers: their init comes from the global stream that `seed` sets, which
// is what the main-thread replay has to reproduce. Dropout brings its own seeded mask stream.
const spec: ModelSpec = {
  format: 'knobs.sequential',
  version: 1,
  layers: [
    { type: 'Linear', inFeatures: D, outFeatures: 32, bias: true },
    { type: 'Tanh' },
    { type: 'Dropout', p: 0.1, seed: 5 },
    { type: 'Linear', inFeatures: 32, outFeatures: C, bias: true },
  ],
};

beforeAll(async () => {
  await init();
});

describe('trainInWorker (Node worker_threads)', () => {
  it('streams progress and returns the weights main-thread fit() gets with the same seed, bit for bit', async () => {
    const N = 300, seed = 11, epochs = 3, batchSize = 32;
    const data = makeData(N, 1);
    const copy = { x: data.x.slice(), y: data.y.slice() };
    const events: TrainProgress[] = [];
    const res = await trainInWorker(spec, pair(copy, N), {
      epochs, batchSize, seed, optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9 }, progressEveryMs: 0, validation: { split: 0.2 },
    }, (p) => events.push(p));

    // Transferred, not copied: the caller's arrays were handed over and are now detached.
    expect(copy.x.length).toBe(0);
    expect(copy.y.length).toBe(0);

    // The same training on this thread, written the way a user would.
    manualSeed(seed);
    const model = nn.fromSpec(spec);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const loader = new DataLoader(new TensorDataset(pair(data, N).x, pair(data, N).y), { batchSize, shuffle: true, seed });
    const history = await fit(model, loader, { epochs, optimizer: opt, metrics: ['accuracy'], validation: { split: 0.2 }, verbose: false });
    const local = model.stateDict();

    expect(Object.keys(res.weights).sort()).toEqual(Object.keys(local).sort());
    for (const [k, e] of Object.entries(local)) {
      expect(res.weights[k].shape, k).toEqual(e.shape);
      // Same wasm binary, same kernels, same op order, same seeds: IEEE float32 arithmetic in
      // wasm is deterministic, so the two threads must agree exactly, not just closely.
      expect(sameBits(res.weights[k].data, e.data), `${k} differs from the main-thread run`).toBe(true);
    }
    expect(res.history).toEqual(history);
    expect(res.aborted).toBe(false);
    expect(res.history.history.loss[2]).toBeLessThan(res.history.history.loss[0]);

    // Progress: every batch (progressEveryMs: 0) and every epoch, in order, consistent with history.
    const batchesPerEpoch = Math.ceil((N - Math.round(N * 0.2)) / batchSize);
    expect(res.steps).toBe(epochs * batchesPerEpoch);
    const batchEvents = events.filter((e) => e.type === 'batch');
    const epochEvents = events.filter((e) => e.type === 'epoch');
    expect(batchEvents.length).toBe(epochs * batchesPerEpoch);
    expect(batchEvents.map((e) => e.step)).toEqual(Array.from({ length: epochs * batchesPerEpoch }, (_, i) => i + 1));
    expect(batchEvents.every((e) => e.batches === batchesPerEpoch && e.batch >= 1 && e.batch <= batchesPerEpoch && Number.isFinite(e.logs.loss))).toBe(true);
    expect(epochEvents.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(epochEvents.map((e) => e.logs.val_accuracy)).toEqual(history.history.val_accuracy);
    expect(epochEvents.map((e) => e.logs.loss)).toEqual(history.history.loss);
    model.dispose();
    opt.dispose();
  });

  it('trains on its own wasm thread pool when given threads, to the same bits as on one thread', async () => {
    // Wide enough that every matmul of a step is split (≥ 2^17 multiply-adds).
    const wide: ModelSpec = {
      format: 'knobs.sequential',
      version: 1,
      layers: [{ type: 'Linear', inFeatures: 256, outFeatures: 64, bias: true }, { type: 'ReLU' }, { type: 'Linear', inFeatures: 64, outFeatures: 10, bias: true }],
    };
    const N = 512, rng = new Rng(11);
    const x = new Float32Array(N * 256).map(() => rng.next() * 2 - 1);
    const y = new Float32Array(N * 10);
    for (let i = 0; i < N; i++) y[i * 10 + (i % 10)] = 1;
    const opts = { epochs: 2, batchSize: 128, seed: 3, optimizer: { type: 'SGD' as const, lr: 0.05, momentum: 0.9 }, transfer: false };
    const data = () => ({ x: { data: x, shape: [N, 256] }, y: { data: y, shape: [N, 10] } });
    const one = await trainInWorker(wide, data(), opts);
    const two = await trainInWorker(wide, data(), { ...opts, threads: 2 });
    expect([one.threads, two.threads]).toEqual([1, 2]);
    for (const [k, e] of Object.entries(one.weights)) expect(sameBits(two.weights[k].data, e.data), k).toBe(true);
  });

  it('attaches weight snapshots to progress when asked, and resumes from weights + optimizer state', async () => {
    const N = 128;
    const d = makeData(N, 2);
    const snaps: TrainProgress[] = [];
    // Dropout's mask stream is not part of a StateDict, so an exact resume needs a model without it.
    const noDropout: ModelSpec = { ...spec, layers: spec.layers.filter((l) => l.type !== 'Dropout') };
    const first = await trainInWorker(noDropout, pair(d, N), { epochs: 2, batchSize: 16, optimizer: { type: 'Adam', lr: 0.01 }, weightsEveryMs: 0, transfer: false }, (p) => {
      if (p.weights) snaps.push(p);
    });
    expect(d.x.length).toBe(N * D); // transfer: false leaves the caller's arrays alone
    const lastEpoch = snaps.filter((s) => s.type === 'epoch').at(-1)!;
    expect(lastEpoch.epoch).toBe(1);
    for (const [k, e] of Object.entries(first.weights)) expect(sameBits(lastEpoch.weights![k].data, e.data)).toBe(true);

    // 2 epochs + 1 resumed epoch == 3 epochs in one go.
    const resumed = await trainInWorker(noDropout, pair(d, N), {
      epochs: 1, initialEpoch: 2, batchSize: 16, optimizer: { type: 'Adam', lr: 0.01 }, weights: first.weights, optimizerState: first.optimizerState, transfer: false,
    });
    const straight = await trainInWorker(noDropout, pair(d, N), { epochs: 3, batchSize: 16, optimizer: { type: 'Adam', lr: 0.01 }, transfer: false });
    for (const [k, e] of Object.entries(straight.weights)) expect(sameBits(resumed.weights[k].data, e.data), k).toBe(true);
    expect(resumed.history.epoch).toEqual([2]);
  });

  it('probe: the worker reports the model\'s outputs on given inputs, equal to predict() with the weights of that moment', async () => {
    const N = 96;
    const d = makeData(N, 7);
    const probeX = { data: d.x.slice(0, 5 * D), shape: [5, D] };
    const seen: TrainProgress[] = [];
    const res = await trainInWorker(spec, pair(d, N), {
      epochs: 2, batchSize: 16, seed: 3, optimizer: { type: 'SGD', lr: 0.1 }, progressEveryMs: 0, weightsEveryMs: 0, probe: { x: probeX, everyMs: 0 }, transfer: false,
    }, (p) => seen.push(p));
    expect(probeX.data.length).toBe(5 * D); // copied, never transferred
    const withBoth = seen.filter((p) => p.probe && p.weights);
    expect(withBoth.length).toBeGreaterThanOrEqual(2 * 6);
    const model = nn.fromSpec(spec);
    try {
      // Eval mode (no dropout), no graph: what predict() gives on this thread with the same weights.
      for (const p of [withBoth[0], withBoth.at(-1)!]) {
        model.loadStateDict(p.weights!);
        const here = tidy(() => predict(model, probeX).toFloat32Array());
        expect(p.probe!.shape).toEqual([5, C]);
        expect(sameBits(p.probe!.data, here)).toBe(true);
      }
      model.loadStateDict(res.weights);
      expect(sameBits(res.probe!.data, tidy(() => predict(model, probeX).toFloat32Array()))).toBe(true);
    } finally {
      model.dispose();
    }
    await expect(trainInWorker(spec, pair(d, N), { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 }, probe: { x: { data: [1, 2] as unknown as Float32Array, shape: [2] } }, transfer: false }))
      .rejects.toThrow(/trainInWorker: probe\.x must be \{ data: Float32Array, shape: number\[\] \}/);
  });

  it('aborting stops between batches and resolves with the weights so far', async () => {
    const N = 512;
    const d = makeData(N, 3);
    const ac = new AbortController();
    let seen = 0;
    const t0 = Date.now();
    const res = await trainInWorker(spec, pair(d, N), { epochs: 10_000, batchSize: 8, optimizer: { type: 'SGD', lr: 0.05 }, progressEveryMs: 0, signal: ac.signal }, (p) => {
      if (++seen === 20) ac.abort();
    });
    expect(res.aborted).toBe(true);
    expect(res.history.stopped).toBe('aborted');
    // The worker saw the cancel within a few batches, far from the 10 000 epochs asked for.
    expect(res.steps).toBeGreaterThanOrEqual(20);
    // Loose on purpose (a busy machine delays the cancel by some batches): 100 of 10 000 epochs.
    expect(res.steps).toBeLessThan(64 * 100);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(Object.values(res.weights).every((e) => e.data.every(Number.isFinite))).toBe(true);
  });

  it('an already-aborted signal rejects at once with its reason and keeps the data', async () => {
    const N = 16;
    const d = makeData(N, 4);
    const ac = new AbortController();
    ac.abort(new Error('user gave up'));
    await expect(trainInWorker(spec, pair(d, N), { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 }, signal: ac.signal })).rejects.toThrow('user gave up');
    expect(d.x.length).toBe(N * D);
  });

  it('a worker terminated mid-training rejects with a clear WorkerError (no hang)', async () => {
    const N = 256;
    const w = await createTrainWorker();
    let terminated = false;
    const run = trainInWorker(spec, pair(makeData(N, 5), N), { epochs: 10_000, batchSize: 8, optimizer: { type: 'SGD', lr: 0.05 }, progressEveryMs: 0, worker: w }, () => {
      if (!terminated) {
        terminated = true;
        void w.terminate();
      }
    });
    await expect(run).rejects.toThrow(WorkerError);
    await expect(run).rejects.toThrow(/the worker was terminated before training finished/);
  });

  const crashingWorker = () => createTrainWorker({ workerUrl: new URL('./fixtures/crashing-train-worker.ts', import.meta.url) }) as Promise<NodeWorkerLike>;

  it('a worker that crashes (uncaught error) rejects with the crash message', async () => {
    const N = 256;
    const w = await crashingWorker();
    let sent = false;
    const run = trainInWorker(spec, pair(makeData(N, 6), N), { epochs: 10_000, batchSize: 8, optimizer: { type: 'SGD', lr: 0.05 }, progressEveryMs: 0, worker: w }, () => {
      if (!sent) (sent = true), w.postMessage({ crash: 'simulated out of memory' });
    });
    await expect(run).rejects.toThrow(/the worker crashed: simulated out of memory/);
    await expect(run).rejects.toBeInstanceOf(WorkerError);
  });

  it('a worker that exits rejects with its exit code', async () => {
    const N = 256;
    const w = await crashingWorker();
    let sent = false;
    const run = trainInWorker(spec, pair(makeData(N, 7), N), { epochs: 10_000, batchSize: 8, optimizer: { type: 'SGD', lr: 0.05 }, progressEveryMs: 0, worker: w }, () => {
      if (!sent) (sent = true), w.postMessage({ exit: 7 });
    });
    await expect(run).rejects.toThrow(/the worker exited with code 7 before training finished/);
  });

  it('a worker that cannot see the cancel is terminated after abortTimeoutMs and the call rejects', async () => {
    const N = 256;
    const w = await crashingWorker();
    const ac = new AbortController();
    let sent = false;
    const t0 = Date.now();
    const run = trainInWorker(spec, pair(makeData(N, 7), N), { epochs: 10_000, batchSize: 8, optimizer: { type: 'SGD', lr: 0.05 }, progressEveryMs: 0, worker: w, signal: ac.signal, abortTimeoutMs: 300 }, () => {
      if (sent) return;
      sent = true;
      w.postMessage({ block: 60_000 });
      ac.abort();
    });
    await expect(run).rejects.toThrow(/aborted, but the worker did not stop within 300 ms and was terminated/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('a worker script that fails to load rejects instead of hanging', async () => {
    const missing = pathToFileURL(join(tmpdir(), 'no-such-knobs-worker.js'));
    await expect(trainInWorker(spec, pair(makeData(8, 8), 8), { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 }, workerUrl: missing })).rejects.toThrow(/trainInWorker: the worker crashed: .*no-such-knobs-worker/);
  });

  it('a script that is not the knobs worker times out with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-worker-'));
    writeFileSync(join(dir, 'idle.mjs'), 'setInterval(() => {}, 1000);');
    await expect(trainInWorker(spec, pair(makeData(8, 8), 8), { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 }, workerUrl: pathToFileURL(join(dir, 'idle.mjs')), startTimeoutMs: 1500 }))
      .rejects.toThrow(/did not answer within 1500 ms/);
  });

  it('bad options are reported with the op name: spec before a worker starts, the rest from the worker', async () => {
    const d = makeData(8, 9);
    const bad = { ...spec, layers: [{ type: 'Linear', inFeatures: D, outFeatures: 4, bias: true }, { type: 'Linear', inFeatures: 5, outFeatures: C, bias: true }] } as ModelSpec;
    await expect(trainInWorker(bad, pair(d, 8), { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 } })).rejects.toThrow(/root \(Sequential\): child 1 \(Linear\) takes 5 inputs but child 0 produces 4/);
    expect(d.x.length).toBe(8 * D); // nothing was handed over

    const e1 = await trainInWorker(spec, pair(makeData(8, 9), 8), { epochs: 1, optimizer: { type: 'Nadam' } as never }).catch((e) => e);
    expect(e1).toBeInstanceOf(KnobsError);
    expect(e1.message).toMatch(/unknown optimizer type "Nadam"/);
    const e2 = await trainInWorker(spec, pair(makeData(8, 9), 8), { epochs: 1, optimizer: { type: 'SGD', lr: -1 } }).catch((e) => e);
    expect(e2).toBeInstanceOf(KnobsError);
    expect(e2.message).toMatch(/SGD: lr must be in \[0, Infinity\), got -1/);
    const wrongY = { x: { data: new Float32Array(8 * D), shape: [8, D] }, y: { data: new Float32Array(7 * C), shape: [7, C] } };
    await expect(trainInWorker(spec, wrongY, { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 } })).rejects.toThrow(/TensorDataset: x \[8,12\] and y \[7,4\] have different sample counts/);
  });

  it('an exception in onProgress stops training and rejects with it', async () => {
    const N = 256;
    await expect(trainInWorker(spec, pair(makeData(N, 10), N), { epochs: 10_000, batchSize: 8, optimizer: { type: 'SGD', lr: 0.05 }, progressEveryMs: 0 }, () => {
      throw new Error('chart exploded');
    })).rejects.toThrow('chart exploded');
  });

  it('reads IDX files itself, and a worker can be reused (same seed, same weights)', async () => {
    const side = 4;
    const { dir, src } = writeQuadrantIdx(200, side, 3);
    const idxSpec: ModelSpec = { format: 'knobs.sequential', version: 1, layers: [{ type: 'Linear', inFeatures: 16, outFeatures: 4, bias: true, seed: 1 }] };
    const w = await createTrainWorker();
    try {
      const opts = { epochs: 15, batchSize: 20, optimizer: { type: 'SGD', lr: 0.5 } as const, worker: w as TrainWorker, validation: { ...src, limit: 50 } };
      const a = await trainInWorker(idxSpec, src, opts);
      const b = await trainInWorker(idxSpec, src, opts);
      expect(a.history.history.accuracy.at(-1)).toBeGreaterThan(0.9);
      expect(a.history.history.val_accuracy.at(-1)).toBeGreaterThan(0.9);
      for (const k of Object.keys(a.weights)) expect(sameBits(a.weights[k].data, b.weights[k].data)).toBe(true);
      await expect(trainInWorker(idxSpec, { ...src, labels: pathToFileURL(join(dir, 'missing.idx')) }, opts)).rejects.toThrow(/trainInWorker: cannot read data labels .*missing\.idx/);
      await expect(trainInWorker(idxSpec, { images: src.labels, labels: src.images }, opts)).rejects.toThrow(KnobsError);
      // Still usable after the failures.
      const c = await trainInWorker(idxSpec, src, opts);
      expect(sameBits(c.weights['0.weight'].data, a.weights['0.weight'].data)).toBe(true);
    } finally {
      await w.terminate();
    }
  });

  it.skipIf(!hasMnist())('learns MNIST digits from the IDX files in .data/mnist', async () => {
    const dir = defaultMnistDir();
    const f = (name: string) => pathToFileURL(join(dir, name));
    const mnistSpec: ModelSpec = { format: 'knobs.sequential', version: 1, layers: [{ type: 'Linear', inFeatures: 784, outFeatures: 64, bias: true, seed: 1 }, { type: 'ReLU' }, { type: 'Linear', inFeatures: 64, outFeatures: 10, bias: true, seed: 2 }] };
    const res = await trainInWorker(mnistSpec, { images: f(MNIST_FILES.trainImages), labels: f(MNIST_FILES.trainLabels), limit: 5000 }, {
      epochs: 2, batchSize: 64, optimizer: { type: 'Adam', lr: 2e-3 }, validation: { images: f(MNIST_FILES.testImages), labels: f(MNIST_FILES.testLabels), limit: 2000 },
    });
    expect(res.history.history.val_accuracy.at(-1)).toBeGreaterThan(0.85);
  });

  it('leaves this thread’s library working', () => {
    const r = tidy(() => tensor([[1, 2]]).matmul(tensor([[3], [4]])).item());
    expect(r).toBe(11);
  });
});

export type { TrainResult };
