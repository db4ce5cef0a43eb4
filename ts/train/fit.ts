/**
 * fit / evaluate / predict: the predict → compare → learn loop over minibatches, with Keras'
 * vocabulary (epochs, callbacks, History, validation) and PyTorch's objects (Module, Optimizer).
 * Every step runs inside tidy(), so wasm memory is the same after step 1000 as after step 1.
 */
import { noGrad } from '../autograd.js';
import { heap } from '../backend/wasm.js';
import { DataLoader, TensorDataset, type Batch } from '../data/dataset.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { keep, tidy, track } from '../scope.js';
import { Tensor, empty, shapeSize } from '../tensor.js';
import type { Callback, History, Logs, StopReason, TrainContext } from './callbacks.js';
import { checkMetrics, countCorrect, resolveLoss, type LossFn, type LossLike, type Metric, type MetricLike } from './metrics.js';
import { createProgress, type Verbose } from './progress.js';
import { yieldToEventLoop } from './yield.js';
import { CompiledStep } from '../compile/step.js';
import { FitSteps } from './fit-steps.js';
import { CompiledForward } from '../compile/forward.js';
import { checkOptions, optionKeys } from '../options.js';
import { ReportCallback } from './report.js';

const FIT_KEYS = optionKeys<FitOptions>()('epochs', 'optimizer', 'loss', 'metrics', 'validation', 'callbacks', 'signal', 'verbose', 'initialEpoch', 'yieldEveryMs', 'compile', 'report');
const EVALUATE_KEYS = optionKeys<EvaluateOptions>()('loss', 'metrics');

export interface FitOptions {
  epochs: number;
  optimizer: Optimizer;
  /** Default 'crossEntropy' (the model outputs logits). */
  loss?: LossLike;
  /**
   * Metrics besides the loss, per epoch: 'accuracy', 'precision', 'recall', 'f1' (macro-averaged),
   * 'mae', 'mse', 'r2', or Metric objects (metrics.f1({ average: 'weighted' }), metrics.topKAccuracy({ k: 5 })).
   */
  metrics?: readonly MetricLike[];
  /** A loader evaluated after every epoch (logged as val_*), or the last `split` of the training data. */
  validation?: DataLoader | { split: number };
  callbacks?: Callback | readonly Callback[];
  /** Aborting ends training between batches; fit then resolves with history.stopped = 'aborted'. */
  signal?: AbortSignal;
  /** 'auto' (default): a progress bar on a terminal, silent otherwise; true: also plain lines; false: silent. */
  verbose?: Verbose;
  /** Epoch to start at (when resuming): selects the loader's shuffle order and the epoch numbers. */
  initialEpoch?: number;
  /** Let the event loop run at least this often (ms) so aborts and UIs are not starved. Default 16. */
  yieldEveryMs?: number;
  /**
   * Run the training steps through compileStep: after two traced batches, each batch of the
   * traced shape is one wasm call, with the eager step's results bit for bit. A step it cannot
   * replay stays eager (README "Compiled steps"). 'auto' (default): only models of at most
   * AUTO_COMPILE_MAX_PARAMS parameters; true: always try; false: always eager.
   */
  compile?: CompileChoice;
  /**
   * Node: a path ('runs/x.html') where a self-contained HTML report of the curves (inline SVG, no
   * network needed) is written after every epoch and at the end.
   */
  report?: string;
}

export interface EvaluateOptions {
  loss?: LossLike;
  /** Default: ['accuracy'] with the default 'crossEntropy' loss, none otherwise. */
  metrics?: readonly MetricLike[];
}

