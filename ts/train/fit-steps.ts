/**
 * fit's epochs through CompiledStep.steps when nothing needs JS between batches (no metrics, no
 * batch callbacks): the full batches of an epoch are copied, in the loader's order, into one
 * staging tensor per call and trained in one wasm call, as Keras' steps_per_execution. At a tiny
 * net's step of a fraction of a microsecond, the per-batch loop around one call was most of it.
 * The batches, their order and the steps are the loader's and step()'s: the same bits.
 */
import type { CompiledStep } from '../compile/step.js';
import type { DataLoader } from '../data/dataset.js';
import { keep } from '../scope.js';
import { Tensor, empty, shapeSize } from '../tensor.js';

/** Staging floats (x and y) at most: chunks shrink to fit, down to one batch. */
const MAX_STAGING = 1 << 20;
/** Batches per call at most. */
const MAX_CHUNK = 256;

export class FitSteps {
  private x: Tensor | null = null;
  private y: Tensor | null = null;
  private readonly maxChunk: number;
  /** Batches per call: grown while a call takes well under the yield interval, halved above it. */
  private chunk = 16;

  constructor(private readonly compiled: CompiledStep, private readonly loader: DataLoader, private readonly yieldEveryMs: number) {
    const ds = loader.dataset;
    const perBatch = loader.batchSize * (shapeSize(ds.xShape) + shapeSize(ds.yShape));
    this.maxChunk = Math.max(1, Math.min(MAX_CHUNK, Math.floor(loader.dataset.length / loader.batchSize), Math.floor(MAX_STAGING / Math.max(1, perBatch))));
  }

  /**
   * Trains epoch k: `onLoss(loss, index, size)` per batch, in order; `pause()` between calls
   * (yield to the event loop; true ends the epoch early). Returns whether every batch ran.
   */
  async epoch(k: number, onLoss: (loss: number, index: number, size: number) => void, pause: (index: number) => Promise<boolean>, now: () => number): Promise<boolean> {
    const { loader, compiled } = this;
    const ds = loader.dataset, bs = loader.batchSize;
    const order = loader.order(k);
    const full = Math.floor(ds.length / bs), total = loader.length;
    for (let i = 0; i < full; ) {
      if (await pause(i)) return false;
      const [x, y] = this.staging();
      const c = Math.min(this.chunk, full - i);
      const t0 = now();
      // Views right before the copy: nothing in between grows wasm memory.
      ds.copyX(order, i * bs, (i + c) * bs, x.data.subarray(0, c * bs * shapeSize(ds.xShape)));
      ds.copyY(order, i * bs, (i + c) * bs, y.data.subarray(0, c * bs * shapeSize(ds.yShape)));
      const losses = compiled.steps(x, y, { batchSize: bs, steps: c });
      for (let j = 0; j < losses.length; j++) onLoss(losses[j], i + j, bs);
      i += c;
      const dt = now() - t0;
      if (dt < this.yieldEveryMs / 4) this.chunk = Math.min(this.chunk * 2, this.maxChunk);
      else if (dt > this.yieldEveryMs) this.chunk = Math.max(1, this.chunk >> 1);
    }
    if (total > full) {
      // The short last batch: one step() of its own shape (eager, as compileStep runs other shapes).
      if (await pause(full)) return false;
      const size = ds.length - full * bs;
      const xb = empty([size, ...ds.xShape], 'batch'), yb = empty([size, ...ds.yShape], 'batch');
      try {
        ds.copyX(order, full * bs, ds.length, xb.data);
        ds.copyY(order, full * bs, ds.length, yb.data);
        onLoss(compiled.step(xb, yb), full, size);
      } finally {
        xb.dispose();
        yb.dispose();
      }
    }
    return true;
  }

  private staging(): [Tensor, Tensor] {
    if (!this.x || !this.y) {
      const ds = this.loader.dataset, rows = this.maxChunk * this.loader.batchSize;
      // Untracked: fit's steps run in no scope of the caller's, and dispose() frees them.
      this.x = keep(empty([rows, ...ds.xShape], 'fit_staging'));
      this.y = keep(empty([rows, ...ds.yShape], 'fit_staging'));
    }
    return [this.x, this.y];
  }

  dispose(): void {
    this.x?.dispose();
    this.y?.dispose();
    this.x = this.y = null;
  }
}
