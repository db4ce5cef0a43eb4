/**
 * What crosses between the page (or Node main thread) and the training worker. Everything here is
 * structured-cloneable: a model is its JSON spec plus a StateDict, an optimizer is its name plus
 * hyperparameters, data are Float32Arrays (transferred) or URLs the worker fetches itself.
 */
import type { ArrayData } from '../data/dataset.js';
import type { ModelSpec } from '../nn/spec.js';
import type { JsonValue } from '../nn/config.js';
import type { StateDict } from '../nn/module.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { History, Logs } from '../train/callbacks.js';
import type { MetricName } from '../train/metrics.js';

/** An optimizer by name: the worker builds it over the model's parameters. */
export type { OptimizerSpec } from '../optim/create.js';
import type { OptimizerSpec } from '../optim/create.js';

/** Inputs and targets in memory, samples along axis 0 (as TensorDataset takes them). */
export interface ArrayPair {
  x: ArrayData;
  y: ArrayData;
}

/**
 * A pair of IDX files (MNIST's format, optionally gzipped) that the worker fetches and parses
 * itself, so the pixels never pass through the page's main thread. Images become rows in [0, 1];
 * labels become one-hot rows of `classes` columns (default 10).
 */
export interface IdxSource {
  images: string | URL;
  labels: string | URL;
  /** Use only the first `limit` samples (the book trains on the first 1000). */
  limit?: number;
  classes?: number;
  /** Shape of one sample, e.g. [1, 28, 28] for a Conv2d model. Default: flat rows ([784]). */
  sampleShape?: number[];
}

export type TrainData = ArrayPair | IdxSource;

/** The part of the training options that crosses to the worker as is. */
export interface WorkerTrainConfig {
  epochs: number;
  optimizer: OptimizerSpec;
  /** Default 'crossEntropy' (the model outputs logits). Functions cannot cross to a worker. */
  loss?: 'crossEntropy' | 'mse';
  /** Default ['accuracy'] for crossEntropy, [] for mse. */
  metrics?: MetricName[];
  batchSize?: number;
  /** Default true. */
  shuffle?: boolean;
  dropLast?: boolean;
  /**
   * One seed for the worker's randomness (default 0): the global stream that initialises layers
   * without their own seed (so `manualSeed(seed); fromSpec(spec)` on the main thread builds the
   * same model), and the DataLoader's shuffle order. Dropout layers keep their spec seed.
   */
  seed?: number;
  /** Evaluated after every epoch (logged as val_loss, val_accuracy), or the last `split` of the data. */
  validation?: TrainData | { split: number };
  /** Starting weights; default: the spec's initialisation. */
  weights?: StateDict;
  /**
   * Scripts (URLs) the worker imports before building the model: where user modules call
   * nn.register. Not needed for knobs' own layers.
   */
  modules?: (string | URL)[];
  /** Extra state to resume from (a previous result's `extraState`); default: the model's, when a module is given. */
  extraState?: Record<string, JsonValue>;
  /** Optimizer state to resume from (a previous result's `optimizerState`). */
  optimizerState?: OptimizerState;
  /** Epoch to start at when resuming (selects the shuffle order and the epoch numbers). */
  initialEpoch?: number;
  /** Send a batch progress event at most this often (ms); 0: after every batch. Default 100. */
  progressEveryMs?: number;
  /** Attach a copy of the weights to progress events at most this often (ms). Default: never. */
  weightsEveryMs?: number;
  /**
   * Inputs the worker runs the model on (eval mode, no graph) and reports with progress events
   * and the result, so a page can show live predictions without any model work on its own
   * thread. Reported at most every `everyMs` (default: weightsEveryMs, else 250) and after
   * every epoch. Copied to the worker (never transferred).
   */
  probe?: ProbeConfig;
  /** How often (ms) the worker lets its event loop run, which is when it can see a cancel. Default 16. */
  yieldEveryMs?: number;
  /**
   * The wasm core for the worker: a URL, or a WebAssembly.Module already compiled on the calling
   * thread (modules can be posted to workers, which then skip the fetch and the compile).
   * Default: the file shipped next to the library.
   */
  wasm?: string | WebAssembly.Module;
  /**
   * The worker's own wasm thread pool, as init()'s `threads` (default 1): with 'auto' or n > 1
   * the training worker starts n − 1 workers of its own that take parts of its matmuls. Needs
   * SharedArrayBuffer (Node; cross-origin isolated pages). Not with `wasm`. A worker reused for
   * another training keeps the pool its first training started.
   */
  threads?: number | 'auto';
}

