/** Assertions on the errors the library throws. */
import { expect } from 'vitest';
import { KnobsError } from '../../ts/errors.js';

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
