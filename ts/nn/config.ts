/**
 * Plain-JSON configs (a module's constructor arguments) and the checks fromConfig uses on them.
 * Every error names the module's path in the model ("root.blocks.1") and the key, so a typo in a
 * hand-written spec points at its line.
 */
import { KnobsError } from '../errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Rejects a config that is not an object or has keys outside `allowed`. */
export function checkConfigKeys(config: unknown, allowed: readonly string[], where: string): Record<string, unknown> {
  if (!isPlainObject(config)) throw new KnobsError(`${where}: config must be an object, got ${describe(config)}`);
  // An unknown key is almost always a typo ('infeatures'); ignoring it would build another model.
  const extra = Object.keys(config).filter((k) => !allowed.includes(k));
  if (extra.length) throw new KnobsError(`${where}: unknown config key(s) ${extra.map((k) => `'${k}'`).join(', ')}; allowed: ${allowed.join(', ') || 'none'}`);
  return config;
}

export function positiveInt(c: Record<string, unknown>, k: string, where: string): number {
  const v = c[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new KnobsError(`${where}: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalSeed(c: Record<string, unknown>, where: string): number | undefined {
  const v = c.seed;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new KnobsError(`${where}: seed must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalInt(c: Record<string, unknown>, k: string, where: string): number | undefined {
  const v = c[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new KnobsError(`${where}: ${k} must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalBool(c: Record<string, unknown>, k: string, where: string): boolean | undefined {
  const v = c[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new KnobsError(`${where}: ${k} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Whether a value survives JSON unchanged (no undefined, functions, NaN, class instances). */
export function isJson(v: unknown): v is JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isPlainObject(v) && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every(isJson);
  return false;
}
