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

/**
 * A user's or a file's value for an error message: numbers as written (NaN stays NaN, where
 * JSON.stringify says null), strings quoted and cut, anything else by its kind — never by calling
 * its toString, which a parsed file can replace with a non-function.
 */
export function fmtValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return v === null ? 'null' : typeof v;
}
