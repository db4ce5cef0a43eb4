/**
 * One data-parallel replica, running in a worker with its own wasm instance: a copy of the model
 * and of the optimizer. Each step it computes the gradient of its shard, exchanges it with the
 * other replicas, sums all shard gradients in the same fixed order as every other replica, and
 * applies the same optimizer step — so the replicas stay bitwise identical without weights ever
 * being sent back.
 *
 * Why the sum of shard gradients is the gradient of the whole batch's mean loss: each replica takes
 * the 'sum' loss of its rows and seeds backward() with 1/rows(batch). The per-row gradient that
 * enters the network is then exactly the one single-worker training computes with a 'mean' loss
 * (same float32 factor), and only the sum over rows inside dW/db is split into per-shard partial
 * sums: the results differ from single-worker training by float reassociation alone.
 */
import '../autograd.js';
import '../ops/index.js';
import { K, heap, init } from '../backend/wasm.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import { fromSpec } from '../nn/spec.js';
import { crossEntropy, mseLoss } from '../ops/losses.js';
import { createOptimizer } from '../optim/create.js';
import type { Optimizer } from '../optim/optimizer.js';
import { tidy } from '../scope.js';
import { Tensor, empty, full, shapeSize } from '../tensor.js';
import { countCorrect } from '../train/metrics.js';
import { Fatal, MessageExchange, PeerAborted, SharedExchange, type Exchange } from './replica-transport.js';
import { CTRL, STATUS_ABORTED, STATUS_FAILED, STATUS_OK, contributors, shardOf, type InitMessage, type StepMessage, type StepTimings, type WorkerToMain } from './protocol.js';

export type Post = (msg: WorkerToMain, transfer?: Transferable[]) => void;

/**
 * Test-only hooks (set by a test fixture that wraps this worker): let a test crash or fail a
 * replica at a chosen point of a step. Unset in normal use.
 */
export const testHooks: { afterBackward?: (index: number, gen: number) => void | Promise<void> } = {};

export class Replica {
  private readonly params: Tensor[];
  private readonly offsets: number[];
  readonly nParams: number;
  /** Shared transport: one sample's shape (set with the input buffers). */
  private sampleShape: number[] | null;
  /** Scratch for the reduction: an incoming slot, and an accumulator (replicas ≥ 2 only). */
  private incoming: Tensor | null = null;
  private accumulator: Tensor | null = null;
  private exchange: Exchange;
  /** Shared transport: the batch buffers of each parity. */
  private xViews: Float32Array[] = [];
  private yViews: Float32Array[] = [];

  private constructor(
    private readonly msg: InitMessage,
    private readonly model: AnyModule,
    private readonly optimizer: Optimizer,
  ) {
    this.params = model.parameters();
    this.offsets = [];
    let o = 0;
    for (const p of this.params) {
      this.offsets.push(o);
      o += p.size;
    }
    this.nParams = o;
    this.sampleShape = msg.sampleShape;
    if (msg.transport === 'shared') {
      const s = msg.shared!;
      this.exchange = new SharedExchange(new Int32Array(s.ctrl), s.grads, msg.index, msg.workers, this.nParams);
      this.setInputs(s.x, s.y, msg.sampleShape);
    } else {
      this.exchange = new MessageExchange(msg.peers!, msg.index, this.nParams);
    }
  }

  static async create(msg: InitMessage): Promise<Replica> {
    await init({ wasm: msg.wasm });
    // User modules register themselves when their script is imported, before the model is built.
    for (const url of msg.modules) await import(/* @vite-ignore */ url);
    const model = fromSpec(msg.spec);
    model.loadStateDict(msg.state);
    // Each replica's random streams (Dropout masks) must differ, or every shard would be masked
    // alike; replica 0 keeps the spec's, so one replica trains exactly like the single-thread model.
    if (msg.index > 0) for (const m of model.modules()) m.forkRandomStreams(msg.index);
    const optimizer = createOptimizer(model.parameters(), msg.optimizer, 'DataParallel');
    if (msg.optimizerState) optimizer.loadStateDict(msg.optimizerState);
    return new Replica(msg, model, optimizer);
  }

  setInputs(x: SharedArrayBuffer[], y: SharedArrayBuffer[], sampleShape: number[] | null): void {
    this.sampleShape = sampleShape;
    this.xViews = x.map((b) => new Float32Array(b));
    this.yViews = y.map((b) => new Float32Array(b));
  }

  private timings: StepTimings = { steps: 0, compute: 0, exchange: 0, publish: 0, reduce: 0, update: 0 };

  takeTimings(reset: boolean): StepTimings {
    const t = { ...this.timings };
    if (reset) this.timings = { steps: 0, compute: 0, exchange: 0, publish: 0, reduce: 0, update: 0 };
    return t;
  }

