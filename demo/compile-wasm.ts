/**
 * The library's wasm, compiled on the page (asynchronously, off the main thread) and handed to a
 * worker, which then skips the fetch. Vite resolves the URL below at build time.
 */
export async function compileWasm(): Promise<WebAssembly.Module> {
  const url = new URL('../wasm-pkg/knobs_core_bg.wasm', import.meta.url);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server that does not send application/wasm: compile from the bytes instead.
    return WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  }
}
