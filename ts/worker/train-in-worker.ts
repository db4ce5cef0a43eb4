/**
 * trainInWorker: fit() in a worker thread, so a page stays responsive (or a Node server keeps
 * serving) while a model trains. The model crosses as its JSON spec, data as transferred buffers,
 * progress comes back through a Comlink proxy, and the trained weights are transferred back.
 *
 *   const { weights, history } = await trainInWorker(toSpec(model), { x, y },
 *     { epochs: 3, batchSize: 64, optimizer: { type: 'Adam', lr: 1e-3 }, signal }, (p) => draw(p));
 *   model.loadStateDict(weights);
 */
import { checkOptions, optionKeys } from '../options.js';
import * as Comlink from 'comlink';
import { KnobsError, ShapeError } from '../errors.js';
import { Module, type AnyModule, type StateDict } from '../nn/module.js';
import { toSpec, validateSpec, type ModelSpec, type ModelSpecV1 } from '../nn/spec.js';
import type { ArrayPair, TrainData, TrainProgress, TrainRequest, TrainResult, TrainWorkerApi, WorkerTrainConfig } from './protocol.js';
import { WORKER_HELLO } from './protocol.js';
import { WorkerError, createTrainWorker, remoteOf, watchWorker, type CreateWorkerOptions, type TrainWorker } from './spawn.js';

export interface TrainInWorkerOptions extends Omit<WorkerTrainConfig, 'wasm'>, CreateWorkerOptions {
  /** The wasm core for the worker: a URL, or a compiled WebAssembly.Module (see WorkerTrainConfig.wasm). */
  wasm?: string | URL | WebAssembly.Module;
  /**
   * Stops training between batches. The promise then resolves with the weights trained so far and
   * `aborted: true` (stopping is a normal end, and the weights are worth having). If the signal is
   * already aborted when trainInWorker is called, or fires before the worker is ready, no training
   * starts, the data is not handed over, and the promise rejects with the signal's reason. If the
   * worker does not stop within `abortTimeoutMs` it is terminated and the promise rejects with a
   * WorkerError.
   */
  signal?: AbortSignal;
  /** Default 5000. */
  abortTimeoutMs?: number;
  /**
   * Transfer the data's buffers to the worker instead of copying them (default true): no copy of
   * the data set is made, and the caller's Float32Arrays become detached (length 0). Arrays that
   * view part of a larger buffer are copied first, so the rest of that buffer stays usable.
   * Initial weights and optimizer state are always copied.
   */
  transfer?: boolean;
  /**
   * Use this worker (from createTrainWorker, or your own `new Worker(...)` of the train-worker
   * script) instead of starting one. It is left running afterwards for reuse; trainInWorker only
   * terminates it when it ignores an abort. A worker it starts itself is terminated when done.
   */
  worker?: TrainWorker;
  /** How long the worker may take to start answering. Default 30 000. */
  startTimeoutMs?: number;
}

export type { TrainProgress, TrainResult } from './protocol.js';

const TRAIN_IN_WORKER_KEYS = optionKeys<TrainInWorkerOptions>()(
  'epochs', 'optimizer', 'loss', 'metrics', 'batchSize', 'shuffle', 'dropLast', 'seed', 'validation', 'weights', 'modules', 'extraState', 'optimizerState',
  'initialEpoch', 'progressEveryMs', 'weightsEveryMs', 'probe', 'yieldEveryMs', 'wasm', 'threads', 'signal', 'abortTimeoutMs', 'transfer', 'worker', 'startTimeoutMs',
  'workerUrl', 'execArgv',
);

/** What an abort before training started rejects with: the signal's reason, or an AbortError naming `op`. */
export function abortReason(signal: AbortSignal, op = 'trainInWorker'): unknown {
  return signal.reason ?? new DOMException(`${op}: aborted`, 'AbortError');
}

/**
 * The abort path of a worker call: `onAbort` asks the worker to stop (`cancel`) and terminates it
 * if it has not stopped within `timeoutMs`; `killed` says whether that happened, `clear` ends the
 * wait once the call has settled.
 */
export function abortWatchdog(cancel: () => Promise<unknown>, terminate: () => void, timeoutMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let killed = false;
  return {
    onAbort(): void {
      cancel().catch(() => undefined);
      timer = setTimeout(() => {
        killed = true;
        terminate();
      }, timeoutMs);
    },
    get killed(): boolean {
      return killed;
    },
    clear(): void {
      clearTimeout(timer);
    },
  };
}

