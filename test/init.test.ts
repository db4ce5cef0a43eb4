/** Before init() every op fails with a message that says what to do; after it, ops work. */
import { expect, it } from 'vitest';
import { KnobsError, init, isInitialized, tensor, zeros } from '../ts/index.js';
import { checkWasm } from '../ts/backend/load-wasm.js';

it('a wasm source that is not wasm (a dev server answering with its page) is a KnobsError that says what came back and how to fix it; init can then succeed', async () => {
  expect(isInitialized()).toBe(false);
  const page = new TextEncoder().encode('<!doctype html>\n<html><head><script type="module" src="/@vite/client"></script>');
  await expect(init({ wasm: page })).rejects.toThrow(/^init: the bytes given to init\(\{ wasm \}\) is not a wasm module: \d+ bytes beginning "<!doctype html> <html><head><script type".*optimizeDeps: \{ exclude: \['knobs'\] \}/);
  expect(() => checkWasm(new Uint8Array([1, 2, 3]), 'x.wasm')).toThrow(KnobsError);
  expect(isInitialized()).toBe(false);
});

it('ops before init() throw a clear error; init() is idempotent', async () => {
  expect(isInitialized()).toBe(false);
  expect(() => tensor([1, 2])).toThrow('knobs: the wasm core is not loaded; call `await init()` first');
  expect(() => zeros([2])).toThrow(/await init\(\)/);
  await Promise.all([init(), init()]);
  expect(isInitialized()).toBe(true);
  expect(tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
});
