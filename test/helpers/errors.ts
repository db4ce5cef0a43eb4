/** Assertions on the errors the library throws. */
import { expect } from 'vitest';
import { KnobsError } from '../../ts/errors.js';
import { matmul, memoryStats, tensor, tidy } from '../../ts/index.js';

/** f() throws a KnobsError whose message is `message` (a string: exactly; a RegExp: matching). */
export function expectKnobsError(f: () => unknown, message: RegExp | string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected a throw matching ${message}`).toBeInstanceOf(KnobsError);
  if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
  else expect((thrown as Error).message).toMatch(message);
}

/** run()'s result, or undefined when it throws a KnobsError whose message matches `message` (any other throw fails). */
export function resultOrKnobsError<T>(run: () => T, message: RegExp): T | undefined {
  try {
    return run();
  } catch (e) {
    expect(e).toBeInstanceOf(KnobsError);
    expect((e as Error).message).toMatch(message);
    return undefined;
  }
}

/** The library still computes right after an error: a fresh matmul gives the right answer. */
export function expectUsable(): void {
  expect(tidy(() => matmul(tensor([[1, 2]]), tensor([[3], [4]])).item())).toBe(11);
}

/**
 * f throws a KnobsError with `message` and allocates nothing that outlives the throw (validation
 * runs before any allocation, and a buffer made before a failed check is freed), and the library
 * stays usable. f must only use tensors made before the call, so that the block count can tell.
 */
export function expectRejectsWithoutAllocating(f: () => unknown, message: RegExp | string): void {
  const before = memoryStats().liveBlocks;
  expectKnobsError(f, message);
  expect(memoryStats().liveBlocks).toBe(before);
  expectUsable();
}
