/**
 * init({ gemm }) sets how matmul packs its left operand on this machine: 'pre' (pre-broadcast),
 * 'plain', or 'auto' (timed at init). Both packings sum every element in the same order, so a
 * layer's outputs and gradients must be the same bits under either; the choice must be visible
 * (gemmPacking()), the option validated, and a later init() with another choice refused.
 * (Rust `gemm_packing_sets_the_rules_paths` checks that the setting switches gemm's paths.)
 */
import { describe, expect, it, vi } from 'vitest';
import { bits } from './helpers/bits.js';

type Lib = typeof import('../ts/index.js');

/** A fresh copy of the library: init() loads the wasm once per module instance. */
async function freshLib(): Promise<Lib> {
  vi.resetModules();
  return (await import('../ts/index.js')) as Lib;
}

/**
 * Outputs and gradients of products on both of gemm's pre-broadcast rules (n ≥ 64; n < 64 with
 * m ≥ 64), a conv layer (im2col products, n = batch × plane) and an LSTM (gate products).
 */
async function run(gemm: 'pre' | 'plain'): Promise<Float32Array[]> {
  const lib = await freshLib();
  await lib.init({ gemm });
  expect(lib.gemmPacking()).toBe(gemm);
  const out: Float32Array[] = [];
  const grads = (...ts: import('../ts/index.js').Tensor[]) => ts.forEach((t) => out.push(t.grad!.toFloat32Array()));
  lib.tidy(() => {
    for (const [m, k, n] of [[96, 80, 130], [100, 784, 40], [130, 64, 20]]) {
      const x = lib.randn([m, k], { seed: m, requiresGrad: true });
      const w = lib.randn([k, n], { seed: n, requiresGrad: true });
      const y = lib.matmul(x, w);
      lib.sum(lib.mul(y, lib.randn([m, n], { seed: k }))).backward();
      out.push(y.toFloat32Array());
      grads(x, w);
    }
    const conv = new lib.nn.Conv2d(16, 32, 3, { padding: 1, seed: 4 });
    const img = lib.randn([8, 16, 12, 12], { seed: 5, requiresGrad: true });
    const z = conv.forward(img);
    lib.sum(lib.mul(z, z)).backward();
    out.push(z.toFloat32Array());
    grads(img, ...conv.parameters());
    const lstm = new lib.nn.LSTM(48, 80, { batchFirst: true, seed: 6 });
    const seq = lib.randn([70, 5, 48], { seed: 7, requiresGrad: true });
    const [h] = lstm.forward(seq);
    lib.sum(lib.mul(h, h)).backward();
    out.push(h.toFloat32Array());
    grads(seq, ...lstm.parameters());
  });
  return out;
}

describe('init({ gemm })', () => {
  it("'pre' and 'plain' give the same bits on matmul, conv2d and LSTM outputs and gradients", async () => {
    const pre = await run('pre');
    const plain = await run('plain');
    expect(pre.length).toBe(plain.length);
    pre.forEach((p, i) => expect(bits(plain[i]), `array ${i}`).toEqual(bits(p)));
  });

  it("'auto' (the default) measures and reports a choice; a later init() must agree with it", async () => {
    const lib = await freshLib();
    expect(lib.gemmPacking()).toBeNull();
    await lib.init();
    const chosen = lib.gemmPacking();
    expect(['pre', 'plain']).toContain(chosen);
    await lib.init({ gemm: 'auto' });
    await lib.init({ gemm: chosen! });
    const other = chosen === 'pre' ? 'plain' : 'pre';
    await expect(lib.init({ gemm: other })).rejects.toThrow(`init: knobs is already initialised with gemm: the default; this call asks for gemm: "${other}"`);
    expect(lib.tensor([[1, 2]]).matmul(lib.tensor([[3], [4]])).item()).toBe(11);
  });

  it('a bad gemm option is a clear error before anything loads, and init() works afterwards', async () => {
    const lib = await freshLib();
    await expect(lib.init({ gemm: 'fast' as never })).rejects.toThrow(`init: gemm must be 'auto', 'pre' or 'plain', got "fast"`);
    await expect(lib.init({ gemm: 1 as never })).rejects.toThrow(`init: gemm must be 'auto', 'pre' or 'plain', got 1`);
    expect(lib.isInitialized()).toBe(false);
    await lib.init({ gemm: 'pre' });
    expect(lib.gemmPacking()).toBe('pre');
  });

  it("the relaxed build packs plain whatever is asked, and says so", async () => {
    const lib = await freshLib();
    await lib.init({ simd: 'relaxed', gemm: 'pre' });
    expect(lib.gemmPacking()).toBe('plain');
  });
});
