/**
 * Pairwise squared Euclidean distances and k-nearest selection on the Rust core
 * (kernels/distance.rs). Inputs are float64 matrices on the JS side; they are rounded to f32 for
 * the kernel, which is the precision the rest of the library computes in.
 */
import { allocF32, freeF32, heap, K } from '../backend/wasm.js';
import { KnobsError, ShapeError } from '../errors.js';
import { fmtValue } from '../options.js';
import type { Matrix } from './estimator.js';
import { checkMatrix, MAX_BLOCK_FLOATS } from './validate.js';

/** Copies values into a fresh wasm block; the caller frees it. */
function upload(values: ArrayLike<number>): number {
  const p = allocF32(values.length);
  heap().set(values, p >>> 2);
  return p;
}

/** Runs `body` with a, b (and an output of `outLen` floats) in wasm memory, freeing everything after. */
function withBlocks<T>(a: Matrix, b: Matrix, outLen: number, body: (pa: number, pb: number, po: number) => T): T {
  const pa = upload(a.data);
  let pb = 0, po = 0;
  try {
    pb = upload(b.data);
    po = allocF32(outLen);
    return body(pa, pb, po);
  } finally {
    freeF32(pa, a.data.length);
    if (pb) freeF32(pb, b.data.length);
    if (po) freeF32(po, outLen);
  }
}

/** Floats of one query block's distance matrix in kNearest (4M floats = 16 MB). */
const CHUNK_FLOATS = 1 << 22;

/**
 * Every size is checked against the arrays themselves before anything reaches wasm: the kernels
 * trust rows × cols, so a Matrix claiming more rows than its data would read other tensors' memory.
 */
function checkPair(op: string, a: Matrix, b: Matrix): void {
  checkMatrix(op, 'a', a);
  checkMatrix(op, 'b', b);
  if (a.data.length > MAX_BLOCK_FLOATS || b.data.length > MAX_BLOCK_FLOATS) throw new KnobsError(`${op}: inputs of ${a.data.length} and ${b.data.length} values exceed the ${MAX_BLOCK_FLOATS}-float block limit`);
  if (a.cols !== b.cols) throw new ShapeError(`${op}: a has ${a.cols} features per row, b has ${b.cols}`);
}

/**
 * out[i·b.rows + j] = ‖a_i − b_j‖² (row-major [a.rows × b.rows]), never negative. Large inputs go
 * through the GEMM as ‖a‖² + ‖b‖² − 2a·b; small ones use the direct Σ(a−b)² (see GEMM_MIN_WORK).
 */
export function pairwiseSqDist(a: Matrix, b: Matrix): Float64Array {
  checkPair('pairwiseSqDist', a, b);
  const n = a.rows, m = b.rows, d = a.cols;
  if (n === 0 || m === 0) return new Float64Array(0);
  if (n * m > MAX_BLOCK_FLOATS) throw new KnobsError(`pairwiseSqDist: the ${n} × ${m} distance matrix exceeds the ${MAX_BLOCK_FLOATS}-float block limit; split a into row blocks`);
  return withBlocks(a, b, n * m, (pa, pb, po) => {
    K().sq_dist(pa, pb, po, n, m, d);
    // Re-take the view: the allocations above may have grown (and detached) wasm memory.
    return Float64Array.from(heap().subarray(po >>> 2, (po >>> 2) + n * m));
  });
}

/**
 * The k nearest rows of `b` for every row of `a`: indices [a.rows × k] in ascending distance
 * (equal distances: lower index first) and their squared distances.
 */
export function kNearest(a: Matrix, b: Matrix, k: number): { index: Int32Array; sqDist: Float64Array } {
  checkPair('kNearest', a, b);
  const n = a.rows, m = b.rows, d = a.cols;
  if (!Number.isInteger(k) || k < 1) throw new KnobsError(`kNearest: k must be a positive integer, got ${fmtValue(k)}`);
  if (k > m) throw new KnobsError(`kNearest: k = ${k} is larger than the ${m} reference rows`);
  if (m > MAX_BLOCK_FLOATS || n * k > MAX_BLOCK_FLOATS) throw new KnobsError(`kNearest: ${n} queries × k = ${k} over ${m} reference rows exceeds the ${MAX_BLOCK_FLOATS}-float block limit`);
  const idx = new Uint32Array(n * k);
  const sq = new Float64Array(n * k);
  // Queries go in row blocks so the distance block stays ≤ ~16 MB of wasm memory whatever n is.
  const block = Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(m, 1)));
  for (let from = 0; from < n; from += block) {
    const rows = Math.min(block, n - from);
    const part: Matrix = { data: a.data.subarray(from * d, (from + rows) * d), rows, cols: d };
    const partIdx = idx.subarray(from * k, (from + rows) * k);
    withBlocks(part, b, rows * m, (pa, pb, po) => {
      const kern = K();
      kern.sq_dist(pa, pb, po, rows, m, d);
      kern.knn_select(po, rows, m, k, partIdx);
      const h = heap(), base = po >>> 2;
      for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) sq[(from + i) * k + j] = h[base + i * m + partIdx[i * k + j]];
    });
  }
  return { index: Int32Array.from(idx), sqDist: sq };
}
