/**
 * DataParallel: trains one model on N workers at once. Every worker holds a replica (its own wasm
 * instance, model and optimizer) and takes a shard of each batch; the shard gradients are summed
 * by every replica in the same order and every replica applies the same optimizer step, so they
 * stay identical and no weights travel after the start. See replica.ts for the worker side.
 *
 *   const trainer = await DataParallel.create({ spec: toSpec(model), state: model.stateDict(),
 *     workers: 2, optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9 }, loss: 'crossEntropy' });
 *   const loss = await trainer.step(x, y, [rows, in]); // x: a batch of samples, y: labels or rows
 *   model.loadStateDict(await trainer.stateDict());
 *   await trainer.close();
 */
import { init, isInitialized, simdBuild } from '../backend/wasm.js';
import { chooseBuild, wasmUrl, type SimdChoice } from '../backend/simd.js';
import { loadWasmBytes } from '../backend/load-wasm.js';
import { DataLoader, TensorDataset, type ArrayData } from '../data/dataset.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import type { StateDict } from '../nn/module.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { History } from '../train/callbacks.js';
import { shapeSize } from '../tensor.js';
import { checkOptions, prepareModel, type DataParallelOptions, type EpochLogs, type FitOptions } from './options.js';
import { MessageMain, Pending, SharedMain, type Link, type MainTransport, type RowWriter, type StepCollector, type StepResult } from './main-transport.js';
import { CTRL, type InitMessage, type MainToWorker, type ParallelLoss, type SharedBuffers, type StepTimings, type Transport, type WorkerToMain } from './protocol.js';
import { WorkerError, listen, setRef, spawnReplica, type TrainWorker } from './spawn.js';
import { withTimeout } from '../timeout.js';

export type { DataParallelOptions, EpochLogs, FitOptions };

const OP = 'DataParallel';

export class DataParallel {
  readonly workers: number;
  readonly transport: Transport;
  readonly loss: ParallelLoss;
  /** One sample's shape, once known (from inputShape or the first batch). */
  private sample: number[] | null;
  /** Total number of knobs in the model. */
  readonly nParams: number;
  /** The worker objects, for diagnostics (do not post to them). */
  readonly threads: readonly TrainWorker[];

  private readonly unlisten: (() => void)[] = [];
  private failure: Error | null = null;
  private closed = false;
  private started = false;
  private queue: Promise<unknown> = Promise.resolve();
  private gen = 0;
  /** Steps sent to the replicas and not answered yet, by generation. */
  private inflight = new Map<number, StepCollector>();
  /** Operations and steps under way: while any is, the workers keep a Node process alive. */
  private busy = 0;
  private requests = new Map<number, { pending: Pending<unknown>; answers: Map<number, unknown>; expected: number }>();
  private nextId = 1;
  /** How batches reach the replicas (set by start). */
  private sender!: MainTransport;
  /** The shared transport's control block, null for 'message'. */
  private ctrl: Int32Array | null = null;

  private constructor(threads: TrainWorker[], transport: Transport, loss: ParallelLoss, sample: number[] | null, nParams: number) {
    this.threads = threads;
    this.workers = threads.length;
    this.transport = transport;
    this.loss = loss;
    this.sample = sample;
    this.nParams = nParams;
  }

  /** One sample's shape: the `inputShape` option, else the first batch's; null before that. */
  get inputShape(): number[] | null {
    return this.sample && [...this.sample];
  }

