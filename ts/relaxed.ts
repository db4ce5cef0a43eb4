/**
 * `import 'knobs/relaxed'` before `init({ simd: 'auto' | 'relaxed' })` in a browser app: it ships the
 * relaxed-SIMD wasm build only to apps that ask for it. Node needs no import.
 */
import { packageUrl } from './backend/load-wasm.js';
import { registerRelaxedWasm } from './backend/simd.js';

registerRelaxedWasm(packageUrl(new URL('../wasm-pkg/knobs_core_relaxed_bg.wasm', import.meta.url), 'wasm-pkg/knobs_core_relaxed_bg.wasm'));
