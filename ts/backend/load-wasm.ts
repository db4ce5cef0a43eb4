/**
 * Finds the bytes of the wasm module in any runtime: Node reads the file shipped in the package;
 * browsers, workers and bundlers fetch it by URL. The URL is written as `new URL(literal,
 * import.meta.url)` so bundlers (Vite, webpack) see and emit the asset.
 */
import { importHidden, isNode } from '../runtime.js';

export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

export function defaultWasmUrl(): URL {
  return new URL('../../wasm-pkg/knobs_core_bg.wasm', import.meta.url);
}

export async function loadWasmBytes(source: WasmSource | undefined): Promise<BufferSource | WebAssembly.Module> {
  if (source instanceof WebAssembly.Module || ArrayBuffer.isView(source) || source instanceof ArrayBuffer) return source;
  const url = source === undefined ? defaultWasmUrl() : new URL(String(source), import.meta.url);
  if (isNode && url.protocol === 'file:') {
    const fs = await importHidden<typeof import('node:fs/promises')>('node:fs/promises');
    return fs.readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`init: could not fetch the wasm module from ${url} (HTTP ${res.status})`);
  return res.arrayBuffer();
}
