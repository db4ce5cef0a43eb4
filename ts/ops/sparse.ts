/**
 * Sparse rows times a dense matrix. A batch of mostly-zero inputs (Pong's frame differences: a
 * few dozen nonzeros of 6400) is held in CSR form — torch's `crow_indices` (row pointer),
 * `col_indices` and `values` — and `sparseMm` visits only the weight rows of its nonzeros, in the
 * forward pass and in the weight gradient. That is nn.Linear on sparse input
 * (`Linear.forward(toSparseCsr(x))`), at a cost proportional to the nonzeros instead of rows·cols.
 */
import { heap, K } from '../backend/wasm.js';
import { gradTarget, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { checkTensor } from './checks.js';
import { checkOutputSize } from './indices.js';

/**
 * A [rows, cols] matrix in CSR form, in wasm memory. `crowIndices` and `colIndices` are i32 blocks
 * held by internal tensors (as index arguments are: tidy() and dispose() account for them); only
 * kernels read them. Values are data, not parameters: no gradient flows to them.
 */
export class SparseCsr {
  /** @internal Use `sparseCsrTensor()` or `toSparseCsr()`. */
  constructor(
    readonly shape: readonly [number, number],
    readonly nnz: number,
    /** @internal */ readonly crowIndices: Tensor,
    /** @internal */ readonly colIndices: Tensor,
    /** @internal */ readonly values: Tensor,
  ) {}

  /** Copies of the three arrays in JS memory (the first `nnz` entries of the column and value blocks). */
  toArrays(): { crowIndices: Int32Array; colIndices: Int32Array; values: Float32Array } {
    const h = heap();
    return {
      crowIndices: new Int32Array(h.buffer, this.crowIndices.ptr, this.shape[0] + 1).slice(),
      colIndices: new Int32Array(h.buffer, this.colIndices.ptr, this.nnz).slice(),
      values: this.values.data.slice(0, this.nnz),
    };
  }

  get isDisposed(): boolean {
    return this.values.isDisposed;
  }

  dispose(): void {
    this.crowIndices.dispose();
    this.colIndices.dispose();
    this.values.dispose();
  }
}

/**
 * torch.sparse_csr_tensor: row r holds values[k] at column colIndices[k] for k in
 * crowIndices[r] .. crowIndices[r+1]. Validated (row pointer starting at 0, non-decreasing, ending
 * at values.length; columns in [0, cols)) before anything is allocated, then copied into wasm.
 */
export function sparseCsrTensor(crowIndices: Int32Array, colIndices: Int32Array, values: Float32Array, size: readonly [number, number]): SparseCsr {
  const op = 'sparseCsrTensor';
  const [rows, cols] = size;
  if (!(crowIndices instanceof Int32Array) || !(colIndices instanceof Int32Array) || !(values instanceof Float32Array)) {
    throw new KnobsError(`${op}: crowIndices and colIndices must be Int32Arrays and values a Float32Array`);
  }
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols <= 0) throw new ShapeError(`${op}: size ${fmtShape(size)} must be [rows ≥ 0, cols > 0]`);
  const nnz = values.length;
  if (colIndices.length !== nnz) throw new ShapeError(`${op}: ${colIndices.length} column indices for ${nnz} values`);
  if (crowIndices.length !== rows + 1) throw new ShapeError(`${op}: crowIndices has ${crowIndices.length} entries, size ${fmtShape(size)} needs ${rows + 1}`);
  for (let r = 0; r <= rows; r++) {
    const o = crowIndices[r];
    const bad = r === 0 ? o !== 0 : o < crowIndices[r - 1] || o > nnz || (r === rows && o !== nnz);
    if (bad) throw new KnobsError(`${op}: crowIndices ${o} at position ${r} is invalid (must start at 0, not decrease, and end at ${nnz}, the number of values)`);
  }
  for (let k = 0; k < nnz; k++) {
    const c = colIndices[k];
    if (c < 0 || c >= cols) throw new KnobsError(`${op}: column index ${c} at position ${k} is out of range for size ${fmtShape(size)} (valid: 0 to ${cols - 1})`);
  }
  const crow = empty([rows + 1], 'crowIndices');
  const col = empty([nnz], 'colIndices');
  const val = empty([nnz], 'values');
  new Int32Array(heap().buffer, crow.ptr, rows + 1).set(crowIndices);
  if (nnz > 0) {
    new Int32Array(heap().buffer, col.ptr, nnz).set(colIndices);
    val.data.set(values);
  }
  return new SparseCsr([rows, cols], nnz, crow, col, val);
}

