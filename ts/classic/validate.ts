/**
 * Checks shared by every classic estimator at its trust boundaries: option objects from users
 * (unknown keys are almost always typos, which would otherwise silently fall back to defaults) and
 * saved state from files (sizes must agree with the arrays actually present, or a predict would
 * read past them — in wasm memory that means reading other tensors).
 */
import { KnobsError, ShapeError } from '../errors.js';
import type { Matrix } from './estimator.js';

export { checkOptions } from '../options.js';
import { fmtValue as fmt } from '../options.js';

/** Largest float count of one block handed to wasm: its byte size must fit a u32 offset. */
export const MAX_BLOCK_FLOATS = 2 ** 30 - 1;

/** A Matrix (possibly built by a caller or read from a file) whose sizes match its data. */
export function checkMatrix(op: string, name: string, m: Matrix): void {
  if (!m || typeof m !== 'object') throw new KnobsError(`${op}: ${name} must be { data, rows, cols }, got ${m === null ? 'null' : typeof m}`);
  const { rows, cols, data } = m;
  if (!isCount(rows) || !isCount(cols)) throw new ShapeError(`${op}: ${name}.rows and ${name}.cols must be non-negative integers, got rows = ${fmt(rows)}, cols = ${fmt(cols)}`);
  if (!(data instanceof Float64Array)) throw new KnobsError(`${op}: ${name}.data must be a Float64Array`);
  if (data.length !== rows * cols) throw new ShapeError(`${op}: ${name} holds ${data.length} values, rows × cols = ${rows} × ${cols} needs ${rows * cols}`);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/**
 * Typed reads of a saved state: every field must exist with the right type and length, so a
 * loaded model is either whole or refused with a message naming the estimator and the field.
 */
export class StateReader {
  constructor(readonly op: string, readonly s: Record<string, unknown>) {}

  private fail(name: string, what: string): never {
    throw new KnobsError(`${this.op}: saved state field '${name}' ${what}`);
  }

  private get(name: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.s, name) ? this.s[name] : undefined;
  }

  /** A non-negative integer (sizes, counts, iteration numbers). */
  count(name: string): number {
    const v = this.get(name);
    if (!isCount(v)) this.fail(name, `must be a non-negative integer, got ${fmt(v)}`);
    return v;
  }

  /** A finite number; `nullable` accepts null (how JSON writes NaN) and returns NaN. */
  num(name: string, nullable = false): number {
    const v = this.get(name);
    if (nullable && (v === null || (typeof v === 'number' && Number.isNaN(v)))) return NaN;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(name, `must be a finite number, got ${fmt(v)}`);
    return v;
  }

  /** Finite float64 values, exactly `len` of them when given. */
  nums(name: string, len?: number): Float64Array {
    return this.array(name, len, (x) => typeof x === 'number' && Number.isFinite(x), 'finite numbers', Float64Array);
  }

  /**
   * Log-probabilities: finite or −∞ (a zero count with no smoothing); JSON writes −∞ as null,
   * so null reads back as −∞.
   */
  logProbs(name: string, len?: number): Float64Array {
    const v = this.get(name);
    const a = Array.isArray(v) ? v.map((x) => (x === null ? -Infinity : x)) : v;
    return new StateReader(this.op, { [name]: a }).array(name, len, (x) => typeof x === 'number' && (Number.isFinite(x) || x === -Infinity), 'finite numbers or -Infinity', Float64Array);
  }

  /** Integers in [min, max], exactly `len` of them when given. */
  ints(name: string, len: number | undefined, min: number, max: number): Int32Array {
    return this.array(name, len, (x) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max, `integers in [${min}, ${max}]`, Int32Array);
  }

  /** Distinct sorted-or-not integer class labels (at least one). */
  classes(name: string): number[] {
    const c = Array.from(this.nums(name));
    if (c.length === 0 || c.some((x) => !Number.isInteger(x)) || new Set(c).size !== c.length) this.fail(name, 'must be a non-empty list of distinct integer labels');
    return c;
  }

  strings(name: string): string[] {
    const v = this.get(name);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(name, `must be an array of strings, got ${fmt(v)}`);
    return v as string[];
  }

  private array<T extends Float64Array | Int32Array>(
    name: string, len: number | undefined, ok: (x: unknown) => boolean, what: string, ctor: { from(a: ArrayLike<number>): T },
  ): T {
    const v = this.get(name);
    const isArr = Array.isArray(v) || v instanceof Float64Array || v instanceof Int32Array;
    if (!isArr) this.fail(name, `must be an array of ${what}, got ${fmt(v)}`);
    const a = v as ArrayLike<unknown>;
    if (len !== undefined && a.length !== len) this.fail(name, `holds ${a.length} values, expected ${len}`);
    for (let i = 0; i < a.length; i++) if (!ok(a[i])) this.fail(name, `must hold ${what}; index ${i} is ${fmt(a[i])}`);
    return ctor.from(a as ArrayLike<number>);
  }
}
