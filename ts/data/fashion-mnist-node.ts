/**
 * Node loader for Fashion-MNIST (Zalando: 28×28 grey images of 10 kinds of clothing, 60k train /
 * 10k test — MNIST's format and sizes, a harder task). `bash scripts/fetch-data.sh fashion` puts
 * the Debian package dataset-fashion-mnist's gzip IDX files in .data/fashion-mnist/; they are
 * gunzipped here (node:zlib) and parsed by MNIST's IDX reader. Nothing is downloaded at run time.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { KnobsError } from '../errors.js';
import { MNIST_FILES, mnistFromBytes, type Mnist } from './mnist.js';
import type { LoadMnistOptions } from './mnist-node.js';
import { dataSetDir, fetchHint, type DataDirOptions } from './data-dir.js';

/** The label names, by class index (the dataset's own README). */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const FILES = Object.values(MNIST_FILES).map((f) => `${f}.gz`);

/** The directory of the gzip IDX files: opts.dir, opts.dataDir/fashion-mnist, $KNOBS_FASHION_MNIST_DIR, $KNOBS_DATA_DIR/fashion-mnist, else .data/fashion-mnist (where `knobs-data fashion` writes it). */
export function defaultFashionMnistDir(opts: DataDirOptions = {}): string {
  return dataSetDir('fashion-mnist', opts);
}

export function hasFashionMnist(dir = defaultFashionMnistDir()): boolean {
  return FILES.every((f) => existsSync(join(dir, f)));
}

/** { train: 60k, test: 10k } TensorDatasets (x [n, 784] in [0, 1], y one-hot [n, 10]), as loadMnist. */
export async function loadFashionMnist(opts: LoadMnistOptions = {}): Promise<Mnist> {
  const dir = defaultFashionMnistDir(opts);
  const missing = FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length) {
    throw new KnobsError(`loadFashionMnist: Fashion-MNIST is not in ${dir} (missing ${missing.join(', ')}). ${fetchHint('fashion', 'loadFashionMnist')}`);
  }
  const inflate = promisify(gunzip);
  const read = async (f: string) => {
    const b = await inflate(await readFile(join(dir, `${f}.gz`)));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };
  try {
    const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels].map(read));
    return mnistFromBytes({ trainImages, trainLabels, testImages, testLabels }, opts);
  } catch (e) {
    throw new KnobsError(`loadFashionMnist: ${dir}: ${(e as Error).message} — fetch it again with \`npx knobs-data fashion --dir <dir>\``);
  }
}
