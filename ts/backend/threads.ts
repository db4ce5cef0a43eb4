/**
 * The wasm thread pool behind `init({ threads })`: N−1 workers, each instantiating the threads
 * build (wasm-pkg/knobs_core_threads_bg.wasm) on the main instance's shared memory. The Rust side
 * (crates/knobs-core/src/kernels/par.rs) cuts each large matmul into one part per thread; the
 * calling thread takes parts too, so a call never waits for a worker that is not there yet.
 * Results are the same bits as on one thread (a part is a block of rows of C, each element still
 * summed in the same order).
 *
 * Needs SharedArrayBuffer: always in Node; in browsers only on cross-origin isolated pages
 * (served with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
 * require-corp`).
 */
import { KnobsError } from '../errors.js';
import { importHidden, isNode } from '../runtime.js';
import { withTimeout } from '../timeout.js';


export type ThreadsChoice = number | 'auto';

/** Why this runtime cannot share wasm memory between threads, or null if it can. */
export function threadsUnsupportedReason(): string | null {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available';
  if (!isNode && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (!isNode && typeof Worker === 'undefined') return 'this environment has no Worker';
  return null;
}

async function cores(): Promise<number> {
  if (isNode) {
    const os = await importHidden<typeof import('node:os')>('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** A worker that has not loaded the module by then is taken as failed (init rejects, no hang). */
const START_TIMEOUT_MS = 20_000;

/** Past 8 threads a matmul part is too thin to pay for packing B again (see par.rs). */
const AUTO_MAX = 8;

/** The thread count a choice means here: an explicit n, or 'auto' (all cores, ≤ 8; 1 without SharedArrayBuffer). */
export async function resolveThreads(choice: ThreadsChoice | undefined): Promise<number> {
  if (choice === undefined) return 1;
  if (choice === 'auto') return threadsUnsupportedReason() ? 1 : Math.max(1, Math.min(AUTO_MAX, await cores()));
  if (!Number.isInteger(choice) || choice < 1 || choice > 64) {
    throw new KnobsError(`init: threads must be 'auto' or an integer from 1 to 64, got ${JSON.stringify(choice)}`);
  }
  if (choice > 1) {
    const why = threadsUnsupportedReason();
    if (why) throw new KnobsError(`init: threads: ${choice} needs wasm memory shared between workers, but ${why}; use threads: 1 or 'auto'`);
  }
  return choice;
}

interface PoolWorker {
  terminate(): unknown;
}
/** The running pool's workers. */
const workers: PoolWorker[] = [];


/**
 * Starts `count` workers on `memory` and resolves once each has joined the pool (`joined()`
 * counts the caller and the workers); rejects, stopping the ones it started, if one fails.
 */
export async function startWorkers(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number, joined: () => number, newBrowserWorker?: () => Worker): Promise<void> {
  const mine: PoolWorker[] = [];
  const started: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    if (isNode) started.push(startNodeWorker(module, memory, mine));
    else if (newBrowserWorker) started.push(startBrowserWorker(newBrowserWorker(), module, memory, mine));
    else throw new KnobsError('init: no browser worker script for the thread pool');
  }
  try {
    await withTimeout(Promise.all(started), START_TIMEOUT_MS, () => new KnobsError(`init: the thread pool's ${count} worker(s) did not start within ${START_TIMEOUT_MS / 1000} s`));
    // 'ready' is posted just before a worker enters the loop that counts it in.
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (joined() < count + 1) {
      if (Date.now() > deadline) throw new KnobsError(`init: ${count + 1 - joined()} of ${count} pool workers started but never joined the thread pool`);
      await new Promise((r) => setTimeout(r, 1));
    }
  } catch (e) {
    for (const w of mine) w.terminate();
    throw e;
  }
  workers.push(...mine);
}

/** Ends the pool's workers. Kernels still finish (the calling thread takes every part); for tests. */
export function stopWorkers(): void {
  for (const w of workers.splice(0)) w.terminate();
}

function failed(e: unknown): KnobsError {
  return new KnobsError(`init: a thread pool worker failed to start: ${(e as Error)?.message ?? e}`);
}

// Inline, so it runs the same from the TypeScript sources and the built package: the glue is a
// plain .js file, imported by URL.
const NODE_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.glue).then((k) => {
  k.initSync({ module: workerData.module, memory: workerData.memory });
  parentPort.postMessage('ready');
  k.thread_worker_loop();
}).catch((e) => setTimeout(() => { throw e; }));`;

async function startNodeWorker(module: WebAssembly.Module, memory: WebAssembly.Memory, mine: PoolWorker[]): Promise<void> {
  const { Worker } = await importHidden<typeof import('node:worker_threads')>('node:worker_threads');
  // Not a literal URL: bundlers would copy the glue into browser builds, which never use this path.
  const file = 'knobs_core_threads.js';
  const glue = new URL('../../wasm-pkg/' + file, import.meta.url).href;
  const w = new Worker(NODE_WORKER, { eval: true, workerData: { module, memory, glue } });
  mine.push(w);
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', (e) => reject(failed(e)));
    w.once('exit', (code) => reject(failed(new Error(`exited with code ${code}`))));
  });
  // A pool worker never finishes; it must not keep the process alive.
  w.unref();
}

async function startBrowserWorker(w: Worker, module: WebAssembly.Module, memory: WebAssembly.Memory, mine: PoolWorker[]): Promise<void> {
  mine.push(w);
  await new Promise<void>((resolve, reject) => {
    w.onmessage = () => resolve();
    w.onerror = (e) => reject(failed(e.message ?? e));
    w.postMessage({ module, memory });
  });
}
