/**
 * What the main thread and the data-parallel replicas agree on: the messages, the layout of the
 * shared control words, and how a batch is cut into shards. Both sides import this file, so the
 * shard boundaries and the order in which gradients are summed can never disagree.
 */
import type { ModelSpec } from '../nn/spec.js';
import type { StateDict } from '../nn/module.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { OptimizerSpec } from '../optim/create.js';

export type ParallelLoss = 'crossEntropy' | 'mse';
export type Transport = 'shared' | 'message';

/**
 * Int32 words of the shared control block (shared transport). Steps are numbered from 1; step g
 * uses parity slot g % 2 for its inputs, sizes, abort flag, statuses and results, so the main
 * thread can post step g + 1 while step g runs (it reuses a slot only after reading step g − 1's).
 */
export const CTRL = {
  /** The last step posted by the main thread. */
  GEN: 0,
  /** Replicas that finished a step, cumulative: after step g it is g × workers. */
  DONE: 1,
  /** Set by the main thread when it gives up on the workers: everyone waiting gives up. */
  STOP: 2,
  /** Barrier arrivals, cumulative: step g's exchange is complete at g × workers. */
  BAR_COUNT: 3,
  /** [parity]: rows of the step's batch. */
  ROWS: 4,
  /** [parity]: columns of its targets (1: class labels). */
  Y_COLS: 6,
  /** [parity]: g when a replica failed step g before the exchange (the others then drop it too). */
  ABORT: 8,
  /** [parity × workers + replica]: 0 ok, 1 failed, 2 dropped because a peer failed. */
  STATUS: 10,
} as const;
export const STATUS_OK = 0, STATUS_FAILED = 1, STATUS_ABORTED = 2;
export const ctrlWords = (workers: number): number => CTRL.STATUS + 2 * workers;

/** The shared buffers of the shared transport. Inputs may be replaced by larger ones (grow). */
export interface SharedBuffers {
  ctrl: SharedArrayBuffer;
  /** 2 × workers × nParams float32: replica i writes step g's shard gradient into slot (g % 2) × workers + i. */
  grads: SharedArrayBuffer;
  /** [parity × workers + replica]: [shard loss sum, correct predictions] as float64. */
  results: SharedArrayBuffer;
  /** Batch inputs and targets, one buffer per parity. */
  x: [SharedArrayBuffer, SharedArrayBuffer];
  y: [SharedArrayBuffer, SharedArrayBuffer];
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
  /** Scripts each worker imports before building the model: they nn.register user modules. */
  modules: string[];
  /** Shared transport: one sample's shape, when known at start (else it comes with 'buffers'). */
  sampleShape: number[] | null;
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
  /** One sample's shape: x holds rows × its size values. */
  sampleShape: number[];
  x: Float32Array;
  y: Float32Array;
}

export type MainToWorker =
  | InitMessage
  | StepMessage
  | { type: 'buffers'; id: number; x: [SharedArrayBuffer, SharedArrayBuffer]; y: [SharedArrayBuffer, SharedArrayBuffer]; sampleShape: number[] }
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