/** Comlink rethrows worker errors as plain Errors carrying the original name; restore the class. */
export function reviveError(e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof KnobsError) return e;
  const Ctor = e.name === 'ShapeError' ? ShapeError : e.name === 'KnobsError' ? KnobsError : null;
  if (!Ctor) return e;
  const out = new Ctor(e.message);
  if (e.stack) out.stack = e.stack;
  return out;
}

/** The arrays to post, and the buffers to transfer with them. */
function prepareArrays(pair: ArrayPair, role: string, transfer: boolean, buffers: Set<ArrayBuffer>): ArrayPair {
  const field = (f: ArrayPair['x'], name: string) => {
    if (!f || !(f.data instanceof Float32Array)) throw new KnobsError(`trainInWorker: ${role}.${name}.data must be a Float32Array`);
    if (!Array.isArray(f.shape) && !(f.shape && typeof (f.shape as readonly number[]).length === 'number')) throw new KnobsError(`trainInWorker: ${role}.${name}.shape must be an array`);
    let data = f.data;
    if (isDetached(data)) {
      // Node's postMessage silently drops a message whose transfer list holds a detached buffer:
      // the worker would wait forever for data that never comes.
      throw new KnobsError(`trainInWorker: ${role}.${name}.data is detached (its buffer was transferred away, e.g. by an earlier trainInWorker call, which transfers by default; pass transfer: false there to keep it)`);
    }
    if (transfer && data.buffer instanceof ArrayBuffer) {
      if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
      buffers.add(data.buffer as ArrayBuffer);
    }
    // A plain array, in case `shape` is a frozen or exotic array-like.
    return { data, shape: [...f.shape] };
  };
  return { x: field(pair.x, 'x'), y: field(pair.y, 'y') };
}

function prepareData(d: TrainData, role: string, transfer: boolean, buffers: Set<ArrayBuffer>): TrainData {
  if (typeof d !== 'object' || d === null) throw new KnobsError(`trainInWorker: ${role} must be { x, y } arrays or { images, labels } IDX URLs, got ${d === null ? 'null' : typeof d}`);
  if ('images' in d) return { ...d, images: String(d.images), labels: String(d.labels) };
  return prepareArrays(d as ArrayPair, role, transfer, buffers);
}

/** A detached buffer has byteLength 0 (and `detached` where the runtime has it). */
function isDetached(a: Float32Array): boolean {
  const buf = a.buffer as ArrayBuffer & { detached?: boolean };
  return buf.detached === true || (buf.byteLength === 0 && buf instanceof ArrayBuffer && isDetachedByProbe(buf));
}

/** Without ArrayBuffer.prototype.detached (Node 20): slicing a detached buffer throws. */
function isDetachedByProbe(buf: ArrayBuffer): boolean {
  try {
    buf.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/** A copy, so the caller's array is never detached by the transfer of data it may view. */
function copyArray(a: ArrayPair['x'], name: string): ArrayPair['x'] {
  if (!a || !(a.data instanceof Float32Array) || !a.shape || typeof (a.shape as readonly number[]).length !== 'number') throw new KnobsError(`trainInWorker: ${name} must be { data: Float32Array, shape: number[] }`);
  return { data: a.data.slice(), shape: [...a.shape] };
}

function copyState(s: StateDict | undefined): StateDict | undefined {
  return s && Object.fromEntries(Object.entries(s).map(([k, e]) => [k, { shape: [...e.shape], data: Float32Array.from(e.data) }]));
}

/**
 * Pings until the worker answers, the worker dies, or the time is up. A message that reaches a
 * worker before its script has attached Comlink's listener can be lost (another listener may
 * have started the port first), so one ping is not enough; extra answers are ignored.
 */
export async function handshake(remote: { ping(): Promise<string> }, timeoutMs: number, died: Promise<never>): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      new Promise<string>((resolve, reject) => {
        let delay = 50;
        const send = () => {
          remote.ping().then(resolve, reject);
          retry = setTimeout(send, (delay = Math.min(delay * 2, 1000)));
        };
        send();
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WorkerError(`trainInWorker: the worker did not answer within ${timeoutMs} ms; is workerUrl the knobs train-worker script?`)), timeoutMs);
      }),
      died,
    ]);
  } finally {
    clearTimeout(timer);
    clearTimeout(retry);
  }
}

