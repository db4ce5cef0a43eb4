/**
 * A browser Worker of the wasm thread pool (see threads.ts): it instantiates the threads build on
 * the main instance's shared memory, says so, and then lives inside `thread_worker_loop`, taking
 * parts of matmuls as they come. (Node workers run the same three steps from an inline script.)
 */
import * as kernels from '../../wasm-pkg/knobs_core_threads.js';

self.onmessage = (e: MessageEvent<{ module: WebAssembly.Module; memory: WebAssembly.Memory }>) => {
  kernels.initSync({ module: e.data.module, memory: e.data.memory });
  self.postMessage('ready');
  kernels.thread_worker_loop();
};
