/** `--gemm auto|pre|plain` of the profile scripts: init's `gemm` option, for A/B runs of gemm's packing (init validates it). */
import type { InitOptions } from '../ts/index.js';

export function gemmArg(): InitOptions['gemm'] {
  const i = process.argv.indexOf('--gemm');
  return i < 0 ? undefined : (process.argv[i + 1] as InitOptions['gemm']);
}
