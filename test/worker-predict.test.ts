/**
 * The training worker's one-shot model work (Node worker_threads): probe outputs of named
 * submodules while training, predictInWorker (also while the same worker trains), and
 * saveModelInWorker. Everything is compared bit for bit with the same work on this thread.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sameBits } from './helpers/bits.js';
import { KnobsError, init, loadModel, nn, predict, tidy } from '../ts/index.js';
import { createTrainWorker, predictInWorker, saveModelInWorker, trainInWorker, type TrainProgress } from '../ts/worker/index.js';
import { toSpec } from '../ts/nn/spec.js';
import { C, D, makeData, pair } from './helpers/projection.js';
import { writeQuadrantIdx } from './helpers/idx.js';

beforeAll(() => init());

// x of D = 12 features read as a 1 × 3 × 4 image: a conv layer whose feature maps can be probed.
const cnn = () => new nn.Sequential(new nn.Conv2d(1, 3, 2, { seed: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 2 * 3, C, { seed: 2 }));
const asImages = (d: { x: Float32Array; y: Float32Array }, n: number) => ({ x: { data: d.x, shape: [n, 1, 3, 4] }, y: { data: d.y, shape: [n, C] } });

/** What the first conv layer outputs on this thread for x, with `weights`. */
function convHere(weights: Record<string, { data: Float32Array; shape: number[] }>, x: { data: Float32Array; shape: number[] }) {
  const model = cnn();
  try {
    model.loadStateDict(weights);
    const first = [...model.namedModules()].find(([n]) => n === '0')![1] as nn.Conv2d;
    return tidy(() => {
      const out = predict(new nn.Sequential(first), x);
      return { data: out.toFloat32Array(), shape: [...out.shape] };
    });
  } finally {
    model.dispose();
  }
}

