import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../ts/index.js';
import { MNIST_FILES, mnistDataset, mnistFromBytes } from '../ts/data/mnist.js';
import { loadMnist, missingMnistFiles } from '../ts/data/mnist-node.js';

beforeAll(() => init());

/** An IDX file: magic 0x0000 08 <rank>, big-endian dims, uint8 data. */
function idx(shape: number[], data: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const v = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

const images = idx([3, 2, 2], [0, 255, 51, 102, /**/ 1, 2, 3, 4, /**/ 255, 255, 0, 0]);
const labels = idx([3], [7, 0, 9]);

describe('mnistDataset', () => {
  it('flattens images to [n, rows*cols] scaled to [0, 1] and one-hot encodes labels', () => {
    const ds = mnistDataset(images, labels);
    expect(ds.length).toBe(3);
    expect(ds.xShape).toEqual([4]);
    expect(ds.yShape).toEqual([10]);
    expect(Array.from(ds.x.subarray(0, 4))).toEqual([0, 1, 51 / 255, 102 / 255].map(Math.fround));
    const rows = [0, 1, 2].map((i) => Array.from(ds.y.subarray(i * 10, i * 10 + 10)).indexOf(1));
    expect(rows).toEqual([7, 0, 9]);
    expect(Array.from(ds.y).reduce((a, b) => a + b)).toBe(3);
  });

  it('limit converts only the first n; labels mode keeps class indices', () => {
    const ds = mnistDataset(images, labels, { limit: 2, oneHot: false });
    expect(ds.length).toBe(2);
    expect(ds.x.length).toBe(8);
    expect(Array.from(ds.y)).toEqual([7, 0]);
    expect(ds.yShape).toEqual([]);
    const both = mnistFromBytes({ trainImages: images, trainLabels: labels, testImages: images, testLabels: labels }, { train: { limit: 1 } });
    expect([both.train.length, both.test.length]).toEqual([1, 3]);
  });

  it('rejects swapped, mismatched, corrupt or truncated files', () => {
    expect(() => mnistDataset(labels, images)).toThrow(/images must be uint8 \[n, rows, cols\], got uint8 \[3\] \(is this a labels file\?\)/);
    expect(() => mnistDataset(images, idx([2], [1, 2]))).toThrow(/3 images but 2 labels/);
    expect(() => mnistDataset(images, idx([3], [1, 2, 10]))).toThrow(/label at index 2 is 10/);
    expect(() => mnistDataset(images, idx([3], [1, 2, 10]), { oneHot: false })).toThrow(/label at index 2 is 10, expected 0..9/);
    expect(() => mnistDataset(images.subarray(0, images.length - 1), labels)).toThrow(/idx: file is truncated/);
    expect(() => mnistDataset(images, labels, { limit: -1 })).toThrow(/limit must be a non-negative integer/);
  });
});

describe('loadMnist (Node)', () => {
  it('tells the user how to get the data when files are missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'knobs-mnist-'));
    try {
      await writeFile(join(dir, MNIST_FILES.trainImages), images);
      expect(missingMnistFiles(dir)).toEqual([MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels]);
      await expect(loadMnist({ dir })).rejects.toThrow(/MNIST is not in .* \(missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte\)\. Fetch it with `npx knobs-data mnist --dir <dir>` and call loadMnist\(\{ dataDir: '<dir>' \}\)/);
      await writeFile(join(dir, MNIST_FILES.trainLabels), labels);
      await writeFile(join(dir, MNIST_FILES.testImages), images);
      await writeFile(join(dir, MNIST_FILES.testLabels), idx([2], [1, 1]));
      await expect(loadMnist({ dir })).rejects.toThrow(/3 images but 2 labels — fetch it again with `npx knobs-data mnist --dir <dir>`/);
      await writeFile(join(dir, MNIST_FILES.testLabels), labels);
      const m = await loadMnist({ dir });
      expect([m.train.length, m.test.length]).toEqual([3, 3]);
      // knobs-data --dir <parent> fills <parent>/mnist: dataDir names the parent.
      await expect(loadMnist({ dataDir: dir })).rejects.toThrow(`MNIST is not in ${join(dir, 'mnist')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
