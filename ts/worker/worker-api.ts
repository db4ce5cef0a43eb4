/**
 * The worker's side of trainInWorker: rebuilds the model from its spec, trains it with fit(), and
 * streams progress back. Platform-neutral; train-worker.ts wires it to Node or browser messaging.
 */
import * as Comlink from 'comlink';
import '../autograd.js';
import '../ops/index.js';
import { threadsBuild } from '../backend/threads-build.js';
import { getNumThreads, init, registerThreadsBuild } from '../backend/wasm.js';
import { DataLoader } from '../data/dataset.js';
import { KnobsError } from '../errors.js';
import type { StateDict } from '../nn/module.js';
import { fromSpec } from '../nn/spec.js';
import type { Optimizer } from '../optim/optimizer.js';
import { createOptimizer } from '../optim/create.js';
import { manualSeed } from '../random.js';
import { isNode } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import type { ArrayData } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import type { Callback, Logs } from '../train/callbacks.js';
import { fit, predict } from '../train/fit.js';
import { isIdxSource, toDataset } from './load-data.js';
import { checkOutputs, runPredict, runSave, submoduleOutputs } from './model-ops.js';
import { WORKER_HELLO, type OptimizerSpec, type TrainProgress, type TrainRequest, type TrainResult, type TrainWorkerApi } from './protocol.js';

const now = (): number => performance.now();

/** Kept for the worker and DataParallel replicas; errors name trainInWorker. */
export function makeOptimizer(params: Tensor[], spec: OptimizerSpec): Optimizer {
  return createOptimizer(params, spec, 'trainInWorker');
}

/** Every ArrayBuffer under a state dict, for Comlink.transfer (a buffer listed twice would throw). */
export function stateBuffers(state: StateDict | undefined, into: Set<ArrayBuffer> = new Set()): Set<ArrayBuffer> {
  for (const e of Object.values(state ?? {})) if (e.data.buffer instanceof ArrayBuffer) into.add(e.data.buffer);
  return into;
}

/**
 * Sends progress without letting a slow or failing receiver hold up or crash training. Returns the
 * delivery promise (through a Comlink proxy: settled once the receiver has run) so the caller can
 * wait for every report to arrive before sending the result, which travels on another channel
 * and would otherwise overtake the last reports.
 */
function send(onProgress: ((p: TrainProgress) => void) | null, p: TrainProgress): Promise<unknown> | null {
  if (!onProgress) return null;
  const transfers = [...stateBuffers(p.weights)];
  if (p.probe) transfers.push(p.probe.data.buffer as ArrayBuffer);
  for (const o of Object.values(p.probeOutputs ?? {})) transfers.push(o.data.buffer as ArrayBuffer);
  try {
    const r = onProgress(transfers.length ? Comlink.transfer(p, transfers) : p) as unknown;
    // A rejection (receiver gone) must not become an unhandled rejection, which kills a Node worker.
    if (r && typeof (r as Promise<void>).then === 'function') return (r as Promise<void>).catch(() => undefined);
  } catch {
    /* progress is best effort */
  }
  return null;
}

class ProgressCallback implements Callback {
  step = 0;
  private readonly t0 = now();
  private lastBatchEvent = now();
  private lastWeights = -Infinity;
  private lastProbe = -Infinity;
  private lossSum = 0;
  private correct = 0;
  private n = 0;
  private epoch = 0;

  constructor(
    private readonly send: (p: TrainProgress) => void,
    private readonly epochs: number,
    private readonly everyMs: number,
    private readonly weightsEveryMs: number | undefined,
    private readonly probe: Probe | null,
  ) {}

  private probeOutputs(model: Module, force: boolean): Pick<TrainProgress, 'probe' | 'probeOutputs'> {
    if (!this.probe) return {};
    const t = now();
    if (!force && t - this.lastProbe < this.probe.everyMs) return {};
    this.lastProbe = t;
    return this.probe.run(model);
  }

