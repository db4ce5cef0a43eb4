/**
 * init({ simd }) picks one of the two packaged wasm builds, and both compute the same products:
 * the forward matmul and, through backward(), its transposed forms (dY·Wᵀ, Xᵀ·dY), agree to
 * float rounding (the relaxed build fuses multiply-adds, so it may differ in the last bits).
 */
import { describe, expect, it, vi } from 'vitest';

type Lib = typeof import('../ts/index.js');

/** A fresh copy of the library: init() loads the wasm once per module instance. */
async function freshLib(): Promise<Lib> {
  vi.resetModules();
  return (await import('../ts/index.js')) as Lib;
}

function rand(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

// [m, k, n]: square, odd, skinny training shapes (784-40-10 at batch 100), and n ≥ 64 / k > 256.
const shapes: [number, number, number][] = [[1, 1, 1], [7, 5, 3], [64, 64, 64], [100, 784, 40], [100, 40, 10], [33, 300, 130]];

/** Y = X·W, and the gradients of Σ(Y ⊙ G) for a fixed G: dX = G·Wᵀ, dW = Xᵀ·G. */
async function products(simd: 'relaxed' | 'simd128') {
  const lib = await freshLib();
  await lib.init({ simd });
  expect(lib.simdBuild()).toBe(simd);
  return shapes.map(([m, k, n], i) => {
    const x = lib.tensor(rand(3 * i + 1, m * k), [m, k], { requiresGrad: true });
    const w = lib.tensor(rand(3 * i + 2, k * n), [k, n], { requiresGrad: true });
    const g = lib.tensor(rand(3 * i + 3, m * n), [m, n]);
    const y = x.matmul(w);
    y.mul(g).sum().backward();
    const out = { y: y.toFloat32Array(), dx: x.grad!.toFloat32Array(), dw: w.grad!.toFloat32Array() };
    for (const t of [x, w, g, y]) t.dispose();
    return out;
  });
}

describe('wasm builds', () => {
  it('relaxed and SIMD128 builds give the same matmul results within float tolerance', async () => {
    const simd = await products('simd128');
    const relaxed = await products('relaxed');
    let differing = 0;
    shapes.forEach(([m, k, n], i) => {
      for (const key of ['y', 'dx', 'dw'] as const) {
        const [a, b] = [simd[i][key], relaxed[i][key]];
        // Each element is a sum of k (or m, or n) products of numbers in [-1, 1).
        const depth = key === 'y' ? k : key === 'dx' ? n : m;
        const tol = 1e-6 * depth + 1e-6;
        expect(a.length).toBe(b.length);
        for (let j = 0; j < a.length; j++) {
          if (a[j] !== b[j]) differing++;
          if (!(Math.abs(a[j] - b[j]) <= tol * Math.max(1, Math.abs(a[j]))))
            expect.fail(`${key} of ${m}x${k}x${n} [${j}]: simd128 ${a[j]}, relaxed ${b[j]}`);
        }
      }
    });
    // V8 runs relaxed_madd as a fused multiply-add on every CPU with FMA (x86-64 since 2013,
    // all arm64), so bit-identical results would mean the relaxed build never ran.
    expect(differing).toBeGreaterThan(0);
  });

  it("the default is the SIMD128 build; 'auto' loads the relaxed one, which Node ≥ 20 runs", async () => {
    let lib = await freshLib();
    await lib.init();
    expect(lib.simdBuild()).toBe('simd128');
    lib = await freshLib();
    await lib.init({ simd: 'auto' });
    expect(lib.simdBuild()).toBe('relaxed');
  });

  it('a bad simd option is a clear error, and init() works afterwards', async () => {
    const lib = await freshLib();
    await expect(lib.init({ simd: 'avx' as never })).rejects.toThrow(/init: simd must be 'auto', 'relaxed' or 'simd128', got "avx"/);
    expect(lib.isInitialized()).toBe(false);
    await lib.init({ simd: 'simd128' });
    expect(lib.simdBuild()).toBe('simd128');
    expect(lib.tensor([[1, 2]]).matmul(lib.tensor([[3], [4]])).item()).toBe(11);
  });

  it('a module given to init() is used as is', async () => {
    const { readFileSync } = await import('node:fs');
    const lib = await freshLib();
    await lib.init({ wasm: readFileSync(new URL('../wasm-pkg/knobs_core_bg.wasm', import.meta.url)), simd: 'relaxed' });
    expect(lib.simdBuild()).toBe('custom');
  });
});
