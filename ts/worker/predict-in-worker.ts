/**
 * One-shot model work in a training worker, so a page never builds or runs a model on its main
 * thread: predictInWorker (outputs, and named submodules' outputs such as feature maps) and
 * saveModelInWorker (saveModel's bytes, e.g. for a download). The worker may be training at the
 * same time: the request is answered between two of its batches.
 *
 *   const worker = await createTrainWorker();
 *   const r = await trainInWorker(spec, data, { ...opts, worker });
 *   const { y } = await predictInWorker(worker, { spec, weights: r.weights }, { data: x, shape: [1, 784] });
 */
import { KnobsError } from '../errors.js';
import type { JsonValue } from '../nn/config.js';
import type { StateDict } from '../nn/module.js';
import { validateSpec, type ModelSpec, type ModelSpecV1 } from '../nn/spec.js';
import { checkOptions } from '../options.js';
import type { ArrayData } from '../data/dataset.js';
import type { PredictResult } from './protocol.js';
import { remoteOf, watchWorker, type TrainWorker } from './spawn.js';
import { handshake, reviveError } from './train-in-worker.js';
import { WORKER_HELLO } from './protocol.js';
import { WorkerError, isNodeWorker } from './spawn.js';

/** A model as it crosses to a worker: its spec and weights (a TrainResult's `weights`, `extraState`). */
export interface WorkerModel {
  spec: ModelSpec | ModelSpecV1;
  weights: StateDict;
  extraState?: Record<string, JsonValue>;
}

export interface PredictInWorkerOptions {
  /** Submodule paths whose outputs to return as well ('0', 'features.conv1'). */
  outputs?: string[];
  /** Those outputs for the first `outputRows` rows only (default: all). */
  outputRows?: number;
  /** The wasm core, if the worker is not initialised yet (as trainInWorker's `wasm`). */
  wasm?: string | URL | WebAssembly.Module;
  /** How long the worker may take to answer that it is alive (a busy one answers between batches). Default 10 000. */
  timeoutMs?: number;
}

// slice(), not Float32Array.from: a memcpy rather than an iteration (this runs on a page's main thread).
const copyState = (s: StateDict): StateDict => Object.fromEntries(Object.entries(s).map(([k, e]) => [k, { shape: [...e.shape], data: e.data.slice() }]));

function checkModel(op: string, m: WorkerModel): void {
  if (!m || typeof m !== 'object' || !m.weights || typeof m.weights !== 'object') throw new KnobsError(`${op}: model must be { spec, weights }`);
}

const wasmOf = (w: PredictInWorkerOptions['wasm']) => (w === undefined || w instanceof WebAssembly.Module ? w : String(w));

/**
 * Waits for the worker, or rejects (WorkerError) if it is dead or dies meanwhile: a message to a
 * terminated worker is dropped without a word, so it must answer a ping first.
 */
async function call<T>(worker: TrainWorker, op: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  if (isNodeWorker(worker) && (worker as { threadId?: number }).threadId === -1) throw new WorkerError(`${op}: the worker has exited`);
  const watch = watchWorker(worker, `worker given to ${op}`);
  try {
    const hello = await handshake(remoteOf(worker), timeoutMs, watch.died).catch((e: unknown) => {
      throw e instanceof WorkerError ? new WorkerError(`${op}: the worker did not answer within ${timeoutMs} ms (terminated, or not a knobs train worker)`) : e;
    });
    if (hello !== WORKER_HELLO) throw new WorkerError(`${op}: the worker answered ${JSON.stringify(hello)}, not the knobs train-worker handshake`);
    return await Promise.race([run(), watch.died]);
  } catch (e) {
    throw reviveError(e);
  } finally {
    watch.dispose();
  }
}

/** The model's outputs on x (eval mode, no graph), computed in `worker`. Copies x and the weights. */
export async function predictInWorker(worker: TrainWorker, model: WorkerModel, x: ArrayData, opts: PredictInWorkerOptions = {}): Promise<PredictResult> {
  const op = 'predictInWorker';
  checkOptions(op, opts, ['outputs', 'outputRows', 'wasm', 'timeoutMs']);
  checkModel(op, model);
  if (!x || !(x.data instanceof Float32Array) || !x.shape) throw new KnobsError(`${op}: x must be { data: Float32Array, shape: number[] }`);
  const spec = validateSpec(model.spec);
  return call(worker, op, opts.timeoutMs ?? 10_000, () =>
    remoteOf(worker).predict({
      spec, weights: copyState(model.weights), extraState: model.extraState, x: { data: x.data.slice(), shape: [...x.shape] },
      outputs: opts.outputs, outputRows: opts.outputRows, wasm: wasmOf(opts.wasm),
    }),
  );
}

/** saveModel's { weights (safetensors bytes), json } for the model, built and serialised in `worker`. */
export async function saveModelInWorker(
  worker: TrainWorker, model: WorkerModel, opts: { metadata?: Record<string, unknown>; wasm?: PredictInWorkerOptions['wasm']; timeoutMs?: number } = {},
): Promise<{ weights: Uint8Array; json: string }> {
  const op = 'saveModelInWorker';
  checkOptions(op, opts, ['metadata', 'wasm', 'timeoutMs']);
  checkModel(op, model);
  const spec = validateSpec(model.spec);
  return call(worker, op, opts.timeoutMs ?? 10_000, () => remoteOf(worker).save({ spec, weights: copyState(model.weights), extraState: model.extraState, metadata: opts.metadata, wasm: wasmOf(opts.wasm) }));
}
