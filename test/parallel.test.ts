/**
 * DataParallel: N worker replicas, each with its own wasm instance, train like one thread does.
 *
 * Tolerance for "same as single-worker training": splitting a batch into shards changes only the
 * order in which per-row terms are added inside dW and db (each replica sums its rows, then the
 * replicas' sums are added). A float32 sum of n terms moves by at most ~n·2⁻²⁴ of Σ|terms| when
 * reordered; with 37 rows that is < 3e-6 of the gradient's scale. Eight steps of lr 0.1 and
 * momentum 0.9 on gradients of size ≲ 1 turn that into weight differences far below 1e-5, so
 * ATOL = 2e-5 leaves headroom yet is ~1000× smaller than how far the weights move in those steps,
 * and smaller than the error of weighting uneven shards wrongly (both checked below), so the
 * comparison can fail.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, init, mseLoss, nn, optim, Rng, tensor, tidy, type nn as NN } from '../ts/index.js';
import { DataLoader, TensorDataset } from '../ts/data/dataset.js';
import { fit } from '../ts/train/index.js';
import { DataParallel } from '../ts/parallel/index.js';
import { KnobsError, ShapeError } from '../ts/errors.js';
import { WorkerError } from '../ts/worker/spawn.js';
import { mlpSpec } from './helpers/mlp.js';

const ATOL = 2e-5;
const IN = 20, HID = 16, OUT = 5;
const spec = mlpSpec(IN, HID, OUT, 'Tanh', [11, 12]);
const sgd = { type: 'SGD' as const, lr: 0.1, momentum: 0.9 };

let state: NN.StateDict;
beforeAll(async () => {
  await init();
  state = nn.fromSpec(spec).stateDict();
});

/** Inputs and labels whose class depends on the inputs, so training has something to learn. */
function batch(rows: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * IN).map(() => rng.next() * 2 - 1);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) y[r] = Math.floor(((x[r * IN] + 1) / 2) * OUT * 0.999);
  return { x, y };
}

/** Plain single-thread training: mean loss over each whole batch. */
function reference(batches: { x: Float32Array; y: Float32Array }[], loss: 'crossEntropy' | 'mse' = 'crossEntropy', opt: { lr: number; momentum?: number } = sgd) {
  const model = nn.fromSpec(spec);
  model.loadStateDict(state);
  const o = new optim.SGD(model.parameters(), opt);
  const losses = batches.map(({ x, y }) =>
    tidy(() => {
      const rows = x.length / IN;
      const pred = model.forward(tensor(x, [rows, IN]));
      const l = loss === 'crossEntropy' ? crossEntropy(pred, y) : mseLoss(pred, tensor(y, [rows, OUT]));
      o.zeroGrad();
      l.backward();
      o.step();
      return l.item();
    }),
  );
  const out = model.stateDict();
  o.dispose();
  model.dispose();
  return { state: out, losses };
}

function maxDiff(a: NN.StateDict, b: NN.StateDict): number {
  let m = 0;
  for (const k of Object.keys(a)) {
    expect(b[k].shape).toEqual(a[k].shape);
    const p = a[k].data, q = b[k].data;
    for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i] - q[i]));
  }
  return m;
}

const bitwiseEqual = (a: NN.StateDict, b: NN.StateDict) => Object.keys(a).every((k) => a[k].data.every((v, i) => Object.is(v, b[k].data[i])));

const open: DataParallel[] = [];
async function create(opts: Partial<Parameters<typeof DataParallel.create>[0]> = {}): Promise<DataParallel> {
  const t = await DataParallel.create({ spec, state, workers: 2, optimizer: sgd, inputShape: [IN], ...opts });
  open.push(t);
  return t;
}
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

