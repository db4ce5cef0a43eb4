/** Argument checks every op starts with: a live Tensor, an axis in range, finite values where a loss needs them. */
import { K } from '../backend/wasm.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';

export function checkTensor(op: string, t: unknown, name = 'input'): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new KnobsError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new KnobsError(`${op}: ${name} ${fmtShape(t.shape)} (from ${t.op}) was used after dispose()`);
}

export function assertFinite(op: string, t: Tensor, name: string): void {
  if (t.size > 0 && K().count_nonfinite(t.ptr, t.size) > 0) {
    const d = t.data;
    let idx = 0;
    while (idx < d.length && Number.isFinite(d[idx])) idx++;
    throw new KnobsError(`${op}: ${name} ${fmtShape(t.shape)} contains NaN or Infinity (first at flat index ${idx}: ${d[idx]})`);
  }
}

export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