/**
 * x.to_sparse_csr() for a 2-D tensor: its nonzeros, row by row in column order (one kernel pass).
 * The column and value blocks are sized for the worst case (every entry nonzero) so the pass
 * needs no count first; `nnz` says how much of them is used.
 */
export function toSparseCsr(x: Tensor): SparseCsr {
  checkTensor('toSparseCsr', x);
  if (x.rank !== 2) throw new ShapeError(`toSparseCsr: input must be 2-D [rows, cols], got ${fmtShape(x.shape)}`);
  const [rows, cols] = x.shape;
  if (cols === 0) throw new ShapeError(`toSparseCsr: input ${fmtShape(x.shape)} has no columns`);
  const crow = empty([rows + 1], 'crowIndices');
  const col = empty([x.size], 'colIndices');
  const val = empty([x.size], 'values');
  const nnz = K().dense_to_csr(x.ptr, rows, cols, crow.ptr, col.ptr, val.ptr);
  return new SparseCsr([rows, cols], nnz, crow, col, val);
}

/**
 * torch.sparse.mm(a, b) for CSR `a` [rows, k] and dense `b` [k, n], plus `bias` [n] on every row
 * when given (nn.Linear on sparse input). Gradients flow to b and bias; b's gradient touches only
 * the rows of b at a's nonzero columns.
 */
export function sparseMm(a: SparseCsr, b: Tensor, bias: Tensor | null = null): Tensor {
  if (!(a instanceof SparseCsr)) throw new KnobsError('sparseMm: a must be a SparseCsr (from sparseCsrTensor or toSparseCsr)');
  if (a.isDisposed) throw new KnobsError(`sparseMm: a ${fmtShape(a.shape)} was used after dispose()`);
  checkTensor('sparseMm', b, 'b');
  if (bias) checkTensor('sparseMm', bias, 'bias');
  const [rows, k] = a.shape;
  if (b.rank !== 2 || b.shape[0] !== k) throw new ShapeError(`sparseMm: b ${fmtShape(b.shape)} does not fit a ${fmtShape(a.shape)} (expected [${k}, n])`);
  const n = b.shape[1];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) throw new ShapeError(`sparseMm: bias ${fmtShape(bias.shape)} does not fit b ${fmtShape(b.shape)} (expected [${n}])`);
  checkOutputSize('sparseMm', [rows, n]);
  const kern = K();
  const out = empty([rows, n], 'sparseMm');
  if (out.size > 0) kern.sparse_mm(a.crowIndices.ptr, rows, a.colIndices.ptr, a.values.ptr, a.nnz, b.ptr, k, bias ? bias.ptr : 0, out.ptr, n);
  const parents = bias ? [b, bias] : [b];
  return record(out, parents, (g) => sparseMmBackward(a, g, b, bias));
}

/**
 * The backward of `sparseMm` for the gradient g [rows, n] of its output: b.grad += aᵀ·g (only
 * the rows of b at a's nonzero columns) and bias.grad += the column sums of g, for whichever
 * requires a gradient. Also for a learner that kept the output from an earlier forward pass
 * (pg-pong's cached hidden layer), so the layer need not run again.
 */
export function sparseMmBackward(a: SparseCsr, g: Tensor, b: Tensor, bias: Tensor | null = null): void {
  const [rows, k] = a.shape;
  const n = b.shape[1];
  if (g.rank !== 2 || g.shape[0] !== rows || g.shape[1] !== n) throw new ShapeError(`sparseMm: gradient ${fmtShape(g.shape)} does not fit the output [${rows}, ${n}]`);
  if (g.size === 0) return;
  // The graph holds `a`: its blocks must outlive the backward (dispose it after, as any input).
  if (a.isDisposed) throw new KnobsError(`sparseMm: backward needs a ${fmtShape(a.shape)}, which was disposed`);
  const kern = K();
  const tb = gradTarget(b);
  if (tb) {
    if (!tb.accumulate) tb.grad.data.fill(0);
    kern.sparse_mm_grad_weight(a.crowIndices.ptr, rows, a.colIndices.ptr, a.values.ptr, a.nnz, g.ptr, tb.grad.ptr, k, n);
  }
  const tbias = bias ? gradTarget(bias) : null;
  if (tbias) kern.sum_rows(g.ptr, tbias.grad.ptr, rows, n, tbias.accumulate);
}