export interface ProbeConfig {
  x: ArrayData;
  everyMs?: number;
  /**
   * Submodules (paths as in namedModules / the state dict: '0', 'features.conv1') whose outputs
   * are reported too, as `probeOutputs` — feature maps, hidden activations.
   */
  outputs?: string[];
  /** Report those outputs for the first `outputRows` rows of x only (default: all). */
  outputRows?: number;
}

/** A progress report from the worker. */
export interface TrainProgress {
  /** 'batch': throttled by progressEveryMs; 'epoch': after every completed epoch. */
  type: 'batch' | 'epoch';
  /** Epoch number (counting from initialEpoch) and how many this run trains. */
  epoch: number;
  epochs: number;
  /** Batches done in this epoch, out of `batches`. */
  batch: number;
  batches: number;
  /** Optimizer steps taken in this run. */
  step: number;
  /**
   * 'batch': mean loss (and accuracy) over the samples since the previous batch event.
   * 'epoch': the epoch's logs, with val_loss / val_accuracy when there is validation.
   */
  logs: Logs;
  /** Milliseconds since training started in the worker. */
  elapsedMs: number;
  /** A copy of the weights, when weightsEveryMs asked for it. */
  weights?: StateDict;
  /** The model's outputs on `probe.x` with the weights of this moment, when a probe is set. */
  probe?: ArrayData;
  /** With `probe.outputs`: each named submodule's output on the probe rows, at the same moment. */
  probeOutputs?: Record<string, ArrayData>;
}

export interface TrainResult {
  /** The trained weights (their buffers were transferred out of the worker, not copied). */
  weights: StateDict;
  /** The optimizer's state, to resume training (pass it back as `optimizerState`). */
  optimizerState: OptimizerState;
  history: History;
  /** True when training stopped early because the AbortSignal fired. */
  aborted: boolean;
  /** Optimizer steps taken. */
  steps: number;
  /** wasm threads the worker's matmuls ran on (its `threads` pool; 1 without one). */
  threads: number;
  /** The model's outputs on `probe.x` with the final weights, when a probe is set. */
  probe?: ArrayData;
  probeOutputs?: Record<string, ArrayData>;
  /** Every module's extra state (Dropout stream positions), to resume exactly (pass it back as `extraState`). */
  extraState: Record<string, JsonValue>;
}

/** What the worker's train() receives. */
export interface TrainRequest {
  spec: ModelSpec;
  data: TrainData;
  config: WorkerTrainConfig;
}

/** A model (spec + weights) run once on x in the worker: predictInWorker. */
export interface PredictRequest {
  spec: ModelSpec;
  weights: StateDict;
  extraState?: Record<string, JsonValue>;
  x: ArrayData;
  /** Submodules whose outputs to return too (as ProbeConfig.outputs), for the first `outputRows` rows. */
  outputs?: string[];
  outputRows?: number;
  wasm?: string | WebAssembly.Module;
}

export interface PredictResult {
  /** The model's outputs [n, ...]. */
  y: ArrayData;
  outputs: Record<string, ArrayData>;
}

/** A model (spec + weights) serialised by saveModel in the worker: saveModelInWorker. */
export interface SaveRequest {
  spec: ModelSpec;
  weights: StateDict;
  extraState?: Record<string, JsonValue>;
  metadata?: Record<string, unknown>;
  wasm?: string | WebAssembly.Module;
}

/** The object the worker exposes through Comlink. */
export interface TrainWorkerApi {
  /** Answers once the worker is listening (the main side waits for it before sending data). */
  ping(): string;
  train(request: TrainRequest, onProgress: ((p: TrainProgress) => void) | null): Promise<TrainResult>;
  /** Stops the running training between batches; train() then resolves with aborted: true. */
  cancel(): void;
  /** Runs a model once; answered between the batches of a training running in the same worker. */
  predict(request: PredictRequest): Promise<PredictResult>;
  /** saveModel's { weights, json } for a model given as spec + weights. */
  save(request: SaveRequest): Promise<{ weights: Uint8Array; json: string }>;
}

/** ping()'s answer: tells a knobs training worker from some other script given as workerUrl. */
export const WORKER_HELLO = 'knobs-train-worker/1';
