/**
 * A CNN (image-shaped samples) trains in a worker and in DataParallel workers as on one thread:
 * the layers are rebuilt from their spec in each worker. Tolerance as in parallel.test.ts: shards
 * change only the order of the per-image sums inside each gradient. (BatchNorm is left out: each
 * replica normalises by its own shard's statistics, as PyTorch's DDP does without SyncBatchNorm.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, fit, init, nn, optim, Rng, tensor, tidy, DataLoader, TensorDataset } from '../ts/index.js';
import { trainInWorker } from '../ts/worker/index.js';
import { DataParallel } from '../ts/parallel/index.js';

const SAMPLE = [2, 6, 6];
const sgd = { type: 'SGD' as const, lr: 0.1, momentum: 0.9 };
const make = () =>
  new nn.Sequential(
    new nn.Conv2d(2, 4, 3, { padding: 1, seed: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(4, 4, 3, { padding: 'same', seed: 2 }),
    new nn.Tanh(),
    new nn.AdaptiveAvgPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16, 3, { seed: 3 }),
  );

function batch(rows: number, seed: number) {
  const rng = new Rng(seed);
  const per = SAMPLE.reduce((a, b) => a * b, 1);
  const x = new Float32Array(rows * per).map(() => rng.next() * 2 - 1);
  const y = new Float32Array(rows).map((_, r) => (x[r * per] > 0.3 ? 2 : x[r * per] > -0.3 ? 1 : 0));
  return { x, y };
}

let open: DataParallel | null = null;
beforeAll(() => init());
afterAll(async () => {
  await open?.close();
});

describe('DataParallel with a CNN', () => {
  it('2 workers match single-thread training of Conv2d/MaxPool2d/AdaptiveAvgPool2d/Flatten/Linear', async () => {
    const batches = Array.from({ length: 4 }, (_, k) => batch(10, 50 + k));
    const ref = make();
    const spec = nn.toSpec(ref);
    const state = ref.stateDict();
    const o = new optim.SGD(ref.parameters(), sgd);
    for (const { x, y } of batches) {
      tidy(() => {
        const l = crossEntropy(ref.forward(tensor(x, [10, ...SAMPLE])), y);
        o.zeroGrad();
        l.backward();
        o.step();
      });
    }
    const want = ref.stateDict();
    open = await DataParallel.create({ spec, state, workers: 2, optimizer: sgd, inputShape: SAMPLE });
    for (const { x, y } of batches) await open.step(x, y);
    const [got] = await open.replicaStateDicts();
    let worst = 0, moved = 0;
    for (const k of Object.keys(want)) {
      want[k].data.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - got[k].data[i]));
        moved = Math.max(moved, Math.abs(v - state[k].data[i]));
      });
    }
    expect(moved).toBeGreaterThan(1e-2);
    expect(worst).toBeLessThan(2e-5);
    o.dispose();
    ref.dispose();
  }, 60_000);
});

describe('trainInWorker with a CNN', () => {
  it('trains image-shaped samples (with BatchNorm2d) in a worker with the same bits as fit() here', async () => {
    const n = 40;
    const { x, y } = batch(n, 7);
    const withBn = () => new nn.Sequential(new nn.Conv2d(2, 4, 3, { seed: 4 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(64, 3, { seed: 5 }));
    const spec = nn.toSpec(withBn());
    const opts = { epochs: 2, batchSize: 8, optimizer: { type: 'SGD' as const, lr: 0.1 }, transfer: false, shuffle: false };
    const res = await trainInWorker(spec, { x: { data: x, shape: [n, ...SAMPLE] }, y: { data: y, shape: [n] } }, opts);
    const here = withBn();
    const o = new optim.SGD(here.parameters(), { lr: 0.1 });
    const loader = new DataLoader(new TensorDataset({ data: x, shape: [n, ...SAMPLE] }, { data: y, shape: [n] }), { batchSize: 8 });
    await fit(here, loader, { epochs: 2, optimizer: o, loss: 'crossEntropy', verbose: false });
    const want = here.stateDict();
    expect(Object.keys(res.weights).sort()).toEqual(Object.keys(want).sort());
    expect(res.weights['1.num_batches_tracked'].data[0]).toBe(10);
    for (const [k, e] of Object.entries(want)) expect(Array.from(res.weights[k].data), k).toEqual(Array.from(e.data));
    o.dispose();
    here.dispose();
  }, 60_000);
});
