/**
 * Starting the training worker and noticing when it dies, in Node (worker_threads) and browsers.
 *
 * Where the worker script is: next to this module, as `train-worker.js` in the built package and
 * `train-worker.ts` when running the TypeScript sources (vitest, tsx). Browsers get the literal
 * `new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' })`, the pattern
 * Vite and webpack recognise and bundle; Vite also maps the .js name to the .ts source in dev.
 * Vite's dev server pre-bundles dependencies into node_modules/.vite/deps, away from the package's
 * files; there the worker is started from the package's own copy (prebundledUrl).
 */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { prebundledUrl } from '../backend/load-wasm.js';
import { importHidden } from '../runtime.js';
import { WorkerError, isNodeRuntime, isNodeWorker, startNodeWorker, type NodeWorkerLike, type TrainWorker } from '../spawn.js';
import type { TrainWorkerApi } from './protocol.js';

export { WorkerError, isNodeRuntime, isNodeWorker, type NodeWorkerLike, type TrainWorker };

/** True when this module runs from TypeScript sources (vitest, tsx) rather than the built .js. */
const fromSources = /\.[cm]?ts(?:[?#].*)?$/.test(import.meta.url);

/**
 * The worker script next to this module (Node's default; browsers use the literal below). The name
 * is a variable on purpose: bundlers rewrite `new URL('<literal>', import.meta.url)` into an
 * asset, which would copy the unbundled script (or warn that the .ts is missing) in every build.
 */
export function defaultWorkerUrl(): URL {
  const file = fromSources ? './train-worker.ts' : './train-worker.js';
  return new URL(file, import.meta.url);
}

export interface CreateWorkerOptions {
  /** The worker script (default: the one shipped next to this module). */
  workerUrl?: string | URL;
  /**
   * Node only: Node flags for the worker (default: the parent's, Node's own default). A .ts
   * script (running from the sources) is loaded through tsx, which must be installed.
   */
  execArgv?: string[];
}

/**
 * Starts a training worker. trainInWorker() does this itself; call it to own the worker (reuse it
 * for several trainings, or terminate it yourself) and pass it as the `worker` option.
 */
export async function createTrainWorker(opts: CreateWorkerOptions = {}): Promise<TrainWorker> {
  if (isNodeRuntime) {
    const url = opts.workerUrl === undefined ? defaultWorkerUrl() : new URL(String(opts.workerUrl), import.meta.url);
    return startNodeWorker(url, opts.execArgv, 'trainInWorker');
  }
  if (typeof Worker === 'undefined') throw new WorkerError('trainInWorker: this environment has no Worker (needs a browser, a browser worker, or Node ≥ 20)');
  if (opts.workerUrl !== undefined) return new Worker(opts.workerUrl, { type: 'module' });
  const prebundled = prebundledUrl('dist/worker/train-worker.js');
  if (prebundled) return new Worker(prebundled, { type: 'module' });
  return new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
}

// One Comlink wrapper per worker: wrapping adds a message listener, and a worker reused for many
// trainings must not collect one per call.
const remotes = new WeakMap<object, Comlink.Remote<TrainWorkerApi>>();

/** The Comlink proxy of a training worker's API. */
export function remoteOf(worker: TrainWorker): Comlink.Remote<TrainWorkerApi> {
  let r = remotes.get(worker);
  if (!r) {
    const endpoint = isNodeWorker(worker) ? nodeEndpoint(worker as unknown as Parameters<typeof nodeEndpoint>[0]) : (worker as unknown as Comlink.Endpoint);
    remotes.set(worker, (r = Comlink.wrap<TrainWorkerApi>(endpoint)));
  }
  return r;
}

/** A worker being used by one trainInWorker call, and how it dies. */
export interface WorkerWatch {
  /** Never resolves; rejects with a WorkerError when the worker crashes, exits or is terminated. */
  died: Promise<never>;
  /** Terminates the worker (also rejects `died`). */
  terminate(): void;
  /** Stops watching (listeners off, terminate() restored); call before a planned terminate. */
  dispose(): void;
}

/**
 * Watches a worker for death. Node reports crashes ('error') and every exit ('exit'). Browsers
 * report crashes and load failures ('error') but say nothing when the page calls terminate(),
 * so terminate() on this worker instance is wrapped to report it — otherwise a call waiting on a
 * terminated worker would wait forever.
 */
export function watchWorker(worker: TrainWorker, describe: string): WorkerWatch {
  let fail!: (e: WorkerError) => void;
  let dead = false;
  const died = new Promise<never>((_, reject) => (fail = reject));
  // Nobody may be racing it when the worker dies after the work is done.
  died.catch(() => undefined);
  const die = (e: WorkerError) => {
    if (dead) return;
    dead = true;
    fail(e);
  };
  const ownTerminate = Object.prototype.hasOwnProperty.call(worker, 'terminate');
  const originalTerminate = worker.terminate as (this: TrainWorker) => unknown;
  const terminate = function () {
    die(new WorkerError(`trainInWorker: the worker was terminated before training finished (${describe})`));
    return originalTerminate.call(worker);
  };
  (worker as { terminate: unknown }).terminate = terminate;
  const restore = () => {
    if (worker.terminate !== terminate) return;
    if (ownTerminate) (worker as { terminate: unknown }).terminate = originalTerminate;
    else delete (worker as { terminate?: unknown }).terminate;
  };

  let off: () => void;
  if (isNodeWorker(worker)) {
    const onError = (err: Error) => die(new WorkerError(`trainInWorker: the worker crashed: ${err?.message ?? err} (${describe})`, { cause: err }));
    const onExit = (code: number) => die(new WorkerError(`trainInWorker: the worker exited with code ${code} before training finished (${describe})`));
    const onMessageError = (err: Error) => die(new WorkerError(`trainInWorker: a message from the worker could not be deserialised: ${err?.message ?? err}`, { cause: err }));
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.on('messageerror', onMessageError);
    off = () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.off('messageerror', onMessageError);
    };
  } else {
    const onError = (ev: Event) => {
      const e = ev as ErrorEvent;
      // Keeps the browser from also logging it as an uncaught error of the page.
      ev.preventDefault();
      const where = e.filename ? ` at ${e.filename}:${e.lineno}` : '';
      const what = e.message ? `crashed: ${e.message}${where}` : 'failed to load or crashed (no details from the browser; check that the worker script URL is served)';
      die(new WorkerError(`trainInWorker: the worker ${what} (${describe})`));
    };
    const onMessageError = () => die(new WorkerError('trainInWorker: a message from the worker could not be deserialised'));
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onMessageError);
    off = () => {
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onMessageError);
    };
  }
  return {
    died,
    terminate: () => void terminate(),
    dispose() {
      dead = true;
      off();
      restore();
    },
  };
}
