/**
 * The worker's one-shot model work besides training: running a model on some inputs (with the
 * outputs of named submodules — feature maps, hidden activations) and serialising one. A page
 * keeps all model work off its main thread by sending these to its training worker.
 */
import * as Comlink from 'comlink';
import { init } from '../backend/wasm.js';
import type { ArrayData } from '../data/dataset.js';
import { KnobsError } from '../errors.js';
import { saveModel } from '../io/save.js';
import type { AnyModule, Module } from '../nn/module.js';
import { fromSpec } from '../nn/spec.js';
import { withGlobalSeed } from '../random.js';
import { predict } from '../train/fit.js';
import type { PredictRequest, PredictResult, SaveRequest } from './protocol.js';

function copyOut(t: { toFloat32Array(): Float32Array; shape: readonly number[] }): ArrayData {
  return { data: t.toFloat32Array(), shape: [...t.shape] };
}

/** Checks the submodule paths against the model, naming the ones it has when one is wrong. */
export function checkOutputs(op: string, model: AnyModule, names: readonly string[] | undefined, rows: number | undefined): void {
  if (names === undefined) return;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new KnobsError(`${op}: outputs must be an array of submodule paths, got ${JSON.stringify(names)}`);
  const have = new Map(model.namedModules());
  const missing = names.filter((n) => !have.has(n) || n === '');
  if (missing.length) throw new KnobsError(`${op}: no submodule ${missing.map((n) => JSON.stringify(n)).join(', ')} in this model (it has ${[...have.keys()].filter(Boolean).map((n) => `'${n}'`).join(', ')})`);
  if (rows !== undefined && !(Number.isInteger(rows) && rows > 0)) throw new KnobsError(`${op}: outputRows must be a positive integer, got ${rows}`);
}

/**
 * The outputs of the submodules `names` on the first `rows` rows of x: their forward is wrapped on
 * the instance for one predict pass (no hooks needed in Module, works for any module type) and
 * restored afterwards.
 */
export function submoduleOutputs(model: AnyModule, x: ArrayData, names: readonly string[], rows?: number): Record<string, ArrayData> {
  if (names.length === 0) return {};
  const mods = new Map(model.namedModules());
  const n = Math.min(rows ?? x.shape[0], x.shape[0]);
  const row = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const head: ArrayData = { data: x.data.subarray(0, n * row) as Float32Array, shape: [n, ...x.shape.slice(1)] };
  const out: Record<string, ArrayData> = {};
  const restore: (() => void)[] = [];
  try {
    for (const name of names) {
      const m = mods.get(name)!;
      const had = Object.prototype.hasOwnProperty.call(m, 'forward');
      const original = m.forward;
      (m as { forward: unknown }).forward = function (this: unknown, ...args: unknown[]) {
        const y = (original as (...a: unknown[]) => unknown).apply(m, args);
        if (!(y && typeof (y as { toFloat32Array?: unknown }).toFloat32Array === 'function')) throw new KnobsError(`probe: submodule '${name}' does not output a tensor`);
        // One batch (n ≤ predict's batch size in practice); a later batch would overwrite, so keep the first.
        out[name] ??= copyOut(y as { toFloat32Array(): Float32Array; shape: readonly number[] });
        return y;
      };
      restore.push(() => {
        if (had) (m as { forward: unknown }).forward = original;
        else delete (m as { forward?: unknown }).forward;
      });
    }
    predict(model as Module, head, { batchSize: Math.max(1, n) }).dispose();
  } finally {
    for (const r of restore) r();
  }
  return out;
}

/** Builds spec + weights without touching the global random stream (a training may be running). */
function build(req: { spec: PredictRequest['spec']; weights: PredictRequest['weights']; extraState?: PredictRequest['extraState'] }, op: string): AnyModule {
  const model = withGlobalSeed(0, () => fromSpec(req.spec));
  try {
    model.loadStateDict(req.weights);
    if (req.extraState) model.loadExtraStateDict(req.extraState, op);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

export async function runPredict(req: PredictRequest): Promise<PredictResult> {
  const op = 'predictInWorker';
  if (!req.x || !(req.x.data instanceof Float32Array) || !Array.isArray(req.x.shape)) throw new KnobsError(`${op}: x must be { data: Float32Array, shape: number[] }`);
  await init(req.wasm === undefined ? {} : { wasm: req.wasm });
  const model = build(req, op);
  try {
    checkOutputs(op, model, req.outputs, req.outputRows);
    const y = predict(model as Module, req.x);
    let yData: ArrayData;
    try {
      yData = copyOut(y);
    } finally {
      y.dispose();
    }
    const outputs = submoduleOutputs(model, req.x, req.outputs ?? [], req.outputRows);
    const buffers = [yData.data.buffer as ArrayBuffer, ...Object.values(outputs).map((o) => o.data.buffer as ArrayBuffer)];
    return Comlink.transfer({ y: yData, outputs }, buffers);
  } finally {
    model.dispose();
  }
}

export async function runSave(req: SaveRequest): Promise<{ weights: Uint8Array; json: string }> {
  await init(req.wasm === undefined ? {} : { wasm: req.wasm });
  const model = build(req, 'saveModelInWorker');
  try {
    const saved = saveModel(model, null, { metadata: req.metadata });
    return Comlink.transfer(saved, [saved.weights.buffer as ArrayBuffer]);
  } finally {
    model.dispose();
  }
}