  private weights(model: { stateDict(): StateDict }, force: boolean): StateDict | undefined {
    if (this.weightsEveryMs === undefined) return undefined;
    const t = now();
    if (!force && t - this.lastWeights < this.weightsEveryMs) return undefined;
    this.lastWeights = t;
    return model.stateDict();
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs, ctx: Parameters<NonNullable<Callback['onBatchEnd']>>[2]): void {
    this.step++;
    // fit's batch logs always carry the batch size.
    const size = logs.size!;
    this.lossSum += logs.loss * size;
    if (logs.accuracy !== undefined) this.correct += logs.accuracy * size;
    this.n += size;
    const t = now();
    // The window runs across epoch ends: cutting it there would report a one-batch average.
    if (t - this.lastBatchEvent < this.everyMs) return;
    const out: Logs = { loss: this.lossSum / this.n };
    if (logs.accuracy !== undefined) out.accuracy = this.correct / this.n;
    this.lossSum = this.correct = this.n = 0;
    this.lastBatchEvent = t;
    this.send({
      type: 'batch', epoch: this.epoch, epochs: this.epochs, batch: batch + 1, batches: ctx.batchesPerEpoch,
      step: this.step, logs: out, elapsedMs: t - this.t0, weights: this.weights(ctx.model, false),
      ...this.probeOutputs(ctx.model, false),
    });
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: Parameters<NonNullable<Callback['onEpochEnd']>>[2]): void {
    this.send({
      type: 'epoch', epoch, epochs: this.epochs, batch: ctx.batchesPerEpoch, batches: ctx.batchesPerEpoch,
      step: this.step, logs: { ...logs }, elapsedMs: now() - this.t0, weights: this.weights(ctx.model, true),
      ...this.probeOutputs(ctx.model, true),
    });
  }
}

/** The probe inputs, checked once, and how to run the model on them (a copy out of wasm memory). */
interface Probe {
  everyMs: number;
  /** Checks the submodule names once the model is built. */
  check(model: Module): void;
  run(model: Module): { probe: ArrayData; probeOutputs?: Record<string, ArrayData> };
}

function makeProbe(c: TrainRequest['config']): Probe | null {
  if (c.probe === undefined) return null;
  const x = c.probe?.x;
  if (!x || !(x.data instanceof Float32Array) || !Array.isArray(x.shape)) throw new KnobsError('trainInWorker: probe.x must be { data: Float32Array, shape: number[] }');
  checkMs('probe.everyMs', c.probe.everyMs);
  const everyMs = c.probe.everyMs ?? c.weightsEveryMs ?? 250;
  const outputs = c.probe.outputs;
  return {
    everyMs,
    check: (model) => checkOutputs('trainInWorker: probe', model, outputs, c.probe?.outputRows),
    run(model) {
      const y = predict(model, x);
      let probe: ArrayData;
      try {
        probe = { data: y.toFloat32Array(), shape: [...y.shape] };
      } finally {
        y.dispose();
      }
      return outputs?.length ? { probe, probeOutputs: submoduleOutputs(model, x, outputs, c.probe?.outputRows) } : { probe };
    },
  };
}

function checkMs(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new KnobsError(`trainInWorker: ${name} must be a non-negative number of milliseconds, got ${v}`);
}

