/**
 * Integer index arguments. Tensors are float32 only, so an index is an `Int32Array`, a plain
 * array of integers, or a Tensor holding integer values; each is validated (integer, in range)
 * before the op allocates its output, then copied into an i32 block of wasm memory that the
 * kernels read. The block is held by an internal Tensor so tidy(), dispose() and memoryStats()
 * account for it like any other buffer; its bytes are i32 and are only ever read by kernels.
 */
import { heap, K } from '../backend/wasm.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, shapeSize, type Shape } from '../tensor.js';
import { checkTensor } from './checks.js';

export type IndexLike = Int32Array | readonly number[] | Tensor;

export interface Indices {
  /** i32 values in wasm memory (an internal tensor: never read its data as floats). */
  readonly buf: Tensor;
  readonly shape: readonly number[];
  readonly size: number;
}

/** The shape an index argument has, checked for type only (no allocation): for shape checks before validation. */
export function indexShape(op: string, index: IndexLike, name = 'index'): readonly number[] {
  if (index instanceof Tensor) {
    checkTensor(op, index, name);
    return index.shape;
  }
  if (index instanceof Int32Array || Array.isArray(index)) return [index.length];
  const what = index === null ? 'null' : ArrayBuffer.isView(index) ? (index as object).constructor.name : typeof index;
  throw new KnobsError(`${op}: ${name} must be an Int32Array, an array of integers or a Tensor of integer values, got ${what}`);
}

/** Largest element count an output may have: its byte size must fit wasm's 32-bit addresses. */
const MAX_ELEMENTS = 2 ** 30 - 1;

export function checkOutputSize(op: string, shape: Shape): void {
  if (shapeSize(shape) > MAX_ELEMENTS) throw new ShapeError(`${op}: output shape ${fmtShape(shape)} has more than ${MAX_ELEMENTS} elements (wasm memory is 4 GiB)`);
}

function rangeError(op: string, name: string, value: number, pos: number, hi: number, what: string): KnobsError {
  return new KnobsError(`${op}: ${name} ${value} at position ${pos} is out of range for ${what} (valid: 0 to ${hi - 1})`);
}
function integerError(op: string, name: string, value: number, pos: number, hi: number): KnobsError {
  return new KnobsError(`${op}: ${name} ${value} at position ${pos} is not an integer (valid: integers 0 to ${hi - 1})`);
}

/**
 * Validates `index` as integers in [0, hi) and copies it into wasm memory. `what` names the
 * indexed dimension for the error ("axis 1 of [3,4]"). Nothing is left allocated on error.
 */
export function toIndices(op: string, index: IndexLike, hi: number, what: string, name = 'index'): Indices {
  const shape = indexShape(op, index, name);
  const n = shapeSize(shape);
  if (!(index instanceof Tensor)) {
    for (let i = 0; i < n; i++) {
      const v = index[i];
      if (!Number.isInteger(v)) throw integerError(op, name, v, i, hi);
      if (v < 0 || v >= hi) throw rangeError(op, name, v, i, hi, what);
    }
    const buf = empty([n], 'indices');
    if (n > 0) new Int32Array(heap().buffer, buf.ptr, n).set(index);
    return { buf, shape, size: n };
  }
  const k = K();
  const buf = empty([n], 'indices');
  if (n === 0) return { buf, shape, size: n };
  const notInt = k.indices_from_f32(index.ptr, buf.ptr, n);
  if (notInt < n) {
    const v = index.data[notInt];
    buf.dispose();
    throw integerError(op, name, v, notInt, hi);
  }
  const bad = k.first_bad_index(buf.ptr, n, hi);
  if (bad < n) {
    const v = index.data[bad];
    buf.dispose();
    throw rangeError(op, name, v, bad, hi, what);
  }
  return { buf, shape, size: n };
}
