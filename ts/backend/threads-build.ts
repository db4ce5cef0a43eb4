/**
 * The threads build (SIMD128 on shared memory) and its browser pool worker, in a module of its own:
 * the literal URLs below make a bundler ship that wasm and worker, so only apps that import
 * 'knobs/threads' (which registers this module) get them. Node loads it on demand (wasm.ts).
 */
import * as kernels from '../../wasm-pkg/knobs_core_threads.js';
import { packageUrl, prebundledUrl } from './load-wasm.js';

export interface ThreadsBuild {
  kernels: typeof kernels;
  wasmUrl(): URL;
  newBrowserWorker(): Worker;
}

export const threadsBuild: ThreadsBuild = {
  kernels,
  wasmUrl: () => packageUrl(new URL('../../wasm-pkg/knobs_core_threads_bg.wasm', import.meta.url), 'wasm-pkg/knobs_core_threads_bg.wasm'),
  newBrowserWorker: () => {
    const prebundled = prebundledUrl('dist/backend/thread-worker.js');
    if (prebundled) return new Worker(prebundled, { type: 'module' });
    return new Worker(new URL('./thread-worker.js', import.meta.url), { type: 'module' });
  },
};
