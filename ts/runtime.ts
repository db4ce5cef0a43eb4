/**
 * Where this code runs, and modules loaded by a name bundlers do not follow. Node-only code
 * (node:fs, node:worker_threads, cli-progress…) is imported through `importHidden`, so a browser
 * build never tries to resolve it, and only runs where `isNode` is true.
 */

/** Node (main thread or worker_threads), not a browser page or browser worker. */
export const isNode =
  typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as { window?: unknown }).window === 'undefined' &&
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'undefined';

/** `import(name)` that bundlers (Vite, webpack) leave alone: the name is not a literal at the call. */
export function importHidden<T>(name: string): Promise<T> {
  return import(/* @vite-ignore */ name) as Promise<T>;
}
