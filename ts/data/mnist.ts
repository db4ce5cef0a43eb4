/**
 * MNIST as TensorDatasets, from the four IDX files (platform-neutral: bytes in, datasets out;
 * see mnist-node.ts for reading them from disk). Pixels are scaled to [0, 1] and labels one-hot,
 * as in the book: images / 255 and a 10-wide row per label.
 */
import { KnobsError, fmtShape } from '../errors.js';
import { fmtValue } from '../options.js';
import { TensorDataset } from './dataset.js';
import { idxImagesToFloat32, oneHot, parseIdx, type ParsedIdx } from './idx.js';

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface MnistOptions {
  /** Convert only the first n samples (the book's 1000): saves the 188 MB Float32 copy of all 60k. */
  limit?: number;
  /** One-hot rows [n, 10] (default) or class labels [n]. */
  oneHot?: boolean;
}

/** x: [n, 784] in [0, 1]; y: [n, 10] one-hot (or [n] labels). */
export function mnistDataset(images: Uint8Array, labels: Uint8Array, opts: MnistOptions = {}): TensorDataset {
  const img = parseIdx(images);
  const lab = parseIdx(labels);
  if (img.dtype !== 'uint8' || img.shape.length !== 3) throw new KnobsError(`mnist: images must be uint8 [n, rows, cols], got ${img.dtype} ${fmtShape(img.shape)} (is this a labels file?)`);
  if (lab.dtype !== 'uint8' || lab.shape.length !== 1) throw new KnobsError(`mnist: labels must be uint8 [n], got ${lab.dtype} ${fmtShape(lab.shape)} (is this an images file?)`);
  if (img.shape[0] !== lab.shape[0]) throw new KnobsError(`mnist: ${img.shape[0]} images but ${lab.shape[0]} labels`);
  let n = img.shape[0];
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 0) throw new KnobsError(`mnist: limit must be a non-negative integer, got ${fmtValue(opts.limit)}`);
    n = Math.min(n, opts.limit);
  }
  const pixels = img.shape[1] * img.shape[2];
  const head: ParsedIdx = { dtype: 'uint8', shape: [n, img.shape[1], img.shape[2]], data: img.data.subarray(0, n * pixels) };
  const x = idxImagesToFloat32(head, { scale: true });
  const labelsN = lab.data.subarray(0, n);
  // oneHot validates every label against the class count, so a corrupt label file cannot slip through.
  const y = opts.oneHot === false ? { data: Float32Array.from(checkLabels(labelsN)), shape: [n] } : { data: oneHot(labelsN, 10), shape: [n, 10] };
  return new TensorDataset(x, y);
}

function checkLabels(l: ArrayLike<number>): ArrayLike<number> {
  for (let i = 0; i < l.length; i++) if (l[i] > 9) throw new KnobsError(`mnist: label at index ${i} is ${l[i]}, expected 0..9`);
  return l;
}

export interface MnistBytes {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

export interface Mnist {
  train: TensorDataset;
  test: TensorDataset;
}

export function mnistFromBytes(bytes: MnistBytes, opts: { train?: MnistOptions; test?: MnistOptions } = {}): Mnist {
  return {
    train: mnistDataset(bytes.trainImages, bytes.trainLabels, opts.train),
    test: mnistDataset(bytes.testImages, bytes.testLabels, opts.test),
  };
}
