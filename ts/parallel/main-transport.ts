/**
 * The main thread's side of the two transports (replica.ts/exchange.ts hold the workers' side):
 * how a batch reaches the replicas and how their answers come back. 'message' cuts the batch into
 * shards and posts each replica its rows; 'shared' writes the batch into a SharedArrayBuffer slot
 * (one per step parity) and waits on an Atomics counter.
 */
import { CTRL, STATUS_OK, ctrlWords, shardOf, type MainToWorker, type SharedBuffers } from './protocol.js';

export interface StepResult {
  loss: number;
  correct: number;
}

/** One pending exchange with the workers. */
export class Pending<T> {
  readonly promise: Promise<T>;
  resolve!: (v: T) => void;
  reject!: (e: unknown) => void;
  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }
}

/** The answers of the replicas to one step. */
export interface StepCollector {
  gen: number;
  op: string;
  rows: number;
  /** Message transport: answers still expected. */
  remaining: number;
  lossSum: number;
  correct: number;
  errors: { index: number; message: string; aborted: boolean }[];
  /** Wakes whoever waits for answers (shared transport). */
  notify: (() => void) | null;
  /** Settles when all answers are in (message transport) or the trainer fails. */
  pending: Pending<StepResult>;
}

/** writeX(dst, a, b, at) copies the batch's rows [a, b) into dst starting at row `at`. */
export type RowWriter = (dst: Float32Array, a: number, b: number, at: number) => void;

/** What a transport needs from the trainer that owns the workers. */
export interface Link {
  readonly workers: number;
  post(i: number, msg: MainToWorker, transfer?: Transferable[]): void;
  request<T>(id: number, expected: number): Promise<Map<number, T>>;
  newId(): number;
  /** Set once the trainer failed (a worker died, a replica can no longer be trusted). */
  failure(): Error | null;
  closed(): boolean;
  /** Keep the workers referenced (a Node process stays alive) while a step runs. */
  hold(): void;
  release(): void;
  inflight(gen: number): StepCollector | undefined;
  forget(gen: number): void;
  /** Until every step before `before` has been answered. */
  drain(before: number): Promise<void>;
  /** Resolves or rejects the step from the answers collected. */
  settle(s: StepCollector): void;
}

export interface MainTransport {
  /** Sends a step; resolves once it is sent, with the promise of its answers (wrapped: a bare promise would be awaited). */
  send(s: StepCollector, rows: number, yCols: number, sample: readonly number[], writeX: RowWriter, writeY: RowWriter): Promise<{ answered: Promise<StepResult> }>;
  /** The control block to notify (shared transport only). */
  readonly ctrl: Int32Array | null;
}

interface AtomicsWaitAsync {
  waitAsync(ta: Int32Array, index: number, value: number, timeout?: number): { async: false; value: string } | { async: true; value: Promise<string> };
}
const waitAsync = (Atomics as unknown as Partial<AtomicsWaitAsync>).waitAsync;

export function sharedAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof waitAsync !== 'function') return false;
  // Browsers expose SharedArrayBuffer only on cross-origin isolated pages; Node always.
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Posts each replica its own rows; the step's answers arrive as messages (see DataParallel.onMessage). */
export class MessageMain implements MainTransport {
  readonly ctrl = null;
  constructor(private readonly link: Link) {}

  async send(s: StepCollector, rows: number, yCols: number, sample: readonly number[], writeX: RowWriter, writeY: RowWriter): Promise<{ answered: Promise<StepResult> }> {
    const link = this.link, F = size(sample), sampleShape = [...sample];
    link.hold();
    // All shards are cut before any is sent, so the replicas start together (a replica that
    // starts late makes the others wait at the exchange).
    const shards = Array.from({ length: link.workers }, (_, i) => {
      const { start, count } = shardOf(rows, link.workers, i);
      const x = new Float32Array(count * F), y = new Float32Array(count * yCols);
      writeX(x, start, start + count, 0);
      writeY(y, start, start + count, 0);
      return { x, y };
    });
    shards.forEach(({ x, y }, i) => link.post(i, { type: 'step', gen: s.gen, rows, yCols, sampleShape, x, y }, [x.buffer, y.buffer]));
    const answered = s.pending.promise.finally(() => {
      link.forget(s.gen);
      link.release();
    });
    return { answered };
  }
}

/** The batch in shared memory, two slots by step parity; answers through the control block. */
export class SharedMain implements MainTransport {
  readonly ctrl: Int32Array;
  private readonly results: Float64Array;
  private xViews: Float32Array[];
  private yViews: Float32Array[];
  private capacity: { rows: number; xCols: number; yCols: number };

