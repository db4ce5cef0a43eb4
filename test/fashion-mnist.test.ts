/**
 * Fashion-MNIST: the loader (gzip IDX through MNIST's parser) and a short run of the fashion-cnn
 * example that must learn. Needs .data/fashion-mnist (`bash scripts/fetch-data.sh fashion`, or
 * KNOBS_FASHION_MNIST_DIR); skipped, with a note, when it is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KnobsError } from '../ts/index.js';
import { FASHION_MNIST_CLASSES, hasFashionMnist, loadFashionMnist } from '../ts/node.js';
import { main as fashionCnn } from '../examples/fashion-cnn.js';

const ready = hasFashionMnist();
if (!ready) console.warn('fashion-mnist tests SKIPPED: .data/fashion-mnist is missing; run `bash scripts/fetch-data.sh fashion`');
const name = (s: string) => (ready ? s : `${s} (skipped: no .data/fashion-mnist; run bash scripts/fetch-data.sh fashion)`);

/** An IDX file: magic (0, 0, dtype 0x08 = uint8, dims), big-endian sizes, then the bytes. */
function idx(shape: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head.writeUInt8(8, 2);
  head.writeUInt8(shape.length, 3);
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

describe('loadFashionMnist', () => {
  it('gunzips the IDX files and gives MNIST-shaped datasets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-fashion-'));
    try {
      const px = Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 256);
      for (const [f, buf] of [
        ['train-images-idx3-ubyte', idx([3, 28, 28], px)],
        ['train-labels-idx1-ubyte', idx([3], [9, 0, 5])],
        ['t10k-images-idx3-ubyte', idx([1, 28, 28], px.slice(0, 784))],
        ['t10k-labels-idx1-ubyte', idx([1], [8])],
      ] as const) {
        writeFileSync(join(dir, `${f}.gz`), gzipSync(buf));
      }
      const { train, test } = await loadFashionMnist({ dir });
      expect([train.length, test.length]).toEqual([3, 1]);
      expect(train.x[255]).toBeCloseTo(1, 6);
      expect(Array.from(train.y.subarray(0, 10)).indexOf(1)).toBe(9);
      expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
      // A file that is not gzip is reported with the directory and the way to restore it.
      writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), 'not gzip');
      await expect(loadFashionMnist({ dir })).rejects.toThrow(/loadFashionMnist: .*npx knobs-data fashion --dir/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells the user how to get the data when files are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knobs-fashion-'));
    try {
      await expect(loadFashionMnist({ dir })).rejects.toThrow(KnobsError);
      await expect(loadFashionMnist({ dir })).rejects.toThrow(/missing train-images-idx3-ubyte\.gz.*npx knobs-data fashion --dir/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!ready)('Fashion-MNIST (real data)', () => {
  it(name('the files hold 60k/10k images with balanced classes'), async () => {
    const { train, test } = await loadFashionMnist({ train: { oneHot: false }, test: { oneHot: false } });
    expect([train.length, test.length]).toEqual([60_000, 10_000]);
    const counts = new Array(10).fill(0);
    for (const l of test.y) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it(name('the fashion-cnn example learns: one epoch on 6,000 images beats 0.70 (chance 0.1)'), async () => {
    const r = await fashionCnn(['--epochs', '1', '--limit', '6000', '--threads', '1', '--quiet']);
    expect(r!.accuracy).toBeGreaterThan(0.7);
    expect(r!.history.epoch).toHaveLength(1);
  }, 120_000);
});