  /** Starts the workers and builds a replica in each; resolves when all are ready. */
  static async create(opts: DataParallelOptions): Promise<DataParallel> {
    const { workers, loss, transport, sample, modules, maxBatch } = checkOptions(opts);

    // One compile for all replicas; this thread needs the core too, to check spec, weights and optimizer.
    const here = simdBuild();
    const simd: SimdChoice = opts.simd ?? (here === 'relaxed' || here === 'simd128' ? here : 'simd128');
    const bytes = await loadWasmBytes(opts.wasm ?? wasmUrl(await chooseBuild(simd)));
    const wasm = bytes instanceof WebAssembly.Module ? bytes : await WebAssembly.compile(bytes);
    // This thread only checks spec, weights and optimizer: any loaded build does; the replicas get `simd`.
    if (!isInitialized()) await init(opts.wasm !== undefined ? { wasm: opts.wasm } : { simd });

    const { spec, state, nParams } = prepareModel(opts);

    const threads: TrainWorker[] = [];
    let trainer: DataParallel | null = null;
    try {
      const spawned = await Promise.allSettled(Array.from({ length: workers }, () => spawnReplica(opts.workerUrl)));
      for (const s of spawned) if (s.status === 'fulfilled') threads.push(s.value);
      const bad = spawned.find((s) => s.status === 'rejected');
      if (bad) throw (bad as PromiseRejectedResult).reason;
      trainer = new DataParallel(threads, transport, loss, sample, nParams);
      await trainer.start({ spec, state, optimizer: opts.optimizer, optimizerState: opts.optimizerState, wasm, modules, sampleShape: sample }, maxBatch, opts.startTimeoutMs ?? 30_000);
      return trainer;
    } catch (e) {
      if (trainer) await trainer.shutdown();
      else await Promise.all(threads.map((w) => w.terminate()));
      throw e;
    }
  }

  private async start(
    base: Omit<InitMessage, 'type' | 'index' | 'workers' | 'transport' | 'loss' | 'shared' | 'peers'>,
    maxBatch: number,
    timeoutMs: number,
  ): Promise<void> {
    const N = this.workers;
    let shared: SharedBuffers | undefined;
    let peers: (MessagePort | null)[][] | undefined;
    const link = this.link();
    if (this.transport === 'shared') {
      // Without a known sample shape the input buffers start empty and grow at the first batch.
      const xCols = this.sample ? shapeSize(this.sample) : 0;
      shared = SharedMain.buffers(N, this.nParams, maxBatch, xCols);
      this.sender = new SharedMain(link, shared, maxBatch, xCols);
      this.ctrl = this.sender.ctrl;
    } else {
      this.sender = new MessageMain(link);
      // A channel between every pair of replicas: gradients go peer to peer, not through here.
      peers = Array.from({ length: N }, () => Array<MessagePort | null>(N).fill(null));
      for (let i = 0; i < N; i++) {
        for (let j = i + 1; j < N; j++) {
          const ch = new MessageChannel();
          peers[i][j] = ch.port1;
          peers[j][i] = ch.port2;
        }
      }
    }
    const ready = this.request(null, N);
    this.threads.forEach((w, i) => {
      this.unlisten.push(
        listen(w, {
          message: (m) => this.onMessage(i, m as WorkerToMain),
          died: (reason, cause) =>
            this.fail(
              this.started
                ? new WorkerError(`${OP}: worker ${i} ${reason}${this.inflight.size ? ` during step ${Math.min(...this.inflight.keys())}` : ''}; the trainer is closed (create a new one)`, { cause })
                : new WorkerError(`${OP}.create: worker ${i} ${reason} before it was ready (is workerUrl a knobs parallel worker script?)`, { cause }),
            ),
        }),
      );
      const msg: InitMessage = { type: 'init', index: i, workers: N, transport: this.transport, loss: this.loss, ...base, shared, peers: peers?.[i] };
      const ports = (peers?.[i] ?? []).filter((p): p is MessagePort => p !== null);
      this.post(i, msg, ports);
    });
    await withTimeout(ready, timeoutMs, () => new WorkerError(`${OP}.create: the workers did not start within ${timeoutMs} ms`));
    this.started = true;
    this.threads.forEach((w) => setRef(w, false));
  }