describe('DataParallel: same training as one thread', () => {
  const steps = 8, rows = 37;
  const batches = Array.from({ length: steps }, (_, k) => batch(rows, 100 + k));
  const ref = () => reference(batches);

  it('1, 2 and 3 workers (37 rows: shards 37 | 19+18 | 13+12+12) match single-thread training; replicas stay bitwise identical', async () => {
    const r = ref();
    const moved = maxDiff(r.state, state);
    expect(moved).toBeGreaterThan(1000 * ATOL);
    for (const workers of [1, 2, 3]) {
      const t = await create({ workers });
      const losses: number[] = [];
      for (const b of batches) losses.push(await t.step(b.x, b.y, [rows, IN]));
      const got = await t.stateDict();
      if (workers === 1) {
        // One replica does the same float operations as the thread, in the same order.
        expect(bitwiseEqual(got, r.state)).toBe(true);
      }
      expect(maxDiff(got, r.state)).toBeLessThan(ATOL);
      losses.forEach((l, i) => expect(l).toBeCloseTo(r.losses[i], 5));
      const timings = await t.timings();
      expect(timings.map((m) => m.steps)).toEqual(Array(workers).fill(steps));
      for (const m of timings) expect(m.compute).toBeGreaterThan(0);
      const replicas = await t.replicaStateDicts();
      expect(replicas).toHaveLength(workers);
      for (const s of replicas) expect(bitwiseEqual(s, got)).toBe(true);
      await t.close();
    }
  });

  it('weights uneven shards by their size: an unweighted mean of shard gradients would be detectably off', async () => {
    // What a trainer that averaged the three shard-mean gradients equally would compute: each
    // shard's mean-loss gradient, averaged with weight 1/3 instead of rows/37.
    const model = nn.fromSpec(spec);
    model.loadStateDict(state);
    const params = model.parameters();
    const o = new optim.SGD(params, sgd);
    for (const { x, y } of batches) {
      const sum = params.map((p) => new Float32Array(p.size));
      for (const [start, count] of [[0, 13], [13, 12], [25, 12]]) {
        tidy(() => {
          o.zeroGrad();
          crossEntropy(model.forward(tensor(x.subarray(start * IN, (start + count) * IN), [count, IN])), y.subarray(start, start + count)).backward();
          params.forEach((p, i) => p.grad!.data.forEach((g, j) => (sum[i][j] += g / 3)));
        });
      }
      params.forEach((p, i) => p.grad!.data.set(sum[i]));
      o.step();
    }
    const wrong = model.stateDict();
    model.dispose();
    o.dispose();
    expect(maxDiff(wrong, ref().state)).toBeGreaterThan(10 * ATOL);
  });

  it('both transports give bitwise the same weights (same summation order)', async () => {
    const got: NN.StateDict[] = [];
    for (const transport of ['shared', 'message'] as const) {
      const t = await create({ workers: 3, transport });
      expect(t.transport).toBe(transport);
      for (const b of batches) await t.step(b.x, b.y);
      got.push(await t.stateDict());
      await t.close();
    }
    expect(bitwiseEqual(got[0], got[1])).toBe(true);
    expect(maxDiff(got[0], ref().state)).toBeLessThan(ATOL);
  });

  it("runs the relaxed-SIMD build when asked (simd: 'auto'), still within float tolerance of the thread", async () => {
    const t = await create({ workers: 2, simd: 'auto' });
    for (const b of batches) await t.step(b.x, b.y);
    // FMA rounds once where the SIMD128 build rounds twice: a last-bit difference per product.
    expect(maxDiff(await t.stateDict(), ref().state)).toBeLessThan(ATOL);
    await t.close();
  });

  for (const transport of ['message', 'shared'] as const) {
    it(`${transport}: steps called without awaiting run in call order (sent ahead to the replicas), and a state request sees them all`, async () => {
      const t = await create({ transport, workers: 2 });
      const answers = batches.map((b) => t.step(b.x, b.y));
      const weights = t.stateDict();
      const losses = await Promise.all(answers);
      const u = await create({ transport, workers: 2 });
      const one: number[] = [];
      for (const b of batches) one.push(await u.step(b.x, b.y));
      expect(losses).toEqual(one);
      expect(bitwiseEqual(await weights, await u.stateDict())).toBe(true);
      await t.close();
      await u.close();
    });
  }

  it('a batch smaller than the worker count (empty shards) and one-hot MSE targets', async () => {
    const small = [batch(2, 7), batch(1, 8), batch(5, 9)].map(({ x, y }) => {
      const t = new Float32Array(y.length * OUT);
      y.forEach((c, r) => (t[r * OUT + c] = 1));
      return { x, y: t };
    });
    const r = reference(small, 'mse');
    const t = await create({ workers: 3, loss: 'mse' });
    for (const b of small) await t.step(b.x, b.y);
    expect(maxDiff(await t.stateDict(), r.state)).toBeLessThan(ATOL);
    expect(maxDiff(r.state, state)).toBeGreaterThan(100 * ATOL);
    await t.close();
  });

  for (const transport of ['message', 'shared'] as const) {
    it(`${transport}: fit() follows DataLoader order and matches fit() on one thread`, async () => {
      const n = 150;
      const { x, y } = batch(n, 3);
      const onehot = new Float32Array(n * OUT);
      y.forEach((c, r) => (onehot[r * OUT + c] = 1));
      const model = nn.fromSpec(spec);
      model.loadStateDict(state);
      const o = new optim.SGD(model.parameters(), sgd);
      const loader = new DataLoader(new TensorDataset({ data: x, shape: [n, IN] }, { data: onehot, shape: [n, OUT] }), { batchSize: 32, shuffle: true, seed: 9 });
      const h = await fit(model, loader, { epochs: 3, optimizer: o, loss: 'crossEntropy', metrics: ['accuracy'], verbose: false });
      const t = await create({ transport, workers: 2 });
      const epochs: number[] = [];
      const ph = await t.fit(x, y, { epochs: 3, batchSize: 32, seed: 9, onEpochEnd: (e) => epochs.push(e) });
      expect(epochs).toEqual([0, 1, 2]);
      expect(maxDiff(await t.stateDict(), model.stateDict())).toBeLessThan(ATOL);
      expect(ph.epoch).toEqual([0, 1, 2]);
      ph.history.loss.forEach((l, i) => expect(l).toBeCloseTo(h.history.loss[i], 5));
      expect(ph.history.accuracy).toEqual(h.history.accuracy);
      // Learned something: the last epoch is better than the first.
      expect(ph.history.loss[2]).toBeLessThan(ph.history.loss[0]);
      model.dispose();
      o.dispose();
      await t.close();
    });
  }

  for (const transport of ['message', 'shared'] as const) {
    it(`${transport}: takes a Sequential directly, grows its input buffers for a bigger batch, and resumes from optimizer state`, async () => {
      const model = nn.fromSpec(spec);
      model.loadStateDict(state);
      const big = batch(300, 4);
      const t = await create({ transport, spec: model, state: undefined, maxBatch: 8 });
      const first = await t.step(big.x, big.y);
      const opt1 = await t.optimizerState();
      const w1 = await t.stateDict();
      await t.step(big.x, big.y);
      const w2 = await t.stateDict();
      await t.close();
      // A new trainer from the saved weights and momentum continues exactly where the first was.
      const u = await create({ transport, spec, state: w1, optimizerState: opt1 });
      await u.step(big.x, big.y);
      expect(bitwiseEqual(await u.stateDict(), w2)).toBe(true);
      expect(first).toBeCloseTo(reference([big]).losses[0], 5);
      model.dispose();
      await u.close();
    });
  }
});