describe('probe outputs, predictInWorker, saveModelInWorker', () => {
  it("probe.outputs: the named submodule's output on the first outputRows rows, as this thread computes it with the weights of that moment", async () => {
    const N = 64;
    const d = makeData(N, 4);
    const probeX = { data: d.x.slice(0, 5 * D), shape: [5, 1, 3, 4] };
    const seen: TrainProgress[] = [];
    const res = await trainInWorker(cnn(), asImages(d, N), {
      epochs: 2, batchSize: 16, seed: 1, optimizer: { type: 'Adam', lr: 0.01 }, progressEveryMs: 0, weightsEveryMs: 0,
      probe: { x: probeX, everyMs: 0, outputs: ['0', '1'], outputRows: 2 }, transfer: false,
    }, (p) => seen.push(p));
    const both = seen.filter((p) => p.weights && p.probeOutputs);
    expect(both.length).toBeGreaterThanOrEqual(8);
    for (const p of [both[0], both.at(-1)!]) {
      const maps = p.probeOutputs!['0'];
      expect(maps.shape).toEqual([2, 3, 2, 3]);
      const here = convHere(p.weights!, { data: probeX.data.slice(0, 2 * D), shape: [2, 1, 3, 4] });
      expect(sameBits(maps.data, here.data)).toBe(true);
      // ReLU of the same maps.
      expect(Array.from(p.probeOutputs!['1'].data)).toEqual(Array.from(here.data, (v) => Math.max(0, v)));
      expect(p.probe!.shape).toEqual([5, C]);
    }
    expect(res.probeOutputs!['0'].shape).toEqual([2, 3, 2, 3]);
    // The first two epochs' maps differ: they follow the training.
    expect(sameBits(both[0].probeOutputs!['0'].data, both.at(-1)!.probeOutputs!['0'].data)).toBe(false);

    await expect(trainInWorker(cnn(), asImages(makeData(N, 4), N), { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 }, probe: { x: probeX, outputs: ['conv'] } }))
      .rejects.toThrow(/trainInWorker: probe: no submodule "conv" in this model \(it has '0', '1', '2', '3'\)/);
  });

  it('predictInWorker answers between the batches of a training in the same worker, without changing that training; saveModelInWorker round-trips', async () => {
    const N = 256;
    const worker = await createTrainWorker();
    try {
      const model = cnn();
      const spec = toSpec(model);
      const weights = model.stateDict();
      const x = { data: makeData(7, 9).x, shape: [7, 1, 3, 4] };
      const expected = tidy(() => predict(model, x).toFloat32Array());
      const trainOpts = { epochs: 3, batchSize: 8, seed: 2, optimizer: { type: 'SGD' as const, lr: 0.05 }, transfer: false, yieldEveryMs: 0 };

      // Alone, then again with predictions asked for while it trains: same trained weights.
      const alone = await trainInWorker(spec, asImages(makeData(N, 5), N), { ...trainOpts, weights, worker });
      let during: Promise<unknown>[] = [];
      let firstBatch!: () => void;
      const started = new Promise<void>((r) => (firstBatch = r));
      const training = trainInWorker(spec, asImages(makeData(N, 5), N), { ...trainOpts, weights, worker }, () => firstBatch());
      await started;
      during = [1, 2, 3].map(() => predictInWorker(worker, { spec, weights }, x, { outputs: ['0'], outputRows: 1 }));
      const [trained, ...answers] = await Promise.all([training, ...during]) as [Awaited<typeof training>, ...Awaited<ReturnType<typeof predictInWorker>>[]];
      for (const [k, e] of Object.entries(alone.weights)) expect(sameBits(trained.weights[k].data, e.data), k).toBe(true);
      for (const a of answers) {
        expect(a.y.shape).toEqual([7, C]);
        expect(sameBits(a.y.data, expected)).toBe(true);
        expect(a.outputs['0'].shape).toEqual([1, 3, 2, 3]);
        expect(sameBits(a.outputs['0'].data, convHere(weights, { data: x.data.slice(0, D), shape: [1, 1, 3, 4] }).data)).toBe(true);
      }

      const saved = await saveModelInWorker(worker, { spec, weights: trained.weights }, { metadata: { note: 'demo' } });
      const loaded = loadModel(saved);
      try {
        expect(loaded.metadata).toEqual({ note: 'demo' });
        for (const [k, e] of Object.entries(loaded.model.stateDict())) expect(sameBits(e.data, trained.weights[k].data), k).toBe(true);
      } finally {
        loaded.model.dispose();
      }

      await expect(predictInWorker(worker, { spec, weights }, x, { outputs: ['nope'] })).rejects.toThrow(KnobsError);
      await expect(predictInWorker(worker, { spec, weights }, x, { outputs: ['nope'] })).rejects.toThrow(/predictInWorker: no submodule "nope"/);
      await expect(predictInWorker(worker, { spec, weights }, { data: x.data, shape: [7, 12] })).rejects.toThrow(/conv2d|Conv2d|shape/i);
      // Still answers after errors.
      expect(sameBits((await predictInWorker(worker, { spec, weights }, x)).y.data, expected)).toBe(true);
      model.dispose();
    } finally {
      await worker.terminate();
    }
    // A dead worker rejects instead of hanging.
    await expect(predictInWorker(worker, { spec: toSpec(cnn()), weights: {} }, { data: new Float32Array(12), shape: [1, 1, 3, 4] })).rejects.toThrow(/predictInWorker: the worker has exited/);
  }, 60_000);
});

describe('IdxSource.sampleShape', () => {
  it('gives a Conv2d model images as [n, 1, h, w]; a shape that does not hold one image is a KnobsError', async () => {
    const side = 4;
    const { src } = writeQuadrantIdx(120, side, 3);
    const model = new nn.Sequential(new nn.Conv2d(1, 4, 2, { seed: 1 }), new nn.ReLU(), new nn.MaxPool2d(3), new nn.Flatten(), new nn.Linear(4, 4, { seed: 2 }));
    const res = await trainInWorker(model, { ...src, sampleShape: [1, side, side] }, { epochs: 20, batchSize: 20, optimizer: { type: 'Adam', lr: 0.05 } });
    expect(res.history.history.accuracy.at(-1)).toBeGreaterThan(0.9);
    await expect(trainInWorker(model, { ...src, sampleShape: [1, 3, 3] }, { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 } }))
      .rejects.toThrow(/trainInWorker: data\.sampleShape \[1,3,3\] does not hold the 16 values of one image \(\[4,4\]\)/);
    model.dispose();
  }, 60_000);
});

void pair;