function isPromise(v: unknown): v is Promise<unknown> {
  return !!v && typeof (v as { then?: unknown }).then === 'function';
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Runs one loss computation on a batch under the current grad mode; returns plain numbers. */
function batchStats(model: Module, lossFn: LossFn, x: Tensor, y: Tensor, metrics: readonly Metric[], wantAcc: boolean, learn: Optimizer | null): { loss: number; correct: number } {
  return tidy(() => {
    const pred = model.forward(x);
    const loss = lossFn(pred, y);
    if (!(loss instanceof Tensor) || loss.size !== 1) {
      throw new KnobsError(`fit: the loss must return a one-element tensor, got ${loss instanceof Tensor ? fmtShape(loss.shape) : typeof loss}`);
    }
    if (learn) {
      learn.zeroGrad();
      loss.backward();
      learn.step();
    }
    const value = loss.item();
    if (!Number.isFinite(value)) throw new KnobsError(`fit: the loss is ${value}; lower the learning rate or check the data`);
    for (const m of metrics) m.update(pred, y);
    return { loss: value, correct: wantAcc ? countCorrect(pred, y) : 0 };
  });
}

export type CompileChoice = boolean | 'auto';

/**
 * compile: 'auto' (fit's and predict's default) compiles models up to this many parameters.
 * Compiling removes per-op JS overhead (~0.25 µs an op), which is most of a tiny net's step:
 * compiled steps ran 3.4–3.9× the eager ones on the XOR and streetlight nets (bench, tiny rows).
 * At 784-40-10 (31,810 parameters, batch 100) the kernels are the step: compiled = eager (1.00×),
 * and tracing costs 20–35 ms per fit() call, so there 'auto' stays eager.
 */
export const AUTO_COMPILE_MAX_PARAMS = 10_000;

function wantsCompile(op: string, model: Module, choice: CompileChoice | undefined): boolean {
  if (choice !== undefined && typeof choice !== 'boolean' && choice !== 'auto') throw new KnobsError(`${op}: compile must be true, false or 'auto', got ${JSON.stringify(choice)}`);
  if (choice === undefined || choice === 'auto') return model.parameters().reduce((a, p) => a + p.size, 0) <= AUTO_COMPILE_MAX_PARAMS;
  return choice;
}

/** One batch through the compiled step: the same numbers batchStats returns for a learning step. */
function compiledStats(step: CompiledStep, x: Tensor, y: Tensor, metrics: readonly Metric[], wantAcc: boolean): { loss: number; correct: number } {
  let correct = 0;
  const onOutput = wantAcc || metrics.length
    ? (pred: Tensor) => {
        for (const m of metrics) m.update(pred, y);
        if (wantAcc) correct = countCorrect(pred, y);
      }
    : undefined;
  const loss = step.step(x, y, onOutput);
  if (!Number.isFinite(loss)) throw new KnobsError(`fit: the loss is ${loss}; lower the learning rate or check the data`);
  return { loss, correct };
}

/** Mean loss (weighted by batch size) and accuracy of a model over a loader, in eval mode, no graph. */
export function evaluate(model: Module, loader: DataLoader, opts: EvaluateOptions = {}): Logs {
  if (!(loader instanceof DataLoader)) throw new KnobsError('evaluate: expected a DataLoader');
  checkOptions('evaluate', opts, EVALUATE_KEYS);
  const lossFn = resolveLoss('evaluate', opts.loss);
  // Accuracy by default only for the default classifier loss; for a regression it means nothing.
  const metrics = checkMetrics('evaluate', opts.metrics ?? (opts.loss === undefined || opts.loss === 'crossEntropy' ? ['accuracy'] : []));
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0, n = 0;
  for (const m of metrics) m.reset();
  try {
    noGrad(() => {
      for (const b of loader) {
        const s = batchStats(model, lossFn, b.x, b.y, metrics, false, null);
        lossSum += s.loss * b.size;
        n += b.size;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const logs: Logs = { loss: n ? lossSum / n : NaN };
  for (const m of metrics) logs[m.name] = n ? m.result() : NaN;
  return logs;
}

/**
 * Model outputs for every row of x, computed in batches (eval mode, no graph) and gathered into
 * one tensor [n, ...output]. x: a Tensor or { data: Float32Array, shape } with samples on axis 0.
 */
export function predict(model: Module, x: Tensor | { data: Float32Array; shape: readonly number[] }, opts: { batchSize?: number; compile?: CompileChoice } = {}): Tensor {
  checkOptions('predict', opts, ['batchSize', 'compile']);
  const compile = wantsCompile('predict', model, opts.compile);
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new KnobsError(`predict: batchSize must be a positive integer, got ${opts.batchSize}`);
  const shape = [...x.shape];
  if (shape.length === 0) throw new ShapeError('predict: x needs a sample axis, got a scalar');
  const n = shape[0];
  const row = shapeSize(shape.slice(1));
  if (!(x instanceof Tensor) && x.data.length !== n * row) throw new ShapeError(`predict: ${x.data.length} values do not fill shape ${fmtShape(shape)}`);
  const wasTraining = model.training;
  // Three batches or more: two are traced, the rest run as one wasm call each (see wantsCompile).
  const forward = !compile || n < 3 * batchSize ? null : new CompiledForward(model);
  model.eval();
  let out: Tensor | null = null;
  try {
    out = noGrad(() => predictBatches(model, x, n, row, shape.slice(1), batchSize, forward));
  } finally {
    forward?.dispose();
    model.train(wasTraining);
  }
  // Made inside per-batch scopes but kept out of them; now it belongs to the caller's scope.
  track(out);
  return out;
}

function predictBatches(model: Module, x: Tensor | { data: Float32Array }, n: number, row: number, sampleShape: number[], batchSize: number, forward: CompiledForward | null): Tensor {
  let out: Tensor | null = null;
  let outRow = 0;
  try {
    for (let from = 0; from < n; from += batchSize) {
      const size = Math.min(batchSize, n - from);
      tidy(() => {
        const xb = empty([size, ...sampleShape], 'predict_batch');
        if (x instanceof Tensor) {
          const src = (x.ptr >>> 2) + from * row;
          heap().copyWithin(xb.ptr >>> 2, src, src + size * row);
        } else {
          xb.data.set(x.data.subarray(from * row, (from + size) * row));
        }
        const yb = forward ? forward.forward(xb) : model.forward(xb);
        if (yb.rank === 0 || yb.shape[0] !== size) throw new ShapeError(`predict: the model mapped a batch of ${size} to ${fmtShape(yb.shape)}; its first axis must stay the batch`);
        if (!out) {
          outRow = yb.size / size;
          out = keep(empty([n, ...yb.shape.slice(1)], 'predict'));
        } else if (yb.size !== size * outRow) {
          throw new ShapeError(`predict: output rows changed size between batches (${fmtShape(yb.shape)})`);
        }
        heap().copyWithin((out.ptr >>> 2) + from * outRow, yb.ptr >>> 2, (yb.ptr >>> 2) + yb.size);
      });
    }
  } catch (e) {
    (out as Tensor | null)?.dispose();
    throw e;
  }
  return out ?? keep(empty([0], 'predict'));
}

function validationLoader(op: string, loader: DataLoader, v: FitOptions['validation']): { train: DataLoader; val: DataLoader | null } {
  if (v === undefined) return { train: loader, val: null };
  if (v instanceof DataLoader) return { train: loader, val: v };
  if (typeof v === 'object' && v !== null && 'split' in v) {
    if (!(loader.dataset instanceof TensorDataset)) throw new KnobsError(`${op}: validation { split } needs a loader over a TensorDataset; pass a validation DataLoader instead`);
    const [head, tail] = loader.dataset.validationSplit(v.split);
    return { train: loader.withDataset(head), val: loader.withDataset(tail, { shuffle: false, dropLast: false }) };
  }
  throw new KnobsError(`${op}: validation must be a DataLoader or { split: fraction }`);
}

/**
 * Trains `model` for `epochs` passes over `loader`. Resolves with the History when done, when a
 * callback stops training (EarlyStopping), or when `signal` aborts (history.stopped says which).
 */
export async function fit(model: Module, loader: DataLoader, opts: FitOptions): Promise<History> {
  const op = 'fit';
  if (!(loader instanceof DataLoader)) throw new KnobsError(`${op}: expected a DataLoader as the second argument`);
  if (!opts || typeof opts !== 'object') throw new KnobsError(`${op}: options { epochs, optimizer } are required`);
  checkOptions(op, opts, FIT_KEYS);
  const { epochs, optimizer } = opts;
  if (!Number.isInteger(epochs) || epochs < 0) throw new KnobsError(`${op}: epochs must be a non-negative integer, got ${epochs}`);
  if (!optimizer || typeof optimizer.step !== 'function') throw new KnobsError(`${op}: an optimizer is required (e.g. new optim.SGD(model.parameters(), { lr: 0.01 }))`);
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new KnobsError(`${op}: initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  const lossFn = resolveLoss(op, opts.loss);
  const metrics = checkMetrics(op, opts.metrics);
  const wantAcc = metrics.some((m) => m.name === 'accuracy');
  const callbacks: Callback[] = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? [...opts.callbacks] : [opts.callbacks as Callback];
  if (opts.report !== undefined) callbacks.push(new ReportCallback(opts.report, op));
  const { train, val } = validationLoader(op, loader, opts.validation);
  if (train.dataset.length === 0) throw new KnobsError(`${op}: the training data has no samples; nothing to learn from`);
  if (train.length === 0) throw new KnobsError(`${op}: the loader yields no batches (${train.dataset.length} samples, batchSize ${train.batchSize}, dropLast) — lower batchSize or set dropLast: false`);
  checkOptimizerOwnsModel(op, model, optimizer);
  const compile = wantsCompile(op, model, opts.compile);
  const yieldEvery = opts.yieldEveryMs ?? 16;
  const signal = opts.signal;
  if (training.has(model)) throw new KnobsError(`${op}: this model is already being trained by another fit() call; two fits would interleave their steps. Await the first (or train a copy)`);

  const history: History = { epoch: [], history: {}, stopped: null };
  let stopRequest: StopReason | null = null;
  const ctx: TrainContext = {
    model,
    optimizer,
    epochs,
    batchesPerEpoch: train.length,
    history,
    stop(reason: StopReason = 'callback') {
      stopRequest ??= reason;
    },
  };
  // Hooks run in order; only promises are awaited, so sync callbacks cost no microtask per batch.
  async function emit<K extends keyof Callback>(name: K, ...args: Parameters<NonNullable<Callback[K]>>): Promise<void> {
    for (const cb of callbacks) {
      const fn = cb[name] as ((...a: unknown[]) => unknown) | undefined;
      if (!fn) continue;
      const r = fn.apply(cb, args);
      if (isPromise(r)) await r;
    }
  }
  const aborted = () => !!signal?.aborted;

  training.add(model);
  const compiled = compile ? new CompiledStep(model, lossFn, optimizer, op) : null;
  // Nothing needs JS between batches: several steps per wasm call (fit-steps.ts).
  const stepper = compiled && metrics.length === 0 && !callbacks.some((c) => c.onBatchBegin || c.onBatchEnd) ? new FitSteps(compiled, train, yieldEvery) : null;
  let progress: Awaited<ReturnType<typeof createProgress>> | null = null;
  const wasTraining = model.training;
  let lastYield = now();
  try {
    progress = await createProgress(opts.verbose);
    await emit('onTrainBegin', ctx);
    for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !stopRequest; epoch++) {
      if (aborted()) {
        stopRequest = 'aborted';
        break;
      }
      model.train();
      await emit('onEpochBegin', epoch, ctx);
      progress?.epochBegin(epoch - initialEpoch, epochs, train.length);
      const t0 = now();
      let lossSum = 0, correct = 0, n = 0;
      let completed = true;
      for (const m of metrics) m.reset();
      if (stepper) {
        completed = await stepper.epoch(epoch, (loss, index, size) => {
          if (!Number.isFinite(loss)) throw new KnobsError(`fit: the loss is ${loss}; lower the learning rate or check the data`);
          lossSum += loss * size;
          n += size;
          progress?.batch(index + 1, { loss: lossSum / n });
        }, async () => {
          if (now() - lastYield >= yieldEvery) {
            await yieldToEventLoop();
            lastYield = now();
          }
          if (aborted()) stopRequest = 'aborted';
          return !!stopRequest;
        }, now);
        optimizer.zeroGrad();
      }
      const batches = stepper ? noBatches() : train.epoch(epoch);
      try {
        for (const b of batches) {
          // Between batches: let timers/messages run, then honour an abort that arrived meanwhile.
          if (now() - lastYield >= yieldEvery) {
            await yieldToEventLoop();
            lastYield = now();
          }
          if (aborted()) {
            stopRequest = 'aborted';
            completed = false;
            break;
          }
          if (callbacks.length) await emit('onBatchBegin', b.index, ctx);
          const s = compiled ? compiledStats(compiled, b.x, b.y, metrics, wantAcc) : batchStats(model, lossFn, b.x, b.y, metrics, wantAcc, optimizer);
          optimizer.zeroGrad();
          lossSum += s.loss * b.size;
          correct += s.correct;
          n += b.size;
          const blogs: Logs = { loss: s.loss, size: b.size };
          if (wantAcc) blogs.accuracy = s.correct / b.size;
          if (callbacks.length) await emit('onBatchEnd', b.index, blogs, ctx);
          progress?.batch(b.index + 1, wantAcc ? { loss: lossSum / n, accuracy: correct / n } : { loss: lossSum / n });
          if (stopRequest) {
            completed = b.index === train.length - 1;
            break;
          }
        }
      } finally {
        // Frees the loader's batch buffers when we left the loop early.
        batches.return();
      }
      if (!completed) break;
      const logs: Logs = { loss: n ? lossSum / n : NaN };
      for (const m of metrics) logs[m.name] = n ? m.result() : NaN;
      if (val) {
        for (const [k, v] of Object.entries(evaluate(model, val, { loss: lossFn, metrics }))) logs[`val_${k}`] = v;
        model.train();
      }
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) if (v !== undefined) (history.history[k] ??= []).push(v);
      progress?.epochEnd(logs, (now() - t0) / 1000);
      await emit('onEpochEnd', epoch, logs, ctx);
    }
    history.stopped = stopRequest;
    await emit('onTrainEnd', history, ctx);
  } finally {
    if (compiled && compiled.compiledSteps + compiled.eagerSteps > 0) history.compiled = { steps: compiled.compiledSteps, eagerSteps: compiled.eagerSteps, fallbackReason: compiled.fallbackReason };
    stepper?.dispose();
    compiled?.dispose();
    training.delete(model);
    progress?.close();
    optimizer.zeroGrad();
    model.train(wasTraining);
  }
  return history;
}

/** The per-batch loop's batches when FitSteps ran the epoch. */
function* noBatches(): Generator<Batch, void, undefined> {}

/** Models inside a running fit(): a second concurrent fit would interleave optimizer steps. */
const training = new WeakSet<Module>();

/**
 * An optimizer built over another model's parameters (or a stale copy) would train nothing that
 * this model uses: every step would be silently lost. Extra tensors besides the model's are fine.
 */
function checkOptimizerOwnsModel(op: string, model: Module, optimizer: Optimizer): void {
  const mine = new Set(model.parameters());
  if (mine.size === 0 || !Array.isArray(optimizer.params) || optimizer.params.length === 0) return;
  if (!optimizer.params.some((p) => mine.has(p))) {
    throw new KnobsError(`${op}: the optimizer updates ${optimizer.params.length} tensors, none of which is a parameter of this model; build it over model.parameters()`);
  }
}
