/**
 * Entry script of the Pong training worker (browser module Worker or Node worker_threads); see
 * worker/train-worker.ts for why it is written this way.
 */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { importHidden } from '../runtime.js';
import { createPongWorkerApi } from './pong-worker-api.js';

const api = createPongWorkerApi();
const WGS = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;

if (WGS !== undefined && globalThis instanceof WGS) {
  Comlink.expose(api);
} else {
  void importHidden<typeof import('node:worker_threads')>('node:worker_threads').then(({ parentPort }) => {
    if (!parentPort) throw new Error('knobs pong-worker: this script must be started as a worker (browser Worker or node:worker_threads), not run directly');
    Comlink.expose(api, nodeEndpoint(parentPort));
  });
}