/**
 * Trains the model described by `spec` (a spec, or any registered module: then its spec, and its
 * weights unless `weights` is given) on `data` in a worker (Node worker_threads or a browser
 * module Worker, started by this call unless `options.worker` is given) and resolves with the
 * trained weights. `onProgress` receives throttled batch reports and one report per epoch.
 *
 * Rejects with a KnobsError for bad options (checked in the worker, reported with the same
 * message fit() would give), and with a WorkerError when the worker cannot start, crashes, exits
 * or is terminated; it never waits forever on a dead worker. An exception thrown by onProgress
 * stops training and rejects with that exception.
 */
export async function trainInWorker(
  spec: ModelSpec | ModelSpecV1 | AnyModule,
  data: TrainData,
  options: TrainInWorkerOptions,
  onProgress?: (p: TrainProgress) => void,
): Promise<TrainResult> {
  if (!options || typeof options !== 'object') throw new KnobsError('trainInWorker: options { epochs, optimizer } are required');
  checkOptions('trainInWorker', options, TRAIN_IN_WORKER_KEYS);
  const { signal, abortTimeoutMs = 5000, transfer = true, worker: given, startTimeoutMs = 30_000, workerUrl, execArgv, ...config } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new KnobsError(`trainInWorker: onProgress must be a function, got ${typeof onProgress}`);
  // Checked here too, so a typo fails before a worker is started and the data is given away.
  const checkedSpec = spec instanceof Module ? toSpec(spec) : validateSpec(spec);
  if (spec instanceof Module && config.weights === undefined) config.weights = spec.stateDict();
  if (spec instanceof Module && config.extraState === undefined) config.extraState = spec.extraStateDict();
  if (signal?.aborted) throw abortReason(signal);

  const buffers = new Set<ArrayBuffer>();
  const request: TrainRequest = {
    spec: checkedSpec,
    data: prepareData(data, 'data', transfer, buffers),
    config: {
      ...config,
      wasm: config.wasm === undefined || config.wasm instanceof WebAssembly.Module ? config.wasm : String(config.wasm),
      validation: config.validation === undefined || 'split' in config.validation ? config.validation : prepareData(config.validation, 'validation', transfer, buffers),
      weights: copyState(config.weights),
      probe: config.probe && { ...config.probe, x: copyArray(config.probe.x, 'probe.x') },
      modules: config.modules?.map((u) => String(u)),
      optimizerState: config.optimizerState && structuredClone(config.optimizerState),
      extraState: config.extraState && structuredClone(config.extraState),
    },
  };

  const worker = given ?? (await createTrainWorker({ workerUrl, execArgv }));
  const watch = watchWorker(worker, given ? 'worker passed in options.worker' : `worker script ${workerUrl ?? 'train-worker'}`);
  const remote = remoteOf(worker);
  let progressError: { error: unknown } | null = null;
  const watchdog = abortWatchdog(() => remote.cancel(), () => watch.terminate(), abortTimeoutMs);
  const onAbort = watchdog.onAbort;
  try {
    const hello = await handshake(remote, startTimeoutMs, watch.died);
    if (hello !== WORKER_HELLO) throw new WorkerError(`trainInWorker: the worker answered ${JSON.stringify(hello)}, not the knobs train-worker handshake`);
    // The signal may have fired while the worker was starting.
    if (signal?.aborted) throw abortReason(signal);
    signal?.addEventListener('abort', onAbort, { once: true });

    const progress = onProgress
      ? Comlink.proxy((p: TrainProgress) => {
          if (progressError) return;
          try {
            onProgress(p);
          } catch (error) {
            progressError = { error };
            remote.cancel().catch(() => undefined);
          }
        })
      : null;
    const result = await Promise.race([remote.train(Comlink.transfer(request, [...buffers]), progress), watch.died]);
    if (progressError) throw (progressError as { error: unknown }).error;
    return result;
  } catch (e) {
    if (watchdog.killed) throw new WorkerError(`trainInWorker: aborted, but the worker did not stop within ${abortTimeoutMs} ms and was terminated`, { cause: e });
    throw reviveError(e);
  } finally {
    watchdog.clear();
    signal?.removeEventListener('abort', onAbort);
    watch.dispose();
    if (!given) void worker.terminate();
  }
}
