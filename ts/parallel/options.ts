/**
 * DataParallel's options and what create() checks on this thread before any worker starts: the
 * options themselves, and the model (spec, weights, optimizer) tried once here, so a mistake is one
 * clear error from create() rather than N from the workers.
 */
import { checkOptions as checkKeys, optionKeys } from '../options.js';
import type { SimdChoice } from '../backend/simd.js';
import type { WasmSource } from '../backend/load-wasm.js';
import { KnobsError, ShapeError } from '../errors.js';
import { Module, type AnyModule, type StateDict } from '../nn/module.js';
import { fromSpec, toSpec, validateSpec, type ModelSpec, type ModelSpecV1 } from '../nn/spec.js';
import { createOptimizer, type OptimizerSpec } from '../optim/create.js';
import type { OptimizerState } from '../optim/optimizer.js';
import { sharedAvailable } from './main-transport.js';
import type { ParallelLoss, Transport } from './protocol.js';

const OP = 'DataParallel';

export interface DataParallelOptions {
  /** The model: its JSON spec (toSpec) — or any registered module, whose spec and weights are taken. */
  spec: ModelSpec | ModelSpecV1 | AnyModule;
  /**
   * One sample's shape (e.g. [784]). Optional: it is otherwise taken from the data — step()'s
   * `shape`, or fit()'s x given as { data, shape } — and is fixed from the first batch on.
   */
  inputShape?: number[];
  /**
   * Scripts (URLs) each replica imports before building the model: where user modules call
   * nn.register. Not needed for knobs' own layers.
   */
  modules?: (string | URL)[];
  /** Starting weights. Default: the spec's initialisation, drawn on this thread from the global seed stream. */
  state?: StateDict;
  /** Number of replicas (worker threads). Default 2. */
  workers?: number;
  optimizer: OptimizerSpec;
  /** Optimizer state to resume from. */
  optimizerState?: OptimizerState;
  /** Default 'crossEntropy' (the model outputs logits; targets are class labels or rows). */
  loss?: ParallelLoss;
  /**
   * How gradients travel between replicas. 'message' (default): postMessage with transferred
   * buffers, replica to replica over MessageChannels; works everywhere. 'shared': one
   * SharedArrayBuffer slot per replica and an Atomics barrier; needs SharedArrayBuffer, which a
   * browser only gives a cross-origin isolated page (Cross-Origin-Opener-Policy: same-origin and
   * Cross-Origin-Embedder-Policy: require-corp). Measured on a 2-core machine (784-512-10, batch
   * 32–512, 2 workers) 'shared' was not faster, so it is not the default.
   */
  transport?: Transport;
  /** The wasm core for the replicas (compiled once here and shared). Default: a packaged build, see `simd`. */
  wasm?: WasmSource;
  /**
   * Which packaged build the replicas run (as init's `simd`). Default: the one this thread
   * already runs (so results match training here), else 'simd128'. Ignored when `wasm` is given.
   */
  simd?: SimdChoice;
  /** The replica worker script. Default: parallel/worker.js next to this module (worker.ts from sources). */
  workerUrl?: string | URL;
  /** Rows the shared input buffers hold at first (they grow when a bigger batch comes). Default 256. */
  maxBatch?: number;
  /** How long the workers may take to start. Default 30 000 ms. */
  startTimeoutMs?: number;
}

export interface FitOptions {
  epochs: number;
  /** Default 32. */
  batchSize?: number;
  /** Default true: a new order every epoch, the same as DataLoader's for the same seed. */
  shuffle?: boolean;
  /** Default 0. */
  seed?: number;
  dropLast?: boolean;
  /** Epoch number of the first epoch (selects its shuffle order when resuming). Default 0. */
  initialEpoch?: number;
  onBatchEnd?: (batch: number, logs: { loss: number; size: number }) => void;
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void;
  /** Stops between batches; fit then resolves with the epochs completed and stopped: 'aborted'. */
  signal?: AbortSignal;
}

export interface EpochLogs {
  /** Mean loss over the epoch's samples. */
  loss: number;
  /** Classification accuracy (crossEntropy only). */
  accuracy?: number;
}

export interface CheckedOptions {
  workers: number;
  loss: ParallelLoss;
  transport: Transport;
  /** One sample's shape when given (inputShape), else null until the first batch. */
  sample: number[] | null;
  modules: string[];
  maxBatch: number;
}

const CREATE_KEYS = optionKeys<DataParallelOptions>()('spec', 'inputShape', 'modules', 'state', 'workers', 'optimizer', 'optimizerState', 'loss', 'transport', 'wasm', 'simd', 'workerUrl', 'maxBatch', 'startTimeoutMs');

export function checkOptions(opts: DataParallelOptions): CheckedOptions {
  if (!opts || typeof opts !== 'object') throw new KnobsError(`${OP}.create: options { spec, optimizer } are required`);
  checkKeys(`${OP}.create`, opts, CREATE_KEYS);
  const workers = opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new KnobsError(`${OP}.create: workers must be an integer in [1, 256], got ${workers}`);
  const loss = opts.loss ?? 'crossEntropy';
  if (loss !== 'crossEntropy' && loss !== 'mse') throw new KnobsError(`${OP}.create: loss must be 'crossEntropy' or 'mse', got ${JSON.stringify(loss)}`);
  const transport = opts.transport ?? 'message';
  if (transport !== 'shared' && transport !== 'message') throw new KnobsError(`${OP}.create: transport must be 'message' or 'shared', got ${JSON.stringify(transport)}`);
  if (transport === 'shared' && !sharedAvailable()) {
    throw new KnobsError(`${OP}.create: transport 'shared' needs SharedArrayBuffer and Atomics.waitAsync; in a browser the page must be cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp), or use transport 'message'`);
  }
  const sample = opts.inputShape === undefined ? null : [...opts.inputShape];
  if (sample && (!Array.isArray(opts.inputShape) || sample.some((d) => !Number.isInteger(d) || d < 1))) {
    throw new ShapeError(`${OP}.create: inputShape must be an array of positive integers (one sample's shape), got ${JSON.stringify(opts.inputShape)}`);
  }
  const modules = (opts.modules ?? []).map((u) => String(u));
  const maxBatch = opts.maxBatch ?? 256;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new KnobsError(`${OP}.create: maxBatch must be a positive integer, got ${opts.maxBatch}`);
  return { workers, loss, transport, sample, modules, maxBatch };
}

/** The spec and starting weights the replicas get, and the model's size; throws what a replica would. */
export function prepareModel(opts: DataParallelOptions): { spec: ModelSpec; state: StateDict; nParams: number } {
  let spec: ModelSpec;
  let state = opts.state;
  if (opts.spec instanceof Module) {
    spec = toSpec(opts.spec);
    state ??= opts.spec.stateDict();
  } else {
    spec = validateSpec(opts.spec);
  }
  const probe = fromSpec(spec);
  let nParams: number;
  try {
    if (state) probe.loadStateDict(state);
    else state = probe.stateDict();
    nParams = probe.nParameters;
    if (nParams === 0) throw new KnobsError(`${OP}.create: the model has no parameters, so nothing to train`);
    let opt;
    try {
      opt = createOptimizer(probe.parameters(), opts.optimizer, 'trainInWorker');
      if (opts.optimizerState) opt.loadStateDict(opts.optimizerState);
    } catch (e) {
      throw new KnobsError(`${OP}.create: ${(e as Error).message.replace(/^trainInWorker: /, '')}`);
    } finally {
      opt?.dispose();
    }
  } finally {
    probe.dispose();
  }
  return { spec, state, nParams };
}
