/**
 * Node helpers: save(model, 'runs/mnist') writes runs/mnist.safetensors and runs/mnist.json;
 * load('runs/mnist') reads them back. Each file is written to a temporary name and renamed, so
 * an interrupted save never leaves a half-written model under the real name.
 *
 * The two renames are not one atomic step, so the JSON records the sha256 of the weights file it
 * was saved with (`weightsSha256`), and load refuses a pair whose hashes differ — the files of two
 * different saves (another process saving to the same path, a copy of only one file). Within one
 * process, saves and loads of one path run one at a time, so the last save wins as a whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { KnobsError } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import { SAFETENSORS_MAX_HEADER_BYTES } from './safetensors.js';
import { WEIGHTS_SHA256_KEY } from './browser-store.js';
import { loadModel, saveModel, type LoadedModel, type StoreOptions } from './save.js';

export { WEIGHTS_SHA256_KEY };

/** 'runs/mnist', 'runs/mnist.json' or 'runs/mnist.safetensors' → 'runs/mnist'. */
function base(path: string): string {
  if (typeof path !== 'string' || path === '') throw new KnobsError('save/load: path must be a non-empty string');
  return path.replace(/\.(safetensors|json)$/, '');
}

/** The same options as the browser's saveModel(model, url, opts). */
export type NodeSaveOptions = StoreOptions;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// Per-path queues: concurrent saves/loads of one path in this process take turns.
const queues = new Map<string, Promise<unknown>>();

function inTurn<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(path);
  const run = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
  const tail = run.then(() => undefined, () => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

let tmpCounter = 0;

/** A temp suffix no other save (this process or another) picks: pid, a counter and random bits. */
function tmpSuffix(): string {
  return `.tmp-${process.pid}-${++tmpCounter}-${randomBytes(6).toString('hex')}`;
}

export async function save(model: AnyModule, path: string, opts: NodeSaveOptions = {}): Promise<{ weights: string; json: string }> {
  const b = base(path);
  const { weights, json } = saveModel(model, opts.optimizer ?? null, opts);
  // Inserted as the first key by text so the model JSON is not parsed and re-serialised.
  const paired = `{${JSON.stringify(WEIGHTS_SHA256_KEY)}:${JSON.stringify(sha256(weights))},${json.slice(1)}`;
  const files = { weights: `${b}.safetensors`, json: `${b}.json` };
  return inTurn(b, async () => {
    await mkdir(dirname(b), { recursive: true });
    const tmp = tmpSuffix();
    try {
      await writeFile(files.weights + tmp, weights);
      await writeFile(files.json + tmp, paired);
      await rename(files.weights + tmp, files.weights);
      await rename(files.json + tmp, files.json);
    } catch (e) {
      await Promise.all([unlink(files.weights + tmp), unlink(files.json + tmp)].map((p) => p.catch(() => undefined)));
      throw e;
    }
    return files;
  });
}

// The JSON holds the optimizer state as base64 (≈ 2.7 bytes of text per parameter per slot);
// anything far beyond the weights file's size is not a knobs model file.
function jsonLimit(weightsBytes: number): number {
  return 64 * 1024 * 1024 + 8 * weightsBytes;
}

export async function load<M extends AnyModule = AnyModule>(path: string): Promise<LoadedModel<M>> {
  const b = base(path);
  return inTurn(b, () => loadFiles<M>(b));
}

async function loadFiles<M extends AnyModule>(b: string): Promise<LoadedModel<M>> {
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
  const [buf, text] = await Promise.all([readFile(files.weights), readFile(files.json, 'utf8')]);
  const weights = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KnobsError(`load: ${files.json} is not valid JSON: ${(e as Error).message}`);
  }
  if (json && typeof json === 'object' && !Array.isArray(json) && Object.prototype.hasOwnProperty.call(json, WEIGHTS_SHA256_KEY)) {
    const { [WEIGHTS_SHA256_KEY]: want, ...rest } = json as Record<string, unknown>;
    const got = sha256(weights);
    if (want !== got) {
      throw new KnobsError(
        `load: ${files.weights} does not belong with ${files.json}: its sha256 is ${got}, the JSON was saved with ${typeof want === 'string' ? want : JSON.stringify(want)} ` +
          '(the two files come from different saves, or one was changed)',
      );
    }
    json = rest;
  }
  // Files saved before the pairing check have no hash and load as before.
  return loadModel<M>({ weights, json: json as object });
}
