/**
 * Starting replica workers and noticing when one dies, in Node (worker_threads) and browsers.
 * Node goes through the training worker's createTrainWorker, which also knows how to start a .ts
 * script from the sources (vitest, tsx) through tsx. Browsers get the literal
 * `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })` that Vite and webpack
 * recognise and bundle (Vite maps it to worker.ts in dev).
 */
import { prebundledUrl } from '../backend/load-wasm.js';
import { WorkerError, isNodeRuntime, isNodeWorker, startNodeWorker, type TrainWorker } from '../spawn.js';

export { WorkerError, isNodeRuntime, isNodeWorker, type TrainWorker };

/** True when this module runs from TypeScript sources (vitest, tsx) rather than the built .js. */
const fromSources = /\.[cm]?ts(?:[?#].*)?$/.test(import.meta.url);

/**
 * Node's default. The name is a variable on purpose: a literal `new URL('./worker.ts', ...)`
 * stays in the built .js, where bundlers look for it and warn that it does not exist.
 */
export function defaultReplicaUrl(): URL {
  const file = fromSources ? './worker.ts' : './worker.js';
  return new URL(file, import.meta.url);
}

export async function spawnReplica(workerUrl: string | URL | undefined): Promise<TrainWorker> {
  if (isNodeRuntime) return startNodeWorker(workerUrl === undefined ? defaultReplicaUrl() : new URL(String(workerUrl), import.meta.url), undefined, 'DataParallel');
  if (typeof Worker === 'undefined') throw new WorkerError('DataParallel: this environment has no Worker (needs a browser, a browser worker, or Node ≥ 20)');
  if (workerUrl !== undefined) return new Worker(workerUrl, { type: 'module' });
  const prebundled = prebundledUrl('dist/parallel/worker.js');
  if (prebundled) return new Worker(prebundled, { type: 'module' });
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
}

export interface WorkerEvents {
  message(data: unknown): void;
  /** The worker crashed, exited, failed to load, or sent something unreadable. */
  died(reason: string, cause?: unknown): void;
}

/** Listens to a worker; returns a function that stops listening. */
export function listen(worker: TrainWorker, on: WorkerEvents): () => void {
  if (isNodeWorker(worker)) {
    const onMessage = (m: unknown) => on.message(m);
    const onError = (err: Error) => on.died(`crashed: ${err?.message ?? err}`, err);
    const onExit = (code: number) => on.died(`exited with code ${code}`);
    const onMessageError = (err: Error) => on.died(`sent a message that could not be deserialised: ${err?.message ?? err}`, err);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.on('messageerror', onMessageError);
    return () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.off('messageerror', onMessageError);
      // Once we stop listening the worker is being torn down; a late 'error' from it (a sibling
      // that fails to load after the first failure already rejected create()) must not become an
      // uncaught exception in the host process.
      worker.on('error', () => {});
    };
  }
  const onMessage = (ev: MessageEvent) => on.message(ev.data);
  const onError = (ev: Event) => {
    const e = ev as ErrorEvent;
    ev.preventDefault();
    const where = e.filename ? ` at ${e.filename}:${e.lineno}` : '';
    on.died(e.message ? `crashed: ${e.message}${where}` : 'failed to load or crashed (no details from the browser; check that the worker script URL is served)');
  };
  const onMessageError = () => on.died('sent a message that could not be deserialised');
  worker.addEventListener('message', onMessage);
  worker.addEventListener('error', onError);
  worker.addEventListener('messageerror', onMessageError);
  // A browser says nothing when a page terminates a worker; without this, a step waiting on it
  // would wait forever. The wrapper reports it, then terminates.
  const original = worker.terminate;
  const terminate = () => {
    on.died('was terminated');
    original.call(worker);
  };
  worker.terminate = terminate;
  return () => {
    worker.removeEventListener('message', onMessage);
    worker.removeEventListener('error', onError);
    worker.removeEventListener('messageerror', onMessageError);
    if (worker.terminate === terminate) worker.terminate = original;
  };
}

/** Node: whether an idle worker may keep the process alive (it must not between steps). */
export function setRef(worker: TrainWorker, on: boolean): void {
  const w = worker as { ref?: () => void; unref?: () => void };
  if (on) w.ref?.();
  else w.unref?.();
}
