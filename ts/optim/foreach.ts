/**
 * The table a foreach optimizer kernel reads (PyTorch's `foreach` optimizers: one kernel call for
 * all parameters): one row of four u32 per tensor — param, gradient and state byte offsets, and
 * the element count — in wasm memory. A tiny network's step updates a handful of few-float
 * tensors, where a call per tensor costs more than its arithmetic.
 */
import { heap } from '../backend/wasm.js';
import { keep } from '../scope.js';
import { empty, type Tensor } from '../tensor.js';

export class ForeachTable {
  private block: Tensor | null = null;
  private base = 0;
  /**
   * What the block's rows hold. A step's gradients reuse the last step's buffers (zeroGrad keeps
   * them as spares), so the rows rarely change: each is compared here and written only when it did.
   */
  private readonly rows: Uint32Array;

  constructor(readonly capacity: number) {
    this.rows = new Uint32Array(4 * capacity);
  }

  /**
   * Byte offset of the table in wasm memory: call it before set() in each step (it makes the
   * table on first use, and anew if it was freed; the table outlives every tidy()).
   */
  get ptr(): number {
    if (this.block === null || this.block.isDisposed) {
      this.block = keep(empty([4 * this.capacity], 'foreach_table'));
      this.base = this.block.ptr;
      // A count of 0 matches no row of a tensor with elements: every row is written anew.
      this.rows.fill(0);
    }
    return this.base;
  }

  /** Row `row` = (a, b, c, n); a, b, c byte offsets, n > 0 elements. */
  set(row: number, a: number, b: number, c: number, n: number): void {
    const r = this.rows, o = 4 * row;
    if (r[o] === a && r[o + 1] === b && r[o + 2] === c && r[o + 3] === n) return;
    r[o] = a;
    r[o + 1] = b;
    r[o + 2] = c;
    r[o + 3] = n;
    new Uint32Array(heap().buffer, this.base + 4 * o, 4).set(r.subarray(o, o + 4));
  }

  dispose(): void {
    this.block?.dispose();
    this.block = null;
  }
}
