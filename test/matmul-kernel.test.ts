/**
 * The matmul kernels as shipped: both wasm builds (SIMD128 and relaxed SIMD) through the raw
 * exports, against a float64 reference. The shapes reach every path of the blocked kernel:
 * 1×1, odd sizes, partial tiles, the narrow last strip (n % 8 ≤ 4), the pre-broadcast A path
 * (n ≥ 64), and more than one depth (k > 256), row (m > 64) and column (n > 512) block.
 * The host `cargo test` covers the same logic with the portable SIMD fallback; this covers the
 * wasm intrinsics.
 */
import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

// Node 20 validates relaxed-SIMD modules only with this flag, set before compiling.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

type Glue = typeof import('../wasm-pkg/knobs_core.js');
type Op = 'matmul' | 'matmul_nt' | 'matmul_tn';

const seen = new Set<WebAssembly.Memory>();

async function loadBuild(file: string): Promise<{ k: Glue; memory: WebAssembly.Memory }> {
  // The glue keeps its instance in module state: a fresh module per build.
  vi.resetModules();
  const k = (await import('../wasm-pkg/knobs_core.js')) as Glue;
  const { memory } = k.initSync({ module: readFileSync(new URL(`../wasm-pkg/${file}`, import.meta.url)) });
  // Guards the test itself: a reused glue module would silently test the first build twice.
  expect(seen.has(memory)).toBe(false);
  seen.add(memory);
  return { k, memory };
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  };
}

/** C = A·B in float64 with A, B read in the op's layout; also Σ|a·b| per element for the tolerance. */
function reference(op: Op, a: Float32Array, b: Float32Array, m: number, k: number, n: number) {
  const c = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const av = op === 'matmul_tn' ? a[p * m + i] : a[i * k + p];
        const bv = op === 'matmul_nt' ? b[j * k + p] : b[p * n + j];
        s += av * bv;
        t += Math.abs(av * bv);
      }
      c[i * n + j] = s;
      mag[i * n + j] = t;
    }
  return { c, mag };
}

// [m, k, n]
const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [3, 5, 2], [4, 4, 4], [4, 8, 8], [5, 9, 17], [13, 1, 8], [17, 33, 9],
  [7, 3, 5], [2, 300, 3], [67, 19, 70], [33, 64, 64], [9, 3, 530], [130, 257, 12], [66, 513, 67],
  [0, 3, 2], [2, 0, 3], [3, 2, 0],
];

const builds: [string, string][] = [
  ['simd128', 'knobs_core_bg.wasm'],
  ['relaxed SIMD', 'knobs_core_relaxed_bg.wasm'],
];

describe.each(builds)('matmul kernels, %s build', (_name, file) => {
  it('match a float64 reference in all layouts, with and without accumulate', async () => {
    const { k, memory } = await loadBuild(file);
    const next = rng(12345);
    for (const [m, kk, n] of shapes) {
      for (const op of ['matmul', 'matmul_nt', 'matmul_tn'] as Op[]) {
        for (const accumulate of [false, true]) {
          const len = [m * kk, kk * n, m * n];
          const [pa, pb, pc] = len.map((l) => k.alloc_f32(l));
          // Views after all allocations: growing memory detaches earlier views.
          const [va, vb, vc] = len.map((l, i) => new Float32Array(memory.buffer, [pa, pb, pc][i], l));
          va.forEach((_, i) => (va[i] = next()));
          vb.forEach((_, i) => (vb[i] = next()));
          // Without accumulate C must be overwritten, so start from NaN to catch any read of it.
          vc.forEach((_, i) => (vc[i] = accumulate ? next() : NaN));
          const [a, b, before] = [va.slice(), vb.slice(), Float64Array.from(vc)];
          k[op](pa, pb, pc, m, kk, n, accumulate);
          // The call may grow memory (packing scratch): a fresh view.
          const out = new Float32Array(memory.buffer, pc, m * n);
          const { c, mag } = reference(op, a, b, m, kk, n);
          for (let i = 0; i < m * n; i++) {
            const want = c[i] + (accumulate ? before[i] : 0);
            const tol = 1e-5 * Math.max(1, mag[i] + (accumulate ? Math.abs(before[i]) : 0));
            if (!(Math.abs(out[i] - want) <= tol))
              expect.fail(`${op} ${m}x${kk}x${n} acc=${accumulate} [${i}]: got ${out[i]}, want ${want}`);
          }
          len.forEach((l, i) => k.free_f32([pa, pb, pc][i], l));
        }
      }
    }
  });
});