/** Runs one training request to completion (or cancel). */
export async function runTraining(req: TrainRequest, onProgress: ((p: TrainProgress) => void) | null, signal: AbortSignal): Promise<TrainResult> {
  const c = req.config;
  if (!c || typeof c !== 'object') throw new KnobsError('trainInWorker: options { epochs, optimizer } are required');
  checkMs('progressEveryMs', c.progressEveryMs);
  checkMs('weightsEveryMs', c.weightsEveryMs);
  checkMs('yieldEveryMs', c.yieldEveryMs);
  const probe = makeProbe(c);
  // A browser worker has no 'knobs/threads' import of its own. Imported statically: Vite bundles
  // workers as IIFE by default, which cannot load a chunk, so apps using trainInWorker ship the
  // threads build inside the worker bundle.
  if (c.threads !== undefined && c.threads !== 1 && !isNode) registerThreadsBuild(threadsBuild);
  await init(c.wasm === undefined ? { threads: c.threads } : { wasm: c.wasm, threads: c.threads });
  const loss = c.loss ?? 'crossEntropy';
  if (loss !== 'crossEntropy' && loss !== 'mse') throw new KnobsError(`trainInWorker: loss must be 'crossEntropy' or 'mse' (functions cannot cross to a worker), got ${JSON.stringify(loss)}`);
  const seed = c.seed ?? 0;
  // User modules register themselves when their script is imported, before the model is built.
  for (const url of c.modules ?? []) await import(/* @vite-ignore */ String(url));
  manualSeed(seed);
  const model = fromSpec(req.spec);
  let optimizer: Optimizer | null = null;
  try {
    probe?.check(model);
    if (c.weights) model.loadStateDict(c.weights);
    if (c.extraState) model.loadExtraStateDict(c.extraState, 'trainInWorker');
    optimizer = makeOptimizer(model.parameters(), c.optimizer);
    if (c.optimizerState) optimizer.loadStateDict(c.optimizerState);
    const train = await toDataset(req.data, 'data');
    const batchSize = c.batchSize ?? 32;
    const loader = new DataLoader(train, { batchSize, shuffle: c.shuffle ?? true, seed, dropLast: c.dropLast });
    let validation: DataLoader | { split: number } | undefined;
    if (c.validation !== undefined) {
      validation = 'split' in c.validation ? { split: c.validation.split } : new DataLoader(await toDataset(c.validation, 'validation'), { batchSize: Math.max(batchSize, 256) });
    }
    const inFlight = new Set<Promise<unknown>>();
    const report = (p: TrainProgress) => {
      const r = send(onProgress, p);
      if (r) {
        inFlight.add(r);
        void r.then(() => inFlight.delete(r));
      }
    };
    const progress = new ProgressCallback(report, c.epochs, c.progressEveryMs ?? 100, c.weightsEveryMs, probe);
    const history = await fit(model, loader, {
      epochs: c.epochs,
      optimizer,
      loss,
      metrics: c.metrics ?? (loss === 'crossEntropy' ? ['accuracy'] : []),
      validation,
      callbacks: progress,
      signal,
      verbose: false,
      initialEpoch: c.initialEpoch,
      yieldEveryMs: c.yieldEveryMs,
    });
    await Promise.all(inFlight);
    const result: TrainResult = {
      weights: model.stateDict(),
      optimizerState: optimizer.stateDict(),
      history,
      aborted: history.stopped === 'aborted',
      steps: progress.step,
      threads: getNumThreads(),
      extraState: model.extraStateDict(),
    };
    if (probe) Object.assign(result, probe.run(model));
    const transfers = stateBuffers(result.weights);
    if (result.probe) transfers.add(result.probe.data.buffer as ArrayBuffer);
    for (const o of Object.values(result.probeOutputs ?? {})) transfers.add(o.data.buffer as ArrayBuffer);
    for (const list of Object.values(result.optimizerState.slots)) for (const e of list ?? []) if (e.data.buffer instanceof ArrayBuffer) transfers.add(e.data.buffer);
    return Comlink.transfer(result, [...transfers]);
  } finally {
    // The worker may be reused: leave its wasm memory as it found it.
    optimizer?.dispose();
    model.dispose();
  }
}

/** The object train-worker.ts exposes. One training at a time per worker. */
export function createWorkerApi(): TrainWorkerApi {
  let running: AbortController | null = null;
  return {
    ping: () => WORKER_HELLO,
    async train(req, onProgress) {
      if (running) throw new KnobsError('trainInWorker: this worker is already training; use one worker per concurrent training');
      const controller = new AbortController();
      running = controller;
      try {
        return await runTraining(req, onProgress, controller.signal);
      } finally {
        running = null;
        // Frees the MessagePort behind the proxy (an open port keeps a Node process alive).
        (onProgress as unknown as { [Comlink.releaseProxy]?: () => void } | null)?.[Comlink.releaseProxy]?.();
      }
    },
    cancel() {
      running?.abort();
    },
    predict: (req) => runPredict(req),
    save: (req) => runSave(req),
  };
}

export { isIdxSource };
