/**
 * Options objects from users: an unknown key is almost always a typo (`covarianceType` for
 * `covariance`), which would otherwise silently fall back to the default. Own keys only, so a
 * `__proto__` key from JSON.parse is refused like any other.
 */
import { KnobsError } from './errors.js';

/** The options object of `op` (undefined/null → {}), refusing non-objects and any key outside `allowed`. */
export function checkOptions<T extends object>(op: string, opts: T | undefined | null, allowed: readonly string[]): T {
  if (opts === undefined || opts === null) return {} as T;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new KnobsError(`${op}: options must be an object, got ${Array.isArray(opts) ? 'an array' : typeof opts}`);
  }
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) throw new KnobsError(`${op}: unknown option '${key}' (allowed: ${allowed.length ? allowed.join(', ') : 'none'})`);
  }
  return opts;
}

export { fmtValue } from './errors.js';

/**
 * Every key of the options type `T`, as a runtime list for checkOptions. The compiler rejects a
 * list that misses a key of `T` (or names one it does not have), so the runtime check cannot fall
 * behind the type when an option is added.
 */
export function optionKeys<T>() {
  return <const K extends readonly (keyof T & string)[]>(...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missingKeys: Exclude<keyof T, K[number]> })): readonly string[] =>
    keys as readonly string[];
}