describe('DataParallel: Dropout', () => {
  it('trains a model with Dropout: replicas stay identical and a second run is bitwise the same', async () => {
    const c = spec.root.children!;
    const dspec: NN.ModelSpec = { ...spec, root: { ...spec.root, children: [c[0], { name: '1', type: 'Dropout', config: { p: 0.3, seed: 5 } }, ...c.slice(1).map((ch, i) => ({ ...ch, name: String(i + 2) }))] } };
    const run = async () => {
      // No state: the spec's seeded initialisation, the same in both runs.
      const t = await create({ spec: dspec, state: undefined, workers: 2 });
      const { x, y } = batch(24, 6);
      for (let k = 0; k < 4; k++) await t.step(x, y);
      const reps = await t.replicaStateDicts();
      await t.close();
      return reps;
    };
    const a = await run(), b = await run();
    expect(bitwiseEqual(a[0], a[1])).toBe(true);
    expect(bitwiseEqual(a[0], b[0])).toBe(true);
    expect(maxDiff(a[0], nn.fromSpec(dspec).stateDict())).toBeGreaterThan(1e-3);
  });
});

describe('DataParallel: errors', () => {
  for (const transport of ['message', 'shared'] as const) {
    it(`${transport}: bad input is rejected on this thread with a clear error, and the trainer keeps working`, async () => {
      const t = await create({ transport, workers: 2 });
      const { x, y } = batch(10, 1);
      await expect(t.step(new Float32Array(7), y)).rejects.toThrow(ShapeError);
      await expect(t.step(new Float32Array(7), y)).rejects.toThrow(/x has 7 values, not a positive multiple of the sample size 20 \(\[20\]\)/);
      await expect(t.step(x, y, [4, 40])).rejects.toThrow(/shape \[4,40\] does not fit x \(200 values\)/);
      await expect(t.step(x, y, [5, 40])).rejects.toThrow(/samples of shape \[40\], but this trainer's samples are \[20\]/);
      await expect(t.step(x, new Float32Array(7))).rejects.toThrow(/y has 7 values for 10 rows; expected a whole number of targets per row/);
      // Checked by the replicas, which run the model: the output width is theirs to know.
      await expect(t.step(x, new Float32Array(20))).rejects.toThrow(/DataParallel\.step: worker [01]: DataParallel: the model outputs 5 values per sample \(\[5,5\]\) but the targets have 2/);
      await expect(t.step(x, y.map((v, i) => (i === 3 ? 9 : v)))).rejects.toThrow(/DataParallel\.step: worker 0: label 9 at row 3 is not a class index in \[0, 5\)/);
      // Found by a replica (the loss refuses NaN): the step fails, no replica updates, training goes on.
      const before = await t.stateDict();
      const nan = x.slice();
      nan[15 * 1] = NaN;
      await expect(t.step(nan, y)).rejects.toThrow(/DataParallel\.step: worker 0: crossEntropy: .*(NaN|non-finite)/i);
      expect(bitwiseEqual(await t.stateDict(), before)).toBe(true);
      const r = reference([batch(10, 1)]);
      await t.step(x, y);
      expect(maxDiff(await t.stateDict(), r.state)).toBeLessThan(ATOL);
      // Same through fit(), whose next batch is already on its way when one fails.
      await expect(t.fit(nan, y, { epochs: 1, batchSize: 4, shuffle: false })).rejects.toThrow(/DataParallel\.fit: worker 0: crossEntropy/);
      const reps = await t.replicaStateDicts();
      expect(bitwiseEqual(reps[0], reps[1])).toBe(true);
      await t.close();
    });
  }

  it('create() rejects a bad spec, weights or optimizer with a message naming the problem', async () => {
    await expect(DataParallel.create({ spec, state, optimizer: { type: 'Nope' } as never })).rejects.toThrow(/DataParallel\.create: unknown optimizer type "Nope"/);
    await expect(DataParallel.create({ spec, state, optimizer: { type: 'SGD', lr: -1 } })).rejects.toThrow(/SGD: lr must be/);
    await expect(DataParallel.create({ spec, state: { ...state, '0.weight': { shape: [3, 3], data: new Float32Array(9) } }, optimizer: sgd })).rejects.toThrow(/loadStateDict: '0.weight' expects shape \[20,16\]/);
    await expect(DataParallel.create({ spec: { ...spec, root: { type: 'Sequential', config: {}, children: [] } }, optimizer: sgd })).rejects.toThrow(/DataParallel\.create: the model has no parameters/);
    await expect(DataParallel.create({ spec, state, optimizer: sgd, workers: 0 })).rejects.toThrow(/workers must be an integer in \[1, 256\], got 0/);
    await expect(DataParallel.create({ spec, state, optimizer: sgd, workerUrl: new URL('./fixtures/no-such-worker.js', import.meta.url) })).rejects.toThrow(
      /DataParallel\.create: worker [01] crashed: Cannot find module .*no-such-worker\.js.* before it was ready/,
    );
  });

  it('create() gives up on workers that never answer after startTimeoutMs', async () => {
    const silent = join(mkdtempSync(join(tmpdir(), 'knobs-silent-')), 'silent-worker.mjs');
    writeFileSync(silent, 'setInterval(() => {}, 1000);\n');
    const t0 = performance.now();
    await expect(DataParallel.create({ spec, state, optimizer: sgd, workers: 1, workerUrl: pathToFileURL(silent), startTimeoutMs: 400 })).rejects.toThrow(
      /DataParallel\.create: the workers did not start within 400 ms/,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('DataParallel: worker failures', () => {
  const fixture = new URL('./fixtures/crashing-parallel-worker.ts', import.meta.url);
  const withFault = async (fault: string, opts: Partial<Parameters<typeof DataParallel.create>[0]>) => {
    process.env.KNOBS_TEST_PARALLEL_FAULT = fault;
    try {
      return await create({ workerUrl: fixture, ...opts });
    } finally {
      delete process.env.KNOBS_TEST_PARALLEL_FAULT;
    }
  };
  const { x, y } = batch(16, 2);

  for (const transport of ['shared', 'message'] as const) {
    it(`${transport}: a worker that exits mid-step rejects that step with a WorkerError (no hang); the library stays usable`, async () => {
      const t = await withFault('exit:1:2', { transport });
      await t.step(x, y);
      const t0 = performance.now();
      const err = await t.step(x, y).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerError);
      expect((err as Error).message).toMatch(/DataParallel: worker 1 exited with code 3 during step 2; the trainer is closed/);
      expect(performance.now() - t0).toBeLessThan(5000);
      // Every later call says why, at once.
      await expect(t.step(x, y)).rejects.toThrow(/the trainer failed earlier: DataParallel: worker 1 exited/);
      await expect(t.stateDict()).rejects.toThrow(WorkerError);
      await t.close();
      // The surviving worker was terminated too.
      await expect.poll(() => t.threads.map((w) => (w as { threadId: number }).threadId)).toEqual([-1, -1]);
      // This thread's knobs and a new trainer still work.
      expect(tidy(() => tensor([1, 2, 3]).mul(2).sum().item())).toBe(12);
      const u = await create({ transport });
      expect(Number.isFinite(await u.step(x, y))).toBe(true);
      await u.close();
    });
  }

  it('an uncaught error in a worker while its peer waits at the exchange rejects the step', async () => {
    const t = await withFault('uncaught:1:1', { transport: 'shared', workers: 3 });
    await expect(t.step(x, y)).rejects.toThrow(/DataParallel: worker 1 crashed: injected crash during step 1/);
    await t.close();
  });

  for (const transport of ['message', 'shared'] as const) {
    it(`${transport}: a step that throws inside a replica rejects with its message; nobody updates; the trainer goes on`, async () => {
      const t = await withFault('throw:1:2', { transport, workers: 3 });
      await t.step(x, y);
      const before = await t.stateDict();
      await expect(t.step(x, y)).rejects.toThrow(/DataParallel\.step: worker 1: injected step failure/);
      expect(bitwiseEqual(await t.stateDict(), before)).toBe(true);
      await t.step(x, y);
      const reps = await t.replicaStateDicts();
      expect(bitwiseEqual(reps[0], reps[2]) && bitwiseEqual(reps[0], reps[1])).toBe(true);
      expect(bitwiseEqual(reps[0], before)).toBe(false);
      await t.close();
    });
  }

  it('a worker terminated from outside between steps: the next step rejects', async () => {
    const t = await create({ workers: 2 });
    await t.step(x, y);
    await (t.threads[0] as { terminate(): Promise<number> }).terminate();
    await expect(t.step(x, y)).rejects.toThrow(/worker 0 exited with code 1/);
    await t.close();
  });

  for (const transport of ['message', 'shared'] as const) {
    it(`${transport}: close() during fit() rejects the fit promise instead of leaving it pending`, async () => {
      const t = await create({ transport, workers: 2 });
      const big = batch(64, 8);
      let closing: Promise<void> | null = null;
      const fitting = t.fit(big.x, big.y, { epochs: 50, batchSize: 4, onBatchEnd: (b) => void (b === 1 && (closing = t.close())) });
      await expect(fitting).rejects.toThrow(/DataParallel\.fit: the trainer is closed/);
      expect(closing).not.toBeNull();
      await closing;
      await expect(t.step(x, y)).rejects.toThrow(/DataParallel\.step: the trainer is closed/);
    });
  }

  it('close() ends every worker, is idempotent, and later calls reject', async () => {
    const t = await create({ workers: 3 });
    const step = t.step(x, y);
    const closing = t.close();
    // close() lets the running step finish first.
    expect(Number.isFinite(await step)).toBe(true);
    await closing;
    expect(t.threads.map((w) => (w as { threadId: number }).threadId)).toEqual([-1, -1, -1]);
    await t.close();
    await expect(t.step(x, y)).rejects.toThrow(/DataParallel\.step: the trainer is closed/);
  });
});
