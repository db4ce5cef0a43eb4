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
