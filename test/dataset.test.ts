import { beforeAll, describe, expect, it } from 'vitest';
import { init, memoryStats, releasePool, tensor, tidy, zeros } from '../ts/index.js';
import { DataLoader, TensorDataset } from '../ts/data/dataset.js';

beforeAll(() => init());

/** n samples; x row i = [i, i + 0.5, i + 0.25], y = label i % 3 as a scalar per sample. */
function toy(n: number) {
  const x = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x.set([i, i + 0.5, i + 0.25], i * 3);
    y[i] = i % 3;
  }
  return new TensorDataset({ data: x, shape: [n, 3] }, { data: y, shape: [n] });
}

/** Allocates more than wasm memory holds, so it must grow (detaching every earlier view). */
function growMemory() {
  const before = memoryStats().wasmBytes;
  const big = zeros([before / 4 + (1 << 20)]);
  expect(memoryStats().wasmBytes).toBeGreaterThan(before);
  big.dispose();
  releasePool();
}

function collect(loader: Iterable<{ x: any; y: any; size: number; index: number }>) {
  const out: { ids: number[]; ys: number[]; size: number; xShape: number[]; index: number }[] = [];
  for (const b of loader) {
    const xs = b.x.toFloat32Array();
    const ids = [];
    for (let r = 0; r < b.size; r++) {
      // Every row must be an intact sample: its three values belong together.
      expect([xs[r * 3 + 1] - xs[r * 3], xs[r * 3 + 2] - xs[r * 3]]).toEqual([0.5, 0.25]);
      ids.push(xs[r * 3]);
    }
    out.push({ ids, ys: Array.from(b.y.toFloat32Array()), size: b.size, xShape: [...b.x.shape], index: b.index });
  }
  return out;
}

describe('TensorDataset', () => {
  it('validates shapes and counts', () => {
    expect(() => new TensorDataset({ data: new Float32Array(5), shape: [2, 3] }, { data: new Float32Array(2), shape: [2] })).toThrow(/x has 5 values but shape \[2,3\] needs 6/);
    expect(() => new TensorDataset({ data: new Float32Array(6), shape: [2, 3] }, { data: new Float32Array(3), shape: [3] })).toThrow(/different sample counts \(2 vs 3\)/);
    expect(() => new TensorDataset({ data: [1, 2] as any, shape: [2] }, { data: new Float32Array(2), shape: [2] })).toThrow(/x.data must be a Float32Array/);
  });

  it('take/slice/validationSplit are views in order', () => {
    const ds = toy(10);
    expect(ds.take(4).length).toBe(4);
    expect(ds.take(4).x.buffer).toBe(ds.x.buffer);
    expect(ds.take(40).length).toBe(10);
    const [a, b] = ds.validationSplit(0.3);
    expect([a.length, b.length]).toEqual([7, 3]);
    expect(Array.from(b.y)).toEqual([7 % 3, 8 % 3, 9 % 3]);
    expect(b.x[0]).toBe(7);
    expect(() => ds.slice(3, 11)).toThrow(/range \[3, 11\) is not inside \[0, 10\)/);
    expect(() => ds.validationSplit(1)).toThrow(/valFraction must be in \(0, 1\)/);
    // The case: an sklearn user reads 0.2 as the held-out share.
    const [tr, val] = new TensorDataset({ data: new Float32Array(600), shape: [600, 1] }, { data: new Float32Array(600), shape: [600] }).validationSplit(0.2);
    expect([tr.length, val.length]).toEqual([480, 120]);
  });

  it('takes Tensors and copies them out, so wasm memory growth afterwards does not detach the data', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const y = tensor([0, 1, 2]);
    const ds = new TensorDataset(x, y);
    x.dispose();
    y.dispose();
    growMemory();
    expect([...ds.xShape, ...ds.yShape]).toEqual([2]);
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const b of new DataLoader(ds, { batchSize: 3 })) {
      expect(b.x.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
      expect(b.y.toArray()).toEqual([0, 1, 2]);
    }
  });

  it('names a detached view of wasm memory instead of failing later with a TypeError', () => {
    const t = tensor([[1, 2], [3, 4]]);
    const view = t.data;
    growMemory();
    t.dispose();
    expect(() => new TensorDataset({ data: view, shape: [2, 2] }, { data: new Float32Array(2), shape: [2] })).toThrow(/x\.data is a detached view .*pass the Tensor itself/);
    const d = new TensorDataset({ data: new Float32Array(0), shape: [0, 2] }, { data: new Float32Array(0), shape: [0] });
    expect(d.length).toBe(0);
  });
});

describe('DataLoader', () => {
  it('yields every sample once, in order without shuffle, with a last partial batch', () => {
    const loader = new DataLoader(toy(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const bs = collect(loader);
    expect(bs.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(bs.map((b) => b.xShape)).toEqual([[4, 3], [4, 3], [2, 3]]);
    expect(bs.map((b) => b.index)).toEqual([0, 1, 2]);
    expect(bs.flatMap((b) => b.ids)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(bs.flatMap((b) => b.ys)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
  });

  it('dropLast skips the partial batch', () => {
    const loader = new DataLoader(toy(10), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect(loader.samplesPerEpoch).toBe(8);
    expect(collect(loader).map((b) => b.size)).toEqual([4, 4]);
  });

  it('shuffles deterministically per (seed, epoch), keeping x and y paired', () => {
    const mk = (seed: number) => new DataLoader(toy(50), { batchSize: 8, shuffle: true, seed });
    const a = mk(3), b = mk(3), c = mk(4);
    const a1 = collect(a).flatMap((x) => x.ids), a2 = collect(a).flatMap((x) => x.ids);
    const b1 = collect(b).flatMap((x) => x.ids), b2 = collect(b).flatMap((x) => x.ids);
    const c1 = collect(c).flatMap((x) => x.ids);
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1); // a new order every epoch
    expect(c1).not.toEqual(a1); // another seed, another order
    expect([...a1].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i)); // a permutation
    expect(a1).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Labels travel with their inputs.
    for (const batch of collect(mk(9))) batch.ids.forEach((id, r) => expect(batch.ys[r]).toBe(id % 3));
    // epoch(k) gives epoch k's order directly.
    expect(collect(mk(3).epoch(1)).flatMap((x) => x.ids)).toEqual(a2);
  });

  it('reuses one wasm buffer per batch size and frees it when the epoch ends', () => {
    const loader = new DataLoader(toy(10), { batchSize: 4 });
    const before = memoryStats().liveBlocks;
    const seen = new Set<unknown>();
    for (const b of loader) seen.add(b.x);
    expect(seen.size).toBe(2); // [4,3] and the last [2,3]
    for (const x of seen) expect((x as any).isDisposed).toBe(true);
    expect(memoryStats().liveBlocks).toBe(before);
    // Breaking out early also frees them.
    for (const b of loader) {
      void b;
      break;
    }
    expect(memoryStats().liveBlocks).toBe(before);
  });

  it('batches drawn inside tidy() survive it', () => {
    const it = new DataLoader(toy(8), { batchSize: 4 })[Symbol.iterator]();
    const b = tidy(() => it.next().value);
    expect(b.x.isDisposed).toBe(false);
    expect(b.x.toFloat32Array()[3]).toBe(1);
    it.return?.();
  });

  it('rejects bad options', () => {
    expect(() => new DataLoader(toy(4), { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader({} as any)).toThrow(/expected a Dataset/);
  });
});
