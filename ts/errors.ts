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
