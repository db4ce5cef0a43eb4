/** ModelCheckpoint in Node: which epochs it saves (best only, min/max), and that a saved best restores that epoch's model exactly. */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, KnobsError, ModelCheckpoint, TensorDataset, fit, init, nn, noGrad, optim, tensor, type Callback, type Tensor } from '../ts/index.js';
import { load } from '../ts/node.js';

beforeAll(() => init());

const N = 24;
const data = () => {
  const x = new Float32Array(N * 3).map((_, i) => Math.sin(i * 0.37));
  const y = new Float32Array(N).map((_, i) => x[i * 3] + 0.5 * x[i * 3 + 1]);
  return new DataLoader(new TensorDataset({ data: x, shape: [N, 3] }, { data: y, shape: [N, 1] }), { batchSize: 8, shuffle: true, seed: 2 });
};
const probe = () => tensor([[0.1, -0.2, 0.3], [1, 0.5, -1]]);
const bitsOf = (m: nn.Module) => Array.from(new Uint32Array(noGrad(() => (m.forward(probe()) as Tensor).toFloat32Array()).slice().buffer));

/** Puts a scripted `score` into each epoch's logs (a non-monotone curve) and records the model's output bits at that epoch. */
function scripted(scores: number[], bits: number[][]): Callback {
  return {
    onEpochEnd(epoch, logs, ctx) {
      (logs as Record<string, number>).score = scores[epoch];
      bits[epoch] = bitsOf(ctx.model);
    },
  };
}

async function train(callbacks: Callback[], epochs = 5) {
  const model = new nn.Sequential(new nn.Linear(3, 5, { seed: 1 }), new nn.Tanh(), new nn.Linear(5, 1, { seed: 2 }));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  await fit(model, data(), { epochs, optimizer: opt, loss: 'mse', callbacks, verbose: false });
  return { model, opt };
}

const saved = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('ModelCheckpoint', () => {
  const scores = [3, 1, 2, 0.5, 4];

  it("saveBestOnly, mode 'min': saves the epochs that set a new minimum; the best file restores that epoch's model and optimizer", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-ckpt-'));
    const bits: number[][] = [];
    const each = new ModelCheckpoint({ filepath: join(dir, 'm-{epoch}'), monitor: 'score', mode: 'min', saveBestOnly: true });
    const best = new ModelCheckpoint({ filepath: join(dir, 'best'), monitor: 'score', mode: 'min', saveBestOnly: true });
    await train([scripted(scores, bits), each, best]);
    expect(saved(dir)).toEqual(['best.json', 'm-0.json', 'm-1.json', 'm-3.json']);
    expect([best.best, best.bestEpoch, best.lastSaved]).toEqual([0.5, 3, join(dir, 'best')]);

    const back = await load(join(dir, 'best'));
    expect(back.metadata.epoch).toBe(3);
    expect((back.metadata.logs as Record<string, number>).score).toBe(0.5);
    // The model as it was at the end of epoch 3, not the last one.
    expect(bitsOf(back.model as nn.Module)).toEqual(bits[3]);
    expect(bits[4]).not.toEqual(bits[3]);
    // 3 batches per epoch, epochs 0..3.
    expect(back.optimizer!.stateDict().step).toBe(12);
  });

  it("mode 'max' saves the epochs that set a new maximum; without saveBestOnly every epoch is saved", async () => {
    const max = mkdtempSync(join(tmpdir(), 'knobs-ckpt-'));
    const all = mkdtempSync(join(tmpdir(), 'knobs-ckpt-'));
    await train([scripted(scores, []), new ModelCheckpoint({ filepath: join(max, 'm-{epoch}'), monitor: 'score', mode: 'max', saveBestOnly: true }), new ModelCheckpoint({ filepath: join(all, 'e{epoch}-{score}'), includeOptimizer: false })]);
    expect(saved(max)).toEqual(['m-0.json', 'm-4.json']);
    expect(saved(all)).toEqual(['e0-3.json', 'e1-1.json', 'e2-2.json', 'e3-0.5.json', 'e4-4.json']);
    expect((await load(join(all, 'e2-2'))).optimizer).toBeNull();
  });

  it('refuses bad options and a monitor or path key missing from the logs, naming them', async () => {
    expect(() => new ModelCheckpoint({ filepath: 'x', monitr: 'loss' } as never)).toThrow(/ModelCheckpoint.*monitr/);
    expect(() => new ModelCheckpoint({ filepath: '' })).toThrow(KnobsError);
    expect(() => new ModelCheckpoint({ filepath: 'x', mode: 'up' as never })).toThrow(/mode must be 'min', 'max' or 'auto'/);
    const dir = mkdtempSync(join(tmpdir(), 'knobs-ckpt-'));
    await expect(train([new ModelCheckpoint({ filepath: join(dir, 'm'), saveBestOnly: true })], 1)).rejects.toThrow(/monitor 'val_loss' is not in the epoch logs \(have: loss/);
    await expect(train([new ModelCheckpoint({ filepath: join(dir, 'm-{nope}') })], 1)).rejects.toThrow(/names \{nope\}, which is not in the epoch logs/);
    expect(existsSync(join(dir, 'm.json'))).toBe(false);
  });
});