  /** The buffers a trainer of `workers` replicas starts with (inputs may grow later). */
  static buffers(workers: number, nParams: number, maxBatch: number, xCols: number): SharedBuffers {
    const yCols = 1;
    return {
      ctrl: new SharedArrayBuffer(ctrlWords(workers) * 4),
      grads: new SharedArrayBuffer(2 * workers * nParams * 4),
      results: new SharedArrayBuffer(2 * workers * 2 * 8),
      x: [new SharedArrayBuffer(maxBatch * xCols * 4), new SharedArrayBuffer(maxBatch * xCols * 4)],
      y: [new SharedArrayBuffer(maxBatch * yCols * 4), new SharedArrayBuffer(maxBatch * yCols * 4)],
    };
  }

  constructor(private readonly link: Link, shared: SharedBuffers, maxBatch: number, xCols: number) {
    this.ctrl = new Int32Array(shared.ctrl);
    this.results = new Float64Array(shared.results);
    this.xViews = shared.x.map((b) => new Float32Array(b));
    this.yViews = shared.y.map((b) => new Float32Array(b));
    this.capacity = { rows: maxBatch, xCols, yCols: 1 };
  }

  /** Writes the batch into its parity slot and posts the step. */
  async send(s: StepCollector, rows: number, yCols: number, sample: readonly number[], writeX: RowWriter, writeY: RowWriter): Promise<{ answered: Promise<StepResult> }> {
    const link = this.link, ctrl = this.ctrl, g = s.gen, par = g & 1;
    // This slot was last used by step g − 2: its answers must have been read first.
    await link.inflight(g - 2)?.pending.promise.catch(() => undefined);
    const xCols = size(sample), cap = this.capacity;
    if (rows > cap.rows || xCols > cap.xCols || yCols > cap.yCols) {
      await link.drain(g);
      await this.grow(Math.max(rows, cap.rows), xCols, Math.max(yCols, cap.yCols), sample);
    }
    const failed = link.failure();
    if (failed) throw failed;
    writeX(this.xViews[par], 0, rows, 0);
    writeY(this.yViews[par], 0, rows, 0);
    Atomics.store(ctrl, CTRL.ROWS + par, rows);
    Atomics.store(ctrl, CTRL.Y_COLS + par, yCols);
    Atomics.store(ctrl, CTRL.GEN, g);
    Atomics.notify(ctrl, CTRL.GEN);
    link.hold();
    const answered = this.answers(s, par).finally(() => {
      link.forget(g);
      link.release();
    });
    return { answered };
  }

  private async answers(s: StepCollector, par: number): Promise<StepResult> {
    const link = this.link, ctrl = this.ctrl, N = link.workers, target = s.gen * N;
    for (;;) {
      const failed = link.failure();
      if (failed) throw failed;
      if (link.closed()) return s.pending.promise;
      const done = Atomics.load(ctrl, CTRL.DONE);
      if (done >= target) break;
      // The timeout only bounds how long a lost wake-up could stall; fail() and close() also notify.
      const w = waitAsync!(ctrl, CTRL.DONE, done, 1000);
      if (w.async) await w.value;
    }
    const res = this.results;
    let notOk = 0;
    for (let i = 0; i < N; i++) {
      if (Atomics.load(ctrl, CTRL.STATUS + par * N + i) !== STATUS_OK) notOk++;
      s.lossSum += res[2 * (par * N + i)];
      s.correct += res[2 * (par * N + i) + 1];
    }
    // A replica that failed (or dropped the step because a peer failed) posted its error before
    // it counted itself done; the messages may still be on their way.
    if (notOk > 0) await this.waitFor(s, () => s.errors.length >= notOk);
    link.settle(s);
    return s.pending.promise;
  }

  private async waitFor(s: StepCollector, cond: () => boolean): Promise<void> {
    const link = this.link;
    while (!cond()) {
      if (link.failure()) throw link.failure();
      if (link.closed()) return;
      await new Promise<void>((r) => (s.notify = r));
      s.notify = null;
    }
    if (link.failure()) throw link.failure();
  }

  private async grow(rows: number, xCols: number, yCols: number, sample: readonly number[]): Promise<void> {
    const x: [SharedArrayBuffer, SharedArrayBuffer] = [new SharedArrayBuffer(rows * xCols * 4), new SharedArrayBuffer(rows * xCols * 4)];
    const y: [SharedArrayBuffer, SharedArrayBuffer] = [new SharedArrayBuffer(rows * yCols * 4), new SharedArrayBuffer(rows * yCols * 4)];
    const id = this.link.newId();
    const acks = this.link.request(id, this.link.workers);
    for (let i = 0; i < this.link.workers; i++) this.link.post(i, { type: 'buffers', id, x, y, sampleShape: [...sample] });
    await acks;
    this.xViews = x.map((b) => new Float32Array(b));
    this.yViews = y.map((b) => new Float32Array(b));
    this.capacity = { rows, xCols, yCols };
  }
}
