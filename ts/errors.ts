/** Every error knobs throws on bad input is a KnobsError whose message starts with the op's name. */
export class KnobsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KnobsError';
  }
}

/** Shapes that do not fit the op: the message names the op and every shape involved. */
export class ShapeError extends KnobsError {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** A value for an error message: NaN and ±Infinity as themselves (JSON.stringify would say null). */
export function fmtValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return v.toString();
  if (v === undefined) return 'undefined';
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}
