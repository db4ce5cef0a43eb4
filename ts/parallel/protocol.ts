/**
 * What the main thread and the data-parallel replicas agree on: the messages, the layout of the
 * shared control words, and how a batch is cut into shards. Both sides import this file, so the
 * shard boundaries and the order in which gradients are summed can never disagree.
 */
import type { ModelSpec } from '../nn/spec.js';
import type { StateDict } from '../nn/module.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { OptimizerSpec } from '../worker/protocol.js';

export type ParallelLoss = 'crossEntropy' | 'mse';
export type Transport = 'shared' | 'message';

/** Int32 words of the shared control block (shared transport). */
export const CTRL = {
  /** Step generation: the main thread bumps it to start a step. */
  GEN: 0,
  /** Replicas that finished a step, cumulative: after step g it is g × workers. */
  DONE: 1,
  /** Set by a replica that failed before the exchange (or by the main thread): barrier waiters give up. */
  ABORT: 2,
  BAR_COUNT: 3,
  BAR_GEN: 4,
  /** Rows in this step's batch and columns of its targets (1: class labels). */
  ROWS: 5,
  Y_COLS: 6,
  /** Per-replica status words follow: 0 ok, 1 failed, 2 aborted because a peer failed. */
  STATUS: 8,
} as const;
export const STATUS_OK = 0, STATUS_FAILED = 1, STATUS_ABORTED = 2;
export const ctrlWords = (workers: number): number => CTRL.STATUS + workers;

/** The shared buffers of the shared transport. Inputs may be replaced by larger ones (grow). */
export interface SharedBuffers {
  ctrl: SharedArrayBuffer;
  /** workers × nParams float32: replica i writes its shard gradient into slot i. */
  grads: SharedArrayBuffer;
  /** Per replica: [shard loss sum, correct predictions] as float64. */
  results: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
}

export interface InitMessage {
  type: 'init';
  index: number;
  workers: number;
  spec: ModelSpec;
  state: StateDict;
  optimizer: OptimizerSpec;
  optimizerState?: OptimizerState;
  loss: ParallelLoss;
  transport: Transport;
  /** The compiled core, shared so N workers do not each fetch and compile it. */
  wasm: WebAssembly.Module;
  shared?: SharedBuffers;
  /** Message transport: a port to every other replica (null at the replica's own index). */
  peers?: (MessagePort | null)[];
}

/** Message transport: the main thread sends each replica its own rows. */
export interface StepMessage {
  type: 'step';
  gen: number;
  rows: number;
  yCols: number;
  x: Float32Array;
  y: Float32Array;
}

export type MainToWorker =
  | InitMessage
  | StepMessage
  | { type: 'buffers'; id: number; x: SharedArrayBuffer; y: SharedArrayBuffer }
  | { type: 'state'; id: number }
  | { type: 'timings'; id: number; reset: boolean };

export type WorkerToMain =
  | { type: 'ready'; index: number; nParams: number }
  | { type: 'ack'; id: number }
  | { type: 'done'; gen: number; lossSum: number; correct: number }
  | { type: 'stepError'; gen: number; message: string; aborted: boolean }
  | { type: 'state'; id: number; state: StateDict; optimizerState: OptimizerState }
  | { type: 'timings'; id: number; timings: StepTimings }
  | { type: 'fatal'; message: string };

/** Where a replica's time went, summed over `steps` successful steps (milliseconds). */
export interface StepTimings {
  steps: number;
  /** Copying its rows in, forward, loss, backward. */
  compute: number;
  /** Publishing its gradient and waiting for everyone else's (includes waiting for slower replicas). */
  exchange: number;
  /** The publishing part of exchange: copying the gradient out (and posting it, for 'message'). */
  publish: number;
  /** Summing the shard gradients. */
  reduce: number;
  /** The optimizer step. */
  update: number;
}

/** Replica i's rows [start, start + count) of a batch of `rows`: the first rows % workers get one more. */
export function shardOf(rows: number, workers: number, i: number): { start: number; count: number } {
  const base = Math.floor(rows / workers), extra = rows % workers;
  return { start: i * base + Math.min(i, extra), count: base + (i < extra ? 1 : 0) };
}

/**
 * The replicas whose shard is not empty, in index order. Every replica sums their gradients in this
 * order, ((g0 + g1) + g2) + …, so all replicas get bitwise the same sum and stay identical.
 */
export function contributors(rows: number, workers: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < workers; i++) if (shardOf(rows, workers, i).count > 0) out.push(i);
  return out;
}
