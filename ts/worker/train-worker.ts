/**
 * Entry script of the training worker (browser module Worker or Node worker_threads). It only
 * exposes the API; trainInWorker() on the other side does the talking. It deliberately does not
 * import the package index: that module mentions this file in `new Worker(new URL(...))`, and a
 * bundler following that from inside the worker bundle would try to nest the worker in itself.
 */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { importHidden } from '../runtime.js';
import { createWorkerApi } from './worker-api.js';

const api = createWorkerApi();
const WGS = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;

if (WGS !== undefined && globalThis instanceof WGS) {
  // Synchronously, before any await: messages sent to a browser worker while its module was
  // loading are delivered once evaluation starts, and must find a listener.
  Comlink.expose(api);
} else {
  // Node. No top-level await: bundlers that emit workers as classic scripts (Vite's default
  // 'iife') reject it, even though this branch never runs in a browser. The module name is hidden
  // from bundlers so a browser build never sees node:worker_threads. A Node port buffers messages
  // until a listener is attached, so exposing a tick later loses nothing.
  void importHidden<typeof import('node:worker_threads')>('node:worker_threads').then(({ parentPort }) => {
    if (!parentPort) throw new Error('knobs train-worker: this script must be started as a worker (browser Worker or node:worker_threads), not run directly');
    Comlink.expose(api, nodeEndpoint(parentPort));
  });
}
