/**
 * Which of the two wasm builds to load. Both export the same kernels from the same source; the
 * relaxed one is compiled with relaxed SIMD, so its matmul kernel uses fused multiply-adds
 * (`f32x4.relaxed_madd`): faster, and rounded once instead of twice, so results can differ from
 * the SIMD128 build in the last bits (and, as the spec allows, between CPUs with and without
 * FMA). That is why SIMD128 stays the default and relaxed is asked for: init({ simd: 'auto' }).
 *
 * Relaxed SIMD is on by default in Chrome/Edge ≥ 114 and Node ≥ 22. Node 20 has it behind
 * `--experimental-wasm-relaxed-simd`; 'auto' and 'relaxed' set that flag (it only enables the
 * wasm feature) before probing, which V8 accepts at run time as long as it precedes the compile.
 */
import { KnobsError } from '../errors.js';
import { importHidden, isNode } from '../runtime.js';
import { defaultWasmUrl } from './load-wasm.js';

export type SimdChoice = 'auto' | 'relaxed' | 'simd128';
export type SimdBuild = 'relaxed' | 'simd128';

// (module (func (param v128 v128 v128) (result v128)
//   local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code
]);

let supported: Promise<boolean> | null = null;

/** Whether this engine runs relaxed-SIMD wasm (in Node 20, after enabling the flag). */
export function relaxedSimdSupported(): Promise<boolean> {
  supported ??= (async () => {
    if (WebAssembly.validate(RELAXED_PROBE)) return true;
    if (!isNode) return false;
    try {
      const v8 = await importHidden<typeof import('node:v8')>('node:v8');
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return false;
    }
    return WebAssembly.validate(RELAXED_PROBE);
  })();
  return supported;
}

/** The build for a choice: 'auto' is relaxed where supported, else SIMD128. */
export async function chooseBuild(choice: SimdChoice): Promise<SimdBuild> {
  if (choice === 'simd128') return 'simd128';
  if (choice !== 'auto' && choice !== 'relaxed') {
    throw new KnobsError(`init: simd must be 'auto', 'relaxed' or 'simd128', got ${JSON.stringify(choice)}`);
  }
  if (await relaxedSimdSupported()) return 'relaxed';
  if (choice === 'relaxed') {
    throw new KnobsError(`init: simd 'relaxed' asked for, but this engine does not support WebAssembly relaxed SIMD; use 'auto' or 'simd128'`);
  }
  return 'simd128';
}

/** The relaxed build's URL, set by `import 'knobs/relaxed'` (ts/relaxed.ts). */
let relaxedUrl: URL | null = null;

export function registerRelaxedWasm(url: URL): void {
  relaxedUrl = url;
}

/**
 * The packaged file of a build. Only the SIMD128 file is named by a literal `new URL` here, so a
 * bundled app ships that one wasm; the relaxed one is shipped by importing 'knobs/relaxed'. Node
 * reads it from the package either way.
 */
export function wasmUrl(build: SimdBuild): URL {
  if (build === 'simd128') return defaultWasmUrl();
  if (relaxedUrl) return relaxedUrl;
  if (isNode) {
    const file = 'knobs_core_relaxed_bg.wasm';
    return new URL('../../wasm-pkg/' + file, import.meta.url);
  }
  throw new KnobsError(
    "init: the relaxed-SIMD build was chosen, but a browser app ships it only when it imports 'knobs/relaxed': add `import 'knobs/relaxed'` before init(), or use simd: 'simd128'",
  );
}
