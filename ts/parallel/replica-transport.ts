/**
 * The replicas' side of the two transports (main-transport.ts holds the main thread's): how shard
 * gradients travel between replicas — slots in a SharedArrayBuffer behind an Atomics barrier, or
 * one postMessage per peer per step over MessageChannels.
 */
import { CTRL } from './protocol.js';

/** A peer failed before the exchange: this replica drops the step too (nobody updates). */
export class PeerAborted extends Error {}
/** Failed after the exchange: replicas may no longer be identical, so the trainer must stop. */
export class Fatal extends Error {}

/** How shard gradients travel between replicas. */
export interface Exchange {
  /** Makes this replica's gradient (or its failure) visible to the others. */
  publish(gen: number, grads: Float32Array[] | 'abort' | null): void;
  /** Waits until every replica has published; throws PeerAborted if one failed. */
  sync(gen: number): Promise<void> | void;
  /** Replica j's gradient, all parameters flattened in order. */
  slot(j: number): Float32Array;
  /** After the step: the slots may be reused. */
  release(): void;
}

/**
 * Shared memory: gradient slots in a SharedArrayBuffer (two sets by step parity, one slot per
 * replica in each), and a barrier on a cumulative arrival count (step g's exchange is complete at
 * g × workers arrivals), which needs no reset between steps. A replica that fails before the exchange still arrives, with its step's
 * abort flag set, so the count stays right and the others learn to drop the step.
 */
export class SharedExchange implements Exchange {
  private readonly grads: Float32Array;
  /** Slots come in two sets, by step parity: a replica may publish step g + 1 while a slower one still sums step g. */
  private parity = 0;
  constructor(private readonly ctrl: Int32Array, gradsBuf: SharedArrayBuffer, private readonly index: number, private readonly workers: number, private readonly nParams: number) {
    this.grads = new Float32Array(gradsBuf);
  }
  publish(gen: number, grads: Float32Array[] | 'abort' | null): void {
    if (grads === 'abort') {
      Atomics.store(this.ctrl, CTRL.ABORT + (gen & 1), gen);
      this.arrive(gen);
      return;
    }
    if (!grads) return;
    this.parity = gen & 1;
    let o = (this.parity * this.workers + this.index) * this.nParams;
    for (const g of grads) {
      this.grads.set(g, o);
      o += g.length;
    }
  }
  private arrive(gen: number): void {
    if (Atomics.add(this.ctrl, CTRL.BAR_COUNT, 1) + 1 === gen * this.workers) Atomics.notify(this.ctrl, CTRL.BAR_COUNT);
  }
  sync(gen: number): void {
    const c = this.ctrl, target = gen * this.workers;
    this.arrive(gen);
    // Spin first: a sleeping thread takes tens to hundreds of µs to wake (more in a VM), and the
    // core would idle anyway while the slower replica finishes. Then block; the timeout only bounds
    // how long a missed stop notification could go unseen.
    const spinUntil = performance.now() + SPIN_MS;
    for (let k = 0; ; k++) {
      const n = Atomics.load(c, CTRL.BAR_COUNT);
      if (n >= target) break;
      if (Atomics.load(c, CTRL.STOP)) throw new PeerAborted('the trainer stopped');
      if ((k & 63) !== 0 || performance.now() < spinUntil) continue;
      Atomics.wait(c, CTRL.BAR_COUNT, n, 100);
    }
    if (Atomics.load(c, CTRL.ABORT + (gen & 1)) === gen) throw new PeerAborted('a peer failed');
    this.parity = gen & 1;
  }
  slot(j: number): Float32Array {
    const o = (this.parity * this.workers + j) * this.nParams;
    return this.grads.subarray(o, o + this.nParams);
  }
  release(): void {}
}

/** How long a replica spins at the barrier before it sleeps (ms). */
const SPIN_MS = 2;

type PeerMessage = { gen: number; grad: Float32Array | null; abort: boolean };

/**
 * postMessage: every replica sends every other replica exactly one message per step (its gradient,
 * null for an empty shard, or an abort), so the per-peer queues stay aligned with the steps.
 * Buffers are transferred, and received ones are reused for the next send (no allocation per step).
 */
export class MessageExchange implements Exchange {
  private readonly queues: PeerMessage[][];
  private readonly received: (Float32Array | null)[];
  private wake: (() => void) | null = null;
  private readonly spare: Float32Array[] = [];
  constructor(private readonly peers: (MessagePort | null)[], private readonly index: number, private readonly nParams: number) {
    this.queues = peers.map(() => []);
    this.received = peers.map(() => null);
    peers.forEach((port, j) => {
      if (!port) return;
      // Node's and the browser's MessagePort both deliver a MessageEvent to onmessage (and start).
      port.onmessage = (ev: MessageEvent<PeerMessage>) => {
        this.queues[j].push(ev.data);
        const w = this.wake;
        this.wake = null;
        w?.();
      };
    });
  }
  publish(gen: number, grads: Float32Array[] | 'abort' | null): void {
    let flat: Float32Array | null = null;
    if (grads && grads !== 'abort') {
      flat = this.spare.pop() ?? new Float32Array(this.nParams);
      let o = 0;
      for (const g of grads) {
        flat.set(g, o);
        o += g.length;
      }
    }
    const targets = this.peers.map((p, j) => (p ? j : -1)).filter((j) => j >= 0);
    targets.forEach((j, k) => {
      // The last peer gets the buffer itself; earlier ones (only with 3+ replicas) a copy.
      const grad = flat && k < targets.length - 1 ? flat.slice() : flat;
      const msg: PeerMessage = { gen, grad, abort: grads === 'abort' };
      this.peers[j]!.postMessage(msg, grad ? [grad.buffer as ArrayBuffer] : []);
    });
  }
  async sync(gen: number): Promise<void> {
    let aborted = false;
    for (let j = 0; j < this.peers.length; j++) {
      if (!this.peers[j]) continue;
      while (this.queues[j].length === 0) await new Promise<void>((r) => (this.wake = r));
      const m = this.queues[j].shift()!;
      if (m.gen !== gen) throw new Fatal(`replica ${this.index}: got step ${m.gen} from replica ${j} while in step ${gen}`);
      if (m.abort) aborted = true;
      this.received[j] = m.grad;
    }
    if (aborted) {
      this.release();
      throw new PeerAborted('a peer failed');
    }
  }
  slot(j: number): Float32Array {
    const g = this.received[j];
    if (!g) throw new Fatal(`replica ${this.index}: no gradient from replica ${j}`);
    return g;
  }
  release(): void {
    this.received.forEach((g, j) => {
      if (g && this.spare.length < 4) this.spare.push(g);
      this.received[j] = null;
    });
  }
}

