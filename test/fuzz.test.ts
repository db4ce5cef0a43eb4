/**
 * Every file format knobs reads, fuzzed with a fixed seed (test/helpers/fuzz.ts): each mutated file
 * must load into a usable object or fail with a KnobsError, never a trap, a raw TypeError/RangeError,
 * a slow case or a change in wasm live memory. `npm run fuzz -- --cases 100000 --seed N` is the long run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, memoryStats } from '../ts/index.js';
import { runFuzz } from './helpers/fuzz.js';

beforeAll(async () => {
  await init();
});

describe('fuzz: hostile files end in a KnobsError or a valid object', () => {
  it('3000 cases over safetensors, model JSON, estimator JSON, IDX and CSV (seed 20261129)', async () => {
    const wasmBefore = memoryStats().wasmBytes;
    const res = await runFuzz({ cases: 3000, seed: 20261129 });
    expect(res.failures.map((f) => `${f.format} case ${f.index}: ${f.problem}\n  ${f.input}`)).toEqual([]);
    // Every format was exercised, and both outcomes occur (a fuzzer that only ever errors tests little).
    for (const [name, s] of Object.entries(res.perFormat)) {
      expect(s.cases, name).toBe(600);
      expect(s.knobsErrors, name).toBeGreaterThan(0);
      expect(s.ok, name).toBeGreaterThan(0);
    }
    expect(res.slowestMs).toBeLessThan(2000);
    // Wasm memory stays bounded: no case may allocate from a size it was only told about.
    expect(memoryStats().wasmBytes - wasmBefore).toBeLessThan(64 * 2 ** 20);
  });

  it('is deterministic: the same seed gives the same outcomes', async () => {
    const a = await runFuzz({ cases: 200, seed: 5 });
    const b = await runFuzz({ cases: 200, seed: 5 });
    expect(a.perFormat).toEqual(b.perFormat);
    expect(a.failures.map((f) => f.index)).toEqual(b.failures.map((f) => f.index));
  });
});