  /** This trainer as its transport sees it. */
  private link(): Link {
    return {
      workers: this.workers,
      post: (i, msg, transfer) => this.post(i, msg, transfer),
      request: (id, expected) => this.request(id, expected),
      newId: () => this.nextId++,
      failure: () => this.failure,
      closed: () => this.closed,
      hold: () => this.hold(),
      release: () => this.release(),
      inflight: (gen) => this.inflight.get(gen),
      forget: (gen) => void this.inflight.delete(gen),
      drain: (before) => this.drain(before),
      settle: (s) => this.settle(s),
    };
  }

  private post(i: number, msg: MainToWorker, transfer: Transferable[] = []): void {
    (this.threads[i] as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(msg, transfer);
    // A shared-transport replica blocks in Atomics.wait between steps; wake it to read the message.
    if (this.ctrl && msg.type !== 'init') Atomics.notify(this.ctrl, CTRL.GEN);
  }

  /** Waits for `expected` answers carrying this id (null: the 'ready' answers). */
  private request<T>(id: number | null, expected: number): Promise<Map<number, T>> {
    const key = id ?? 0;
    const pending = new Pending<unknown>();
    this.requests.set(key, { pending, answers: new Map(), expected });
    return pending.promise as Promise<Map<number, T>>;
  }

  private answer(key: number, from: number, value: unknown): void {
    const r = this.requests.get(key);
    if (!r) return;
    r.answers.set(from, value);
    if (r.answers.size === r.expected) {
      this.requests.delete(key);
      r.pending.resolve(r.answers);
    }
  }

  private onMessage(i: number, m: WorkerToMain): void {
    switch (m.type) {
      case 'ready':
        return this.answer(0, i, m);
      case 'ack':
      case 'state':
      case 'timings':
        return this.answer(m.id, i, m);
      case 'done':
      case 'stepError': {
        const s = this.inflight.get(m.gen);
        if (!s) return;
        if (m.type === 'done') {
          s.lossSum += m.lossSum;
          s.correct += m.correct;
        } else {
          s.errors.push({ index: i, message: m.message, aborted: m.aborted });
        }
        s.remaining--;
        s.notify?.();
        if (this.transport === 'message' && s.remaining === 0) this.settle(s);
        return;
      }
      case 'fatal':
        return this.fail(new WorkerError(this.started ? `${OP}: worker ${i} failed: ${m.message}; the trainer is closed (create a new one)` : `${OP}.create: worker ${i} could not build its replica: ${m.message}`));
    }
  }

  /** A worker died or a replica can no longer be trusted: stop everything, reject what waits. */
  private fail(err: Error): void {
    if (this.failure || this.closed) return;
    this.failure = err;
    for (const r of this.requests.values()) r.pending.reject(err);
    this.requests.clear();
    for (const s of this.inflight.values()) {
      s.pending.reject(err);
      s.notify?.();
    }
    // Wakes this thread's own waitAsync on DONE, so a waiting step sees the failure at once.
    if (this.ctrl) Atomics.notify(this.ctrl, CTRL.DONE);
    void this.shutdown();
  }

  private async shutdown(): Promise<void> {
    for (const off of this.unlisten.splice(0)) off();
    if (this.ctrl) {
      Atomics.store(this.ctrl, CTRL.STOP, 1);
      Atomics.notify(this.ctrl, CTRL.BAR_COUNT);
    }
    await Promise.all(this.threads.map((w) => Promise.resolve(w.terminate()).catch(() => undefined)));
  }

  private usable(op: string): void {
    if (this.failure) throw new WorkerError(`${OP}.${op}: the trainer failed earlier: ${this.failure.message}`, { cause: this.failure });
    if (this.closed) throw new KnobsError(`${OP}.${op}: the trainer is closed`);
  }

  private hold(): void {
    if (this.busy++ === 0) this.threads.forEach((w) => setRef(w, true));
  }
  private release(): void {
    if (--this.busy === 0 && !this.failure && !this.closed) this.threads.forEach((w) => setRef(w, false));
  }

  /**
   * Runs fn after every earlier call has started its work on the replicas. Each replica handles
   * messages in arrival order, so a state request sent after a step sees that step's result.
   */
  private enqueue<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      this.usable(op);
      this.hold();
      try {
        return await fn();
      } finally {
        this.release();
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * One optimizer step on a batch: x holds `rows` samples, y their targets (class labels, one per
   * row, or rows of the model's output width). Resolves to the batch's mean loss. `shape`
   * ([rows, ...sample]) gives the sample shape; it may be left out once the trainer knows it
   * (inputShape, or an earlier batch), and must not change from batch to batch. Steps run in call order;
   * x and y are read when the step is sent to the workers, so leave them unchanged until its
   * promise settles. With the message transport a step is sent without waiting for the previous
   * one to finish, so calling step() again before awaiting keeps the workers busy.
   */
  step(x: Float32Array, y: Float32Array | ArrayLike<number>, shape?: readonly number[]): Promise<number> {
    let rows: number, yCols: number, F: number;
    try {
      ({ rows, yCols, xCols: F } = this.checkBatch('step', x, y, shape));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.submit(
      'step',
      rows,
      yCols,
      (dst, a, b, at) => dst.set(x.subarray(a * F, b * F), at * F),
      (dst, a, b, at) => {
        for (let i = a * yCols; i < b * yCols; i++) dst[at * yCols + i - a * yCols] = y[i];
      },
    ).then((r) => r.loss);
  }

  /**
   * Checks a batch against the sample shape (fixing it at the first batch that gives one) and
   * returns its rows and per-row widths. Targets are checked against the model's output in the
   * replicas, which are the ones that run it.
   */
  private checkBatch(op: string, x: Float32Array, y: ArrayLike<number>, shape?: readonly number[]): { rows: number; yCols: number; xCols: number } {
    if (!(x instanceof Float32Array)) throw new KnobsError(`${OP}.${op}: x must be a Float32Array (or { data: Float32Array, shape }) of samples`);
    if (!y || typeof y.length !== 'number') throw new KnobsError(`${OP}.${op}: y must be a Float32Array (or array) of targets`);
    if (shape !== undefined && (!Array.isArray(shape) || shape.length < 2 || shape.some((d) => !Number.isInteger(d) || d < 1) || shapeSize(shape) !== x.length)) {
      throw new ShapeError(`${OP}.${op}: shape ${Array.isArray(shape) ? fmtShape(shape) : JSON.stringify(shape)} does not fit x (${x.length} values); give [rows, ...sample] with positive sizes`);
    }
    const given = shape?.slice(1) ?? null;
    if (given && this.sample && !sameShape(given, this.sample)) throw new ShapeError(`${OP}.${op}: samples of shape ${fmtShape(given)}, but this trainer's samples are ${fmtShape(this.sample)}`);
    const sample = given ?? this.sample;
    if (!sample) throw new ShapeError(`${OP}.${op}: the sample shape is not known yet; pass shape [rows, ...sample] (or x as { data, shape }), or inputShape to DataParallel.create`);
    const F = shapeSize(sample);
    if (x.length % F !== 0 || x.length === 0) throw new ShapeError(`${OP}.${op}: x has ${x.length} values, not a positive multiple of the sample size ${F} (${fmtShape(sample)})`);
    const rows = x.length / F;
    const yCols = y.length / rows;
    if (!Number.isInteger(yCols) || yCols < 1) throw new ShapeError(`${OP}.${op}: y has ${y.length} values for ${rows} rows; expected a whole number of targets per row`);
    this.sample = sample;
    return { rows, yCols, xCols: F };
  }

  /**
   * Sends one batch to the replicas; resolves with their answers. writeX(dst, a, b, at) copies the
   * batch's rows [a, b) into dst starting at row `at` (same for writeY), so fit() can gather
   * shuffled rows straight into the buffers the workers read. The queue moves on once the step is
   * sent, so the next one can be sent while this one runs: with the message transport the replicas
   * queue it; with the shared one it goes to the other parity slot.
   */
  private submit(op: string, rows: number, yCols: number, writeX: RowWriter, writeY: RowWriter): Promise<StepResult> {
    let answered!: Promise<StepResult>;
    return this.enqueue(op, async () => {
      const s = this.collector(op, rows);
      ({ answered } = await this.sender.send(s, rows, yCols, this.sample!, writeX, writeY));
    }).then(() => answered);
  }

  /** Until every step sent so far (before step `before`, if given) has been answered. */
  private async drain(before = Infinity): Promise<void> {
    await Promise.allSettled([...this.inflight.values()].filter((s) => s.gen < before).map((s) => s.pending.promise));
  }

  private collector(op: string, rows: number): StepCollector {
    const s: StepCollector = { gen: ++this.gen, op, rows, remaining: this.workers, lossSum: 0, correct: 0, errors: [], notify: null, pending: new Pending() };
    // Rejected by fail() even when nobody waits on it (shared transport): not an unhandled rejection.
    s.pending.promise.catch(() => undefined);
    this.inflight.set(s.gen, s);
    return s;
  }

  /** The step's outcome once every replica has answered. */
  private settle(s: StepCollector): void {
    this.inflight.delete(s.gen);
    const failed = s.errors.find((e) => !e.aborted) ?? s.errors[0];
    if (failed) s.pending.reject(new KnobsError(`${OP}.${s.op}: worker ${failed.index}: ${failed.message}`));
    else s.pending.resolve({ loss: s.lossSum / s.rows, correct: s.correct });
  }

  /**
   * Epochs over in-memory arrays: x is the samples ({ data, shape }, or a Float32Array once the
   * sample shape is known), y the targets (labels or rows).
   * The shuffle order of each epoch is DataLoader's for the same seed, so a run matches fit() on
   * one thread with the same loader options (up to float reassociation).
   */
  async fit(xs: Float32Array | ArrayData, y: Float32Array | ArrayLike<number>, opts: FitOptions): Promise<History> {
    const x = xs instanceof Float32Array ? xs : xs?.data;
    const { rows: n, yCols, xCols: F } = this.checkBatch('fit', x, y, xs instanceof Float32Array ? undefined : xs?.shape);
    const epochs = opts?.epochs;
    if (!Number.isInteger(epochs) || epochs < 0) throw new KnobsError(`${OP}.fit: epochs must be a non-negative integer, got ${epochs}`);
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new KnobsError(`${OP}.fit: batchSize must be a positive integer, got ${opts.batchSize}`);
    const first = opts.initialEpoch ?? 0;
    // DataLoader's own order and row copies (gathered straight into the buffers the workers read),
    // so a run follows fit() on one thread with the same loader options.
    const ys = y instanceof Float32Array ? y : Float32Array.from(y);
    const data = new TensorDataset({ data: x, shape: [n, ...this.sample!] }, { data: ys, shape: [n, yCols] });
    const loader = new DataLoader(data, { batchSize, shuffle: opts.shuffle ?? true, seed: opts.seed ?? 0, dropLast: opts.dropLast });
    const batches = loader.length;
    const history: History = { epoch: [], history: { loss: [] }, stopped: null };
    if (this.loss === 'crossEntropy') history.history.accuracy = [];
    // One step is sent ahead of the one being waited for (message transport), so the replicas
    // go straight from one batch to the next instead of waiting for this thread in between.
    type Sent = { b: number; size: number; answer: Promise<StepResult> };
    const sent: Sent[] = [];
    let lossSum = 0, correct = 0, seen = 0;
    const collect = async () => {
      const { b, size, answer } = sent.shift()!;
      const r = await answer;
      lossSum += r.loss * size;
      correct += r.correct;
      seen += size;
      opts.onBatchEnd?.(b, { loss: r.loss, size });
    };
    try {
      for (let e = first; e < first + epochs; e++) {
        const order = loader.order(e);
        lossSum = correct = seen = 0;
        for (let b = 0; b < batches; b++) {
          if (opts.signal?.aborted) {
            while (sent.length) await collect();
            history.stopped = 'aborted';
            return history;
          }
          const from = b * batchSize, size = Math.min(batchSize, n - from);
          const answer = this.submit(
            'fit',
            size,
            yCols,
            (dst, a, z, at) => data.copyX(order, from + a, from + z, dst.subarray(at * F)),
            (dst, a, z, at) => data.copyY(order, from + a, from + z, dst.subarray(at * yCols)),
          );
          answer.catch(() => undefined);
          sent.push({ b, size, answer });
          if (sent.length > 1) await collect();
        }
        while (sent.length) await collect();
        const logs: EpochLogs = { loss: seen ? lossSum / seen : NaN };
        if (this.loss === 'crossEntropy') logs.accuracy = seen ? correct / seen : NaN;
        history.epoch.push(e);
        history.history.loss.push(logs.loss);
        if (logs.accuracy !== undefined) history.history.accuracy.push(logs.accuracy);
        opts.onEpochEnd?.(e, logs);
      }
    } catch (err) {
      // The step sent ahead still runs on the replicas; let it finish before reporting.
      await Promise.allSettled(sent.map((t) => t.answer));
      throw err;
    }
    return history;
  }

  /** The trained weights (replica 0's; all replicas are identical). */
  async stateDict(): Promise<StateDict> {
    return (await this.states(1))[0].state;
  }

  /** The optimizer's state, to resume training later (pass it as `optimizerState`). */
  async optimizerState(): Promise<OptimizerState> {
    return (await this.states(1))[0].optimizerState;
  }

  /** Every replica's weights (diagnostics: they should be bitwise identical). */
  async replicaStateDicts(): Promise<StateDict[]> {
    return (await this.states(this.workers)).map((s) => s.state);
  }

  private states(count: number): Promise<{ state: StateDict; optimizerState: OptimizerState }[]> {
    return this.enqueue('stateDict', async () => {
      // A shared-transport replica reads messages only when it has no step to run.
      if (this.transport === 'shared') await this.drain();
      const id = this.nextId++;
      const answers = this.request<{ state: StateDict; optimizerState: OptimizerState }>(id, count);
      for (let i = 0; i < count; i++) this.post(i, { type: 'state', id });
      const m = await answers;
      return [...Array(count).keys()].map((i) => m.get(i)!);
    });
  }

  /**
   * Where each replica's time went since the last reset: per-step means in milliseconds of compute
   * (forward + backward on its shard), exchange (publishing its gradient and waiting for all
   * others, so it includes waiting for a slower replica), reduce (summing the gradients) and
   * update (the optimizer step). For tuning and for choosing a transport.
   */
  timings(opts: { reset?: boolean } = {}): Promise<StepTimings[]> {
    return this.enqueue('timings', async () => {
      if (this.transport === 'shared') await this.drain();
      const id = this.nextId++;
      const answers = this.request<{ timings: StepTimings }>(id, this.workers);
      for (let i = 0; i < this.workers; i++) this.post(i, { type: 'timings', id, reset: !!opts.reset });
      const m = await answers;
      return [...Array(this.workers).keys()].map((i) => {
        const t = m.get(i)!.timings;
        const n = Math.max(t.steps, 1);
        return { steps: t.steps, compute: t.compute / n, exchange: t.exchange / n, publish: t.publish / n, reduce: t.reduce / n, update: t.update / n };
      });
    });
  }

  /** Stops the workers (after any running step). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    await this.drain();
    if (this.closed) return;
    this.closed = true;
    for (const r of this.requests.values()) r.pending.reject(new KnobsError(`${OP}: closed`));
    this.requests.clear();
    // Steps sent after the drain (fit() keeps sending) would otherwise wait forever on workers
    // that are about to be terminated.
    for (const s of this.inflight.values()) {
      s.pending.reject(new KnobsError(`${OP}.${s.op}: the trainer is closed`));
      s.notify?.();
    }
    if (this.ctrl) Atomics.notify(this.ctrl, CTRL.DONE);
    await this.shutdown();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