  stateDict() {
    return { state: this.model.stateDict(), optimizerState: this.optimizer.stateDict() };
  }

  /**
   * Shared transport: runs steps 1, 2, 3, … as the main thread posts them (it may post the next
   * while this one runs: then there is no wait in between), and reports through the control block.
   * It blocks in Atomics.wait (Node 20's Atomics.waitAsync, with two or more workers waiting, was
   * seen to wake only one of them); when no step comes within 50 ms, or the main thread notifies
   * without posting one, it returns to the event loop, so the worker still answers messages.
   */
  runSharedLoop(post: Post): void {
    const ctrl = new Int32Array(this.msg.shared!.ctrl);
    const results = new Float64Array(this.msg.shared!.results);
    const { index: i, workers: N } = this.msg;
    // Read now, before the caller says it is ready and the main thread can post step 1.
    let next = Atomics.load(ctrl, CTRL.GEN) + 1;
    const loop = async (): Promise<void> => {
      for (;;) {
        if (Atomics.load(ctrl, CTRL.GEN) < next) {
          Atomics.wait(ctrl, CTRL.GEN, next - 1, 50);
          if (Atomics.load(ctrl, CTRL.GEN) < next) break;
        }
        const gen = next++, par = gen & 1;
        const rows = Atomics.load(ctrl, CTRL.ROWS + par), yCols = Atomics.load(ctrl, CTRL.Y_COLS + par);
        const { start, count } = shardOf(rows, N, i);
        const sample = this.sampleShape ?? [];
        const F = shapeSize(sample);
        const status = CTRL.STATUS + par * N + i, out = 2 * (par * N + i);
        try {
          const r = await this.trainStep(gen, rows, yCols, sample, this.xViews[par].subarray(start * F, (start + count) * F), this.yViews[par].subarray(start * yCols, (start + count) * yCols));
          results[out] = r.lossSum;
          results[out + 1] = r.correct;
          Atomics.store(ctrl, status, STATUS_OK);
        } catch (e) {
          const aborted = e instanceof PeerAborted;
          Atomics.store(ctrl, status, aborted ? STATUS_ABORTED : STATUS_FAILED);
          // Before DONE moves: the main thread, seeing a failure, waits for this message.
          post(e instanceof Fatal ? { type: 'fatal', message: e.message } : { type: 'stepError', gen, message: errorText(e), aborted });
        } finally {
          Atomics.add(ctrl, CTRL.DONE, 1);
          Atomics.notify(ctrl, CTRL.DONE);
        }
      }
      setTimeout(() => void loop().catch((e) => post({ type: 'fatal', message: errorText(e) })));
    };
    setTimeout(() => void loop().catch((e) => post({ type: 'fatal', message: errorText(e) })));
  }

  /** Message transport: one step on the rows the main thread sent. */
  async runMessageStep(m: StepMessage, post: Post): Promise<void> {
    try {
      const r = await this.trainStep(m.gen, m.rows, m.yCols, m.sampleShape, m.x, m.y);
      post({ type: 'done', gen: m.gen, lossSum: r.lossSum, correct: r.correct });
    } catch (e) {
      post(e instanceof Fatal ? { type: 'fatal', message: e.message } : { type: 'stepError', gen: m.gen, message: errorText(e), aborted: e instanceof PeerAborted });
    }
  }

