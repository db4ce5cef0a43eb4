/**
 * Finds the bytes of the wasm module in any runtime: Node reads the file shipped in the package;
 * browsers, workers and bundlers fetch it by URL. The URL is written as `new URL(literal,
 * import.meta.url)` so bundlers (Vite, webpack) see and emit the asset.
 */
import { KnobsError } from '../errors.js';
import { importHidden, isNode } from '../runtime.js';

export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

export function defaultWasmUrl(): URL {
  return packageUrl(new URL('../../wasm-pkg/knobs_core_bg.wasm', import.meta.url), 'wasm-pkg/knobs_core_bg.wasm');
}

/**
 * Vite's dev server pre-bundles dependencies into `node_modules/.vite/deps/`, so there
 * `import.meta.url` no longer points into the package and every `new URL(file, import.meta.url)`
 * misses (the server answers with index.html). The package's own files are still served at
 * `node_modules/knobs/`: use that instead, so `init()` works under `vite` with no config. Bundled
 * builds and Node never run from that directory and keep the literal URL.
 */
export function packageUrl(url: URL, pathInPackage: string): URL {
  return prebundledUrl(pathInPackage) ?? url;
}

/** Where a file of the package is served when this code runs pre-bundled by Vite's dev server, else null. */
export function prebundledUrl(pathInPackage: string): URL | null {
  const m = /^(.*\/node_modules\/)\.vite\/deps(?:_temp_[^/]*)?\//.exec(import.meta.url);
  return m ? new URL(`${m[1]}knobs/${pathInPackage}`) : null;
}

export async function loadWasmBytes(source: WasmSource | undefined): Promise<BufferSource | WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (ArrayBuffer.isView(source)) return checkWasm(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), 'the bytes given to init({ wasm })');
  if (source instanceof ArrayBuffer) return checkWasm(new Uint8Array(source), 'the bytes given to init({ wasm })');
  const url = source === undefined ? defaultWasmUrl() : new URL(String(source), import.meta.url);
  if (isNode && url.protocol === 'file:') {
    const fs = await importHidden<typeof import('node:fs/promises')>('node:fs/promises');
    return checkWasm(await fs.readFile(url), url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new KnobsError(`init: could not fetch the wasm module from ${url} (HTTP ${res.status})`);
  return checkWasm(new Uint8Array(await res.arrayBuffer()), url, res.headers.get('content-type'));
}

/**
 * A server that does not know the file often answers with a page instead (Vite's dev server sends
 * index.html for an unknown path when the package was pre-bundled): say what came back and how
 * to fix it, rather than letting WebAssembly report a bad magic word.
 */
export function checkWasm(bytes: Uint8Array, url: URL | string, contentType: string | null = null): Uint8Array {
  const magic = bytes.length >= 4 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (magic) return bytes;
  const head = new TextDecoder().decode(bytes.subarray(0, 60)).replace(/\s+/g, ' ').trim();
  const looksHtml = /^<(!doctype|html|head|body|script)/i.test(head);
  throw new KnobsError(
    `init: ${url} is not a wasm module: ${bytes.length} bytes${contentType ? ` of ${contentType}` : ''} beginning ${JSON.stringify(head.slice(0, 40))}. ` +
      (looksHtml
        ? "The server answered with a web page instead of the file. With Vite's dev server and the package outside node_modules/knobs (a linked or aliased install), add optimizeDeps: { exclude: ['knobs'] } to vite.config; otherwise pass init({ wasm: url }) a URL that serves knobs_core_bg.wasm"
        : 'Pass init({ wasm }) the bytes, a compiled module or a URL of knobs_core_bg.wasm'),
  );
}
