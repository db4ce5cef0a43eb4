/** Before init() every op fails with a message that says what to do; after it, ops work. */
import { expect, it } from 'vitest';
import { init, isInitialized, tensor, zeros } from '../ts/index.js';

it('ops before init() throw a clear error; init() is idempotent', async () => {
  expect(isInitialized()).toBe(false);
  expect(() => tensor([1, 2])).toThrow('knobs: the wasm core is not loaded; call `await init()` first');
  expect(() => zeros([2])).toThrow(/await init\(\)/);
  await Promise.all([init(), init()]);
  expect(isInitialized()).toBe(true);
  expect(tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
});