  private async trainStep(gen: number, rows: number, yCols: number, sample: number[], x: Float32Array, y: Float32Array): Promise<{ lossSum: number; correct: number }> {
    const { index, workers, loss } = this.msg;
    const { start, count } = shardOf(rows, workers, index);
    let lossSum = 0, correct = 0;
    const t0 = performance.now();
    this.optimizer.zeroGrad();
    try {
      if (count > 0) {
        [lossSum, correct] = tidy(() => {
          const xt = empty([count, ...sample], 'batch');
          xt.data.set(x);
          const pred = this.model.forward(xt);
          if (!(pred instanceof Tensor) || pred.shape.length < 1 || pred.shape[0] !== count) {
            throw new ShapeError(`DataParallel: the model must return one tensor with a row per sample; for input ${fmtShape(xt.shape)} it returned ${pred instanceof Tensor ? fmtShape(pred.shape) : typeof pred}`);
          }
          const outCols = pred.size / count;
          const labels = loss === 'crossEntropy' && yCols === 1 && outCols > 1;
          if (!labels && yCols !== outCols) throw new ShapeError(`DataParallel: the model outputs ${outCols} values per sample (${fmtShape(pred.shape)}) but the targets have ${yCols}`);
          if (labels) {
            for (let i = 0; i < count; i++) {
              const c = y[i];
              if (!Number.isInteger(c) || c < 0 || c >= outCols) throw new KnobsError(`label ${c} at row ${start + i} is not a class index in [0, ${outCols})`);
            }
          }
          const yt = empty(labels ? [count] : [count, yCols], 'batch');
          yt.data.set(y);
          const l = loss === 'crossEntropy' ? crossEntropy(pred, yt, 'sum') : mseLoss(pred, yt, 'sum');
          // d(mean over the whole batch)/d(sum over this shard): see the file comment.
          l.backward(full([], loss === 'crossEntropy' ? 1 / rows : 1 / (rows * outCols)));
          return [l.item(), loss === 'crossEntropy' ? countCorrect(pred, yt) : 0];
        });
        if (!Number.isFinite(lossSum)) throw new KnobsError(`DataParallel.step: the loss is ${lossSum}; lower the learning rate or check the data`);
      }
      if (testHooks.afterBackward) await testHooks.afterBackward(index, gen);
    } catch (e) {
      if (workers > 1) this.exchange.publish(gen, 'abort');
      // Keeps the message transport's queues aligned: wait for the peers' messages of this step.
      if (this.msg.transport === 'message') await Promise.resolve(this.exchange.sync(gen)).catch(() => undefined);
      this.exchange.release();
      throw e;
    }
    const t1 = performance.now();
    let tp = t1;
    // A lone replica has nobody to tell.
    if (workers > 1) {
      try {
        this.exchange.publish(gen, count > 0 ? this.params.map((p) => this.gradView(p)) : null);
        tp = performance.now();
        await this.exchange.sync(gen);
      } catch (e) {
        if (e instanceof PeerAborted || e instanceof Fatal) throw e;
        throw new Fatal(`replica ${index} failed in the gradient exchange: ${errorText(e)}`);
      }
    }
    const t2 = performance.now();
    let t3: number;
    try {
      this.reduce(rows);
      this.exchange.release();
      t3 = performance.now();
      this.optimizer.step();
    } catch (e) {
      throw new Fatal(`replica ${index} failed after the gradient exchange: ${errorText(e)}`);
    }
    const tm = this.timings;
    tm.steps++;
    tm.compute += t1 - t0;
    tm.exchange += t2 - t1;
    tm.publish += tp - t1;
    tm.reduce += t3 - t2;
    tm.update += performance.now() - t3;
    return { lossSum, correct };
  }

  /** A parameter's gradient as a view of wasm memory (zero-filled if backward did not reach it). */
  private gradView(p: Tensor): Float32Array {
    if (!p.grad) {
      p.grad = empty(p.shape, 'grad');
      p.grad.data.fill(0);
    }
    return p.grad.data;
  }

  /** p.grad ← Σ over contributing replicas j (in index order) of slot j. */
  private reduce(rows: number): void {
    const order = contributors(rows, this.msg.workers);
    const me = this.msg.index;
    const k = K();
    const own = order.includes(me);
    this.params.forEach((p, pi) => {
      const size = p.size, off = this.offsets[pi];
      if (size === 0) return;
      const load = (j: number, dst: Tensor) => heap().set(this.exchange.slot(j).subarray(off, off + size), dst.ptr >>> 2);
      const add = (j: number, acc: Tensor) => {
        if (j === me) return k.axpy(1, p.grad!.ptr, acc.ptr, size);
        const tmp = this.scratch('incoming', size);
        load(j, tmp);
        k.axpy(1, tmp.ptr, acc.ptr, size);
      };
      if (own && (me === order[0] || me === order[1])) {
        // This replica's gradient is one of the first two terms: a + b = b + a exactly, so it can
        // be the accumulator in place.
        for (let t = 0; t < order.length; t++) if (order[t] !== me) add(order[t], p.grad!);
        return;
      }
      if (!own) {
        p.grad = empty(p.shape, 'grad');
        load(order[0], p.grad);
        for (let t = 1; t < order.length; t++) add(order[t], p.grad);
        return;
      }
      const acc = this.scratch('accumulator', size);
      load(order[0], acc);
      for (let t = 1; t < order.length; t++) add(order[t], acc);
      heap().copyWithin(p.grad!.ptr >>> 2, acc.ptr >>> 2, (acc.ptr >>> 2) + size);
    });
  }

  /** A scratch buffer of at least n floats (views of the first n elements). */
  private scratch(which: 'incoming' | 'accumulator', n: number): Tensor {
    let t = this[which];
    if (!t || t.size < n) {
      t?.dispose();
      t = this[which] = empty([Math.max(...this.params.map((q) => q.size))], 'scratch');
    }
    return t;
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
