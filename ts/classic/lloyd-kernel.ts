/**
 * One Lloyd step of k-means on the Rust core: distances to the centres (sq_dist, through the GEMM
 * for large inputs), the nearest centre per row (argmin_rows) and per-cluster sums and counts
 * (center_sums) — the n × k distance matrix never leaves wasm memory, and x is uploaded once per
 * run instead of once per step. Centres and the results come back as float64 for the JS side.
 */
import { allocF32, freeF32, heap, K } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import type { Matrix } from './estimator.js';
import { checkMatrix, MAX_BLOCK_FLOATS } from './validate.js';

export interface LloydStep {
  labels: Int32Array;
  /** Squared distance of each row to its centre (float32 precision). */
  minSq: Float64Array;
  /** Per-cluster sums of the rows [k × d] and row counts [k]. */
  sums: Float64Array;
  counts: Float64Array;
}

export class LloydKernel {
  private readonly px: number;
  private readonly n: number;
  private readonly d: number;
  private freed = false;

  constructor(x: Matrix) {
    checkMatrix('LloydKernel', 'x', x);
    if (x.data.length > MAX_BLOCK_FLOATS) throw new KnobsError(`LloydKernel: x has ${x.data.length} values, above the ${MAX_BLOCK_FLOATS}-float block limit`);
    this.n = x.rows;
    this.d = x.cols;
    this.px = allocF32(x.data.length);
    heap().set(x.data, this.px >>> 2);
  }

  step(centers: Float64Array, k: number): LloydStep {
    const { n, d } = this;
    // The kernels trust k and the centres' length; a mismatch would read past the centre block.
    if (!Number.isInteger(k) || k < 1 || centers.length !== k * d || n * k > MAX_BLOCK_FLOATS) {
      throw new KnobsError(`LloydKernel.step: ${centers.length} centre values do not make k = ${k} centres of ${d} features (or n × k is too large)`);
    }
    const pc = allocF32(k * d), pd = allocF32(n * k), pm = allocF32(n), ps = allocF32(k * d), pn = allocF32(k);
    try {
      heap().set(centers, pc >>> 2);
      const idx = new Uint32Array(n);
      const kern = K();
      kern.sq_dist(this.px, pc, pd, n, k, d);
      kern.argmin_rows(pd, idx, pm, n, k);
      kern.center_sums(this.px, idx, ps, pn, n, k, d);
      // Re-take the view: the allocations above may have grown (and detached) wasm memory.
      const h = heap();
      return {
        labels: Int32Array.from(idx),
        minSq: Float64Array.from(h.subarray(pm >>> 2, (pm >>> 2) + n)),
        sums: Float64Array.from(h.subarray(ps >>> 2, (ps >>> 2) + k * d)),
        counts: Float64Array.from(h.subarray(pn >>> 2, (pn >>> 2) + k)),
      };
    } finally {
      freeF32(pc, k * d);
      freeF32(pd, n * k);
      freeF32(pm, n);
      freeF32(ps, k * d);
      freeF32(pn, k);
    }
  }

  free(): void {
    if (!this.freed) freeF32(this.px, this.n * this.d);
    this.freed = true;
  }
}
