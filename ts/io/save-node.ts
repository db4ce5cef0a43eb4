/**
 * Node helpers: save(model, 'runs/mnist') writes runs/mnist.safetensors and runs/mnist.json;
 * load('runs/mnist') reads them back. Each file is written to a temporary name and renamed, so
 * an interrupted save never leaves a half-written model under the real name.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KnobsError } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SAFETENSORS_MAX_HEADER_BYTES } from './safetensors.js';
import { loadModel, saveModel, type LoadedModel, type SaveOptions } from './save.js';

/** 'runs/mnist', 'runs/mnist.json' or 'runs/mnist.safetensors' → 'runs/mnist'. */
function base(path: string): string {
  if (typeof path !== 'string' || path === '') throw new KnobsError('save/load: path must be a non-empty string');
  return path.replace(/\.(safetensors|json)$/, '');
}

export interface NodeSaveOptions extends SaveOptions {
  optimizer?: Optimizer | null;
}

export async function save(model: AnyModule, path: string, opts: NodeSaveOptions = {}): Promise<{ weights: string; json: string }> {
  const b = base(path);
  const { weights, json } = saveModel(model, opts.optimizer, opts);
  const files = { weights: `${b}.safetensors`, json: `${b}.json` };
  await mkdir(dirname(b), { recursive: true });
  const tmp = `.tmp-${process.pid}-${Date.now()}`;
  await writeFile(files.weights + tmp, weights);
  await writeFile(files.json + tmp, json);
  await rename(files.weights + tmp, files.weights);
  await rename(files.json + tmp, files.json);
  return files;
}

// The JSON holds the optimizer state as base64 (≈ 2.7 bytes of text per parameter per slot);
// anything far beyond the weights file's size is not a knobs model file.
function jsonLimit(weightsBytes: number): number {
  return 64 * 1024 * 1024 + 8 * weightsBytes;
}

export async function load<M extends AnyModule = AnyModule>(path: string): Promise<LoadedModel<M>> {
  const b = base(path);
  const files = { weights: `${b}.safetensors`, json: `${b}.json` };
  // Both looked up at once, the first missing one named in a fixed order (not whichever stat
  // failed first: that made the message depend on timing).
  const found = await Promise.allSettled([stat(files.weights), stat(files.json)]);
  const sizes = found.map((r, i) => {
    if (r.status === 'fulfilled') return r.value;
    const f = i === 0 ? files.weights : files.json;
    throw new KnobsError(`load: ${f} not found (a saved model is two files: ${files.weights} and ${files.json})`);
  });
  if (sizes[0].size > Number.MAX_SAFE_INTEGER - SAFETENSORS_MAX_HEADER_BYTES) throw new KnobsError(`load: ${files.weights} is too large`);
  if (sizes[1].size > jsonLimit(sizes[0].size)) throw new KnobsError(`load: ${files.json} is ${sizes[1].size} bytes, too large for the model JSON of a ${sizes[0].size}-byte weights file`);
  const [weights, json] = await Promise.all([readFile(files.weights), readFile(files.json, 'utf8')]);
  return loadModel<M>({ weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), json });
}
