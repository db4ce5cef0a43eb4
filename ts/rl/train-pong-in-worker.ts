/**
 * trainPong() in a worker, so a page stays responsive while the agent learns: progress events per
 * episode (reward, points won, optional checkpoints), abort through an AbortSignal (training
 * stops after the current episode and resolves with `aborted: true` and the state so far), and
 * resume by passing a saved state as `resume`; with `onClip`, clips of a game for watching it. Starting, watching and handshaking reuse the
 * training worker's plumbing in worker/.
 */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { prebundledUrl } from '../backend/load-wasm.js';
import { KnobsError } from '../errors.js';
import { createTrainWorker, isNodeRuntime, isNodeWorker, watchWorker, WorkerError, type TrainWorker } from '../worker/spawn.js';
import { abortReason, abortWatchdog, handshake, reviveError } from '../worker/train-in-worker.js';
import type { PongClip } from './pong-clip.js';
import { PONG_WORKER_HELLO, type PongWorkerApi } from './pong-worker-api.js';
import type { PongProgress, PongTrainConfig, PongTrainResult } from './train-pong.js';

export interface TrainPongInWorkerOptions extends PongTrainConfig {
  signal?: AbortSignal;
  /** After an abort, how long the worker may take to finish its episode before it is terminated. Default 10 000. */
  abortTimeoutMs?: number;
  startTimeoutMs?: number;
  /** The worker script (default: pong-worker next to this module). */
  workerUrl?: string | URL;
  /** Node only: flags for the worker. */
  execArgv?: string[];
}

const fromSources = /\.[cm]?ts(?:[?#].*)?$/.test(import.meta.url);

async function startPongWorker(workerUrl: string | URL | undefined, execArgv: string[] | undefined): Promise<TrainWorker> {
  if (isNodeRuntime || workerUrl !== undefined) {
    return createTrainWorker({ workerUrl: workerUrl ?? new URL(fromSources ? './pong-worker.ts' : './pong-worker.js', import.meta.url), execArgv });
  }
  if (typeof Worker === 'undefined') throw new WorkerError('trainPongInWorker: this environment has no Worker');
  const prebundled = prebundledUrl('dist/rl/pong-worker.js');
  if (prebundled) return new Worker(prebundled, { type: 'module' });
  // The literal form bundlers (Vite, webpack) recognise and bundle.
  return new Worker(new URL('./pong-worker.js', import.meta.url), { type: 'module' });
}

export async function trainPongInWorker(options: TrainPongInWorkerOptions, onProgress?: (p: PongProgress) => void): Promise<PongTrainResult> {
  if (!options || typeof options !== 'object') throw new KnobsError('trainPongInWorker: options { episodes } are required');
  const { signal, abortTimeoutMs = 10_000, startTimeoutMs = 30_000, workerUrl, execArgv, onClip, ...config } = options;
  if (!Number.isInteger(config.episodes) || config.episodes < 0) throw new KnobsError(`trainPongInWorker: episodes must be a non-negative integer, got ${config.episodes}`);
  if (signal?.aborted) throw abortReason(signal, 'trainPongInWorker');
  const worker = await startPongWorker(workerUrl, execArgv);
  const watch = watchWorker(worker, `pong worker ${workerUrl ?? 'pong-worker'}`);
  const endpoint = isNodeWorker(worker) ? nodeEndpoint(worker as unknown as Parameters<typeof nodeEndpoint>[0]) : (worker as unknown as Comlink.Endpoint);
  const remote = Comlink.wrap<PongWorkerApi>(endpoint);
  const watchdog = abortWatchdog(() => remote.abort(), () => watch.terminate(), abortTimeoutMs);
  const onAbort = watchdog.onAbort;
  try {
    const hello = await handshake(remote, startTimeoutMs, watch.died);
    if (hello !== PONG_WORKER_HELLO) throw new WorkerError(`trainPongInWorker: the worker answered ${JSON.stringify(hello)}, not the knobs pong-worker handshake`);
    if (signal?.aborted) throw abortReason(signal, 'trainPongInWorker');
    signal?.addEventListener('abort', onAbort, { once: true });
    const progress = onProgress ? Comlink.proxy((p: PongProgress) => onProgress(p)) : null;
    const clips = onClip ? Comlink.proxy((c: PongClip) => onClip(c)) : null;
    return await Promise.race([remote.train(config, progress, clips), watch.died]);
  } catch (e) {
    if (watchdog.killed) throw new WorkerError(`trainPongInWorker: aborted, but the worker did not stop within ${abortTimeoutMs} ms and was terminated`, { cause: e });
    throw reviveError(e);
  } finally {
    watchdog.clear();
    signal?.removeEventListener('abort', onAbort);
    watch.dispose();
    remote[Comlink.releaseProxy]();
    void worker.terminate();
  }
}
