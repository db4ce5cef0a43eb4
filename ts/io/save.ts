/**
 * Saving and loading a model in two parts:
 *   - weights: a safetensors file (F32, names like "0.weight"), readable by the safetensors
 *     libraries of PyTorch/Hugging Face. Note the layout: knobs' Linear weight is [in, out]
 *     (the book's), PyTorch's nn.Linear is [out, in] — transpose when porting.
 *   - json: the architecture (the model spec), the optimizer (type, hyperparameters, step count,
 *     state), every module's extra state (Dropout stream positions), and free-form metadata.
 * Parameters and buffers both go into the weights file; nothing here knows any layer type.
 * Everything is restored bit for bit: float32 state goes into the JSON as base64 of its
 * little-endian bytes, never through decimal text.
 *
 * Platform-neutral: bytes and strings in, bytes and strings out. Node file helpers live in
 * save-node.ts; browsers use toBlobs/fromBlobs.
 */
import { KnobsError, fmtShape } from '../errors.js';
import { AllocationLimitError, withAllocationLimit } from '../backend/wasm.js';
import { isJson, type JsonValue } from '../nn/config.js';
import type { AnyModule } from '../nn/module.js';
import { extraStateFromV1, fromSpec, toSpec, validateSpec, type ModelSpec } from '../nn/spec.js';
import '../optim/optimizers.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { optimizerDef, type Hyperparameters } from '../optim/registry.js';
import type { SchedulerState } from '../optim/schedulers.js';
import { shapeSize, type Tensor } from '../tensor.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from './safetensors.js';
import { downloadPair, idbGet, idbPut, parseModelUrl, readPickedFiles, type ModelUrl } from './browser-store.js';

export const MODEL_FORMAT = 'knobs.model';
export const MODEL_VERSION = 2;
/** Files of version 1 (a 'knobs.sequential' spec, random streams under "rng") still load. */
const READS_VERSIONS = [1, 2];

export interface SavedModel {
  /** safetensors bytes of the parameters. */
  weights: Uint8Array;
  /** JSON text: spec, optimizer, RNG state, metadata. */
  json: string;
}

export interface LoadedModel<M extends AnyModule = AnyModule> {
  model: M;
  /** The optimizer, rebuilt over the model's parameters with its state, if one was saved. */
  optimizer: Optimizer | null;
  metadata: Record<string, unknown>;
}


interface OptimizerJson {
  /** A registered optimizer type (optim/registry.ts). */
  type: string;
  hyper: Hyperparameters;
  step: number;
  /** Names (model.namedParameters) of the parameters the optimizer updates, in its order. */
  params: string[];
  /** slot name → one entry per parameter: base64 of float32 LE, or null if never created. */
  slots: Record<string, (string | null)[]>;
  /** Attached LR schedulers (absent in files written before schedulers existed). */
  schedulers?: SchedulerState[];
}

interface ModelJson {
  format: typeof MODEL_FORMAT;
  version: 1 | 2;
  model: ModelSpec;
  /** What the weights file must hold: every parameter's name and shape… */
  parameters: { name: string; shape: number[] }[];
  /** …and every buffer's (version 2). */
  buffers?: { name: string; shape: number[] }[];
  optimizer: OptimizerJson | null;
  /** Module path ('' for the root) → its getExtraState() (version 2). */
  extraState?: Record<string, JsonValue>;
  /** Version 1: layer index → state words of its random stream (see extraStateFromV1). */
  rng?: Record<string, number[]>;
  metadata: Record<string, unknown>;
}

// ---- base64 of float32 little-endian bytes (btoa/atob exist in Node ≥ 16, browsers, workers) ----

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function f32ToBase64(a: Float32Array): string {
  let bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (!LITTLE_ENDIAN) bytes = swap4(bytes.slice());
  let s = '';
  // Chunked: String.fromCharCode(...huge) would overflow the argument stack.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function base64ToF32(b64: string, expected: number, where: string): Float32Array {
  // The length check comes first so a hostile string cannot make us allocate more than it says.
  if (typeof b64 !== 'string' || b64.length !== 4 * Math.ceil((expected * 4) / 3)) {
    throw new KnobsError(`loadModel: ${where} should encode ${expected} float32 values (${4 * Math.ceil((expected * 4) / 3)} base64 chars), got ${typeof b64 === 'string' ? b64.length + ' chars' : typeof b64}`);
  }
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new KnobsError(`loadModel: ${where} is not valid base64`);
  }
  if (bin.length !== expected * 4) throw new KnobsError(`loadModel: ${where} decodes to ${bin.length} bytes, expected ${expected * 4}`);
  let bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  if (!LITTLE_ENDIAN) bytes = swap4(bytes);
  return new Float32Array(bytes.buffer, 0, expected);
}

function swap4<T extends Uint8Array>(b: T): T {
  for (let i = 0; i < b.length; i += 4) {
    [b[i], b[i + 1], b[i + 2], b[i + 3]] = [b[i + 3], b[i + 2], b[i + 1], b[i]];
  }
  return b;
}

// ---- optimizers: everything type-specific comes from the optimizer registry ----

function optimizerToJson(opt: Optimizer, names: Map<Tensor, string>): OptimizerJson {
  const params = opt.params.map((p, i) => {
    const n = names.get(p);
    if (n === undefined) throw new KnobsError(`saveModel: optimizer parameter ${i} ${fmtShape(p.shape)} is not a parameter of the model`);
    return n;
  });
  const state = opt.stateDict();
  const slots: OptimizerJson['slots'] = {};
  for (const [slot, list] of Object.entries(state.slots)) {
    if (!list) continue;
    slots[slot] = list.map((e) => (e.data.length === 0 ? null : f32ToBase64(e.data)));
  }
  return { type: opt.name, hyper: opt.hyperparameters(), step: state.step, params, slots, schedulers: state.schedulers ?? [] };
}

// ---- save ----

export interface SaveOptions {
  /** Free-form JSON-able data stored with the model (epoch, accuracy, a note…). */
  metadata?: Record<string, unknown>;
}

/** What saveModel(model, url, opts) takes: Node's save(model, path, opts) takes the same. */
export interface StoreOptions extends SaveOptions {
  /** Saved with its state, so training resumes where it stopped. */
  optimizer?: Optimizer | null;
}

export interface StoredInfo {
  url: ModelUrl;
  /** downloads://: the two file names the browser was asked to save. */
  files?: { json: string; weights: string };
}

/**
 * Serialises any registered module (and optionally its optimizer) to safetensors bytes + JSON text;
 * or, given a URL, stores it in the browser: `indexeddb://name` (IndexedDB) or `downloads://name`
 * (name.json and name.safetensors downloaded, the files Node's save() writes). The URL form takes
 * its arguments in the order of Node's save(model, path, opts).
 */
export function saveModel(model: AnyModule, url: ModelUrl, opts?: StoreOptions): Promise<StoredInfo>;
export function saveModel(model: AnyModule, optimizer?: Optimizer | null, opts?: SaveOptions): SavedModel;
export function saveModel(model: AnyModule, target?: Optimizer | null | ModelUrl, opts: StoreOptions = {}): SavedModel | Promise<StoredInfo> {
  if (typeof target === 'string') return storeModel(model, target, opts);
  return serialize(model, target, opts);
}

async function storeModel(model: AnyModule, url: ModelUrl, opts: StoreOptions): Promise<StoredInfo> {
  const [kind, name] = parseModelUrl(url, 'saveModel');
  if (opts === null || typeof opts !== 'object') throw new KnobsError('saveModel: options must be an object');
  const { weights, json } = serialize(model, opts.optimizer, opts);
  if (kind === 'indexeddb') {
    await idbPut(name, json, weights, 'saveModel');
    return { url };
  }
  return { url, files: await downloadPair(name, json, weights, 'saveModel') };
}

function serialize(model: AnyModule, optimizer?: Optimizer | null, opts: SaveOptions = {}): SavedModel {
  const spec = toSpec(model);
  const named = [...model.namedParameters()];
  const buffers = [...model.namedBuffers()];
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const [name, p] of [...named, ...buffers]) tensors[name] = { dtype: 'F32', shape: [...p.shape], data: p.toFloat32Array() };
  const weights = writeSafetensors(tensors, { format: 'knobs', 'knobs.layout': 'Linear weight is [in, out]' });
  const extraState = model.extraStateDict();
  for (const [path, s] of Object.entries(extraState)) {
    if (!isJson(s)) throw new KnobsError(`saveModel: the extra state of '${path}' is not plain JSON`);
  }
  const json: ModelJson = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    model: spec,
    parameters: named.map(([name, p]) => ({ name, shape: [...p.shape] })),
    buffers: buffers.map(([name, b]) => ({ name, shape: [...b.shape] })),
    optimizer: optimizer ? optimizerToJson(optimizer, new Map(named.map(([n, p]) => [p, n]))) : null,
    extraState,
    metadata: opts.metadata ?? {},
  };
  let text: string;
  try {
    text = JSON.stringify(json);
  } catch (e) {
    throw new KnobsError(`saveModel: metadata is not JSON-serialisable: ${(e as Error).message}`);
  }
  return { weights, json: text };
}

// ---- load ----

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(json: string | object): ModelJson {
  let j: unknown = json;
  if (typeof json === 'string') {
    try {
      j = JSON.parse(json);
    } catch (e) {
      throw new KnobsError(`loadModel: the model JSON does not parse: ${(e as Error).message}`);
    }
  }
  if (!isObj(j)) throw new KnobsError('loadModel: the model JSON must be an object');
  if (j.format !== MODEL_FORMAT) throw new KnobsError(`loadModel: format must be '${MODEL_FORMAT}', got ${JSON.stringify(j.format)}`);
  if (!READS_VERSIONS.includes(j.version as number)) throw new KnobsError(`loadModel: unsupported model file version ${JSON.stringify(j.version)} (this knobs reads ${READS_VERSIONS.join(' and ')})`);
  for (const k of ['parameters', ...(j.version === 2 ? ['buffers'] : [])]) {
    const list = j[k];
    if (!Array.isArray(list) || !list.every((e) => isObj(e) && typeof e.name === 'string' && Array.isArray(e.shape) && e.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))) {
      throw new KnobsError(`loadModel: "${k}" must be an array of { name, shape } with shapes of non-negative integers`);
    }
  }
  if (j.extraState !== undefined && !isObj(j.extraState)) throw new KnobsError('loadModel: "extraState" must be an object');
  if (j.optimizer !== null && j.optimizer !== undefined && !isObj(j.optimizer)) throw new KnobsError('loadModel: "optimizer" must be an object or null');
  if (j.rng !== undefined && !isObj(j.rng)) throw new KnobsError('loadModel: "rng" must be an object');
  if (j.metadata !== undefined && !isObj(j.metadata)) throw new KnobsError('loadModel: "metadata" must be an object');
  return j as unknown as ModelJson;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((d, i) => d === b[i]);
}

// What building may allocate: the declared tensors, as much again for an initialiser's
// temporaries, and a little more for tiny models. Far below what a hostile spec would claim.
const buildLimit = (declaredFloats: number): number => 2 * declaredFloats + (1 << 16);

/**
 * Rebuilds the model (and optimizer) from saveModel's output. Checked before the model is built:
 * the spec's structure and configs, the weights file (safetensors validation), and the JSON's list
 * of parameters and buffers against the file's header (names, F32, shapes). The model is then built
 * under an allocation limit of what that list declares, so a spec claiming more than the file holds
 * fails without growing memory; its actual parameters and buffers must match the list exactly.
 * A mismatch is a KnobsError.
 */
export function loadModel<M extends AnyModule = AnyModule>(saved: { weights: Uint8Array | ArrayBuffer; json: string | object }): LoadedModel<M>;
/** From IndexedDB (`indexeddb://name`, saved by saveModel) or from the two files a user picked (name.json + name.safetensors, e.g. an input's FileList). */
export function loadModel<M extends AnyModule = AnyModule>(source: `indexeddb://${string}` | ArrayLike<File> | Iterable<File>): Promise<LoadedModel<M>>;
export function loadModel<M extends AnyModule = AnyModule>(
  saved: { weights: Uint8Array | ArrayBuffer; json: string | object } | `indexeddb://${string}` | ArrayLike<File> | Iterable<File>,
): LoadedModel<M> | Promise<LoadedModel<M>> {
  if (typeof saved === 'string') {
    return (async () => {
      const [kind, name] = parseModelUrl(saved, 'loadModel');
      if (kind !== 'indexeddb') throw new KnobsError(`loadModel: ${JSON.stringify(saved)}: a download is loaded from the files the user picks: loadModel(input.files)`);
      return loadSaved<M>(await idbGet(name, 'loadModel'));
    })();
  }
  if (saved && typeof saved === 'object' && !('weights' in saved) && (Symbol.iterator in saved || 'length' in saved)) {
    return readPickedFiles(saved as ArrayLike<File>, 'loadModel').then((f) => loadSaved<M>(f));
  }
  return loadSaved<M>(saved as { weights: Uint8Array | ArrayBuffer; json: string | object });
}

function loadSaved<M extends AnyModule>(saved: { weights: Uint8Array | ArrayBuffer; json: string | object }): LoadedModel<M> {
  if (!saved || (!(saved.weights instanceof Uint8Array) && !(saved.weights instanceof ArrayBuffer))) {
    throw new KnobsError('loadModel: weights must be a Uint8Array or ArrayBuffer of safetensors bytes');
  }
  const j = parseJson(saved.json);
  const spec = validateSpec(j.model);
  const bytes = saved.weights instanceof Uint8Array ? saved.weights : new Uint8Array(saved.weights);
  let file;
  try {
    file = readSafetensors(bytes, { copy: true });
  } catch (e) {
    throw new KnobsError(`loadModel: the weights file is not valid safetensors: ${(e as Error).message}`);
  }

  // The declared list (parameters, then buffers) must be exactly what the weights file holds…
  const declared = [...j.parameters, ...(j.buffers ?? [])];
  const state: Record<string, { shape: number[]; data: Float32Array }> = {};
  let floats = 0;
  for (const { name, shape } of declared) {
    const t = file.tensors[name];
    if (!t) throw new KnobsError(`loadModel: the weights file has no tensor '${name}' (the JSON declares F32 ${fmtShape(shape)})`);
    if (t.dtype !== 'F32') throw new KnobsError(`loadModel: tensor '${name}' is ${t.dtype}, expected F32`);
    if (!sameShape(t.shape, shape)) throw new KnobsError(`loadModel: tensor '${name}' has shape ${fmtShape(t.shape)}, the JSON declares ${fmtShape(shape)}`);
    if (name in state) throw new KnobsError(`loadModel: the JSON declares tensor '${name}' twice`);
    state[name] = { shape: t.shape, data: t.data as Float32Array };
    floats += shapeSize(shape);
  }
  const extra = Object.keys(file.tensors).filter((n) => !(n in state));
  if (extra.length) throw new KnobsError(`loadModel: the weights file has unexpected tensors: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);

  // …and the spec, built within what the file declares, must have exactly those tensors.
  const model = withAllocationLimit(buildLimit(floats), 'loadModel', () => {
    try {
      return fromSpec(spec) as M;
    } catch (e) {
      if (e instanceof AllocationLimitError) {
        throw new KnobsError(`${e.message}, but the weights file declares only ${floats * 4} bytes of parameters and buffers: the model spec does not match its weights`);
      }
      throw e;
    }
  });
  try {
    const named = [...model.namedParameters()];
    for (const [kind, actual, listed] of [['parameters', named, j.parameters], ['buffers', [...model.namedBuffers()], j.buffers ?? []]] as const) {
      const has = actual.map(([n, p]) => `${n}${fmtShape(p.shape)}`).join(', ');
      const says = listed.map((p) => `${p.name}${fmtShape(p.shape)}`).join(', ');
      if (has !== says) throw new KnobsError(`loadModel: the JSON lists ${kind} [${says}] but its model spec has [${has}]`);
    }
    model.loadStateDict(state);
    model.loadExtraStateDict(j.version === 1 ? extraStateFromV1(j.rng ?? {}) : ((j.extraState ?? {}) as Record<string, JsonValue>), 'loadModel');
    const optimizer = j.optimizer ? loadOptimizer(j.optimizer, new Map(named)) : null;
    return { model, optimizer, metadata: (j.metadata as Record<string, unknown>) ?? {} };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function loadOptimizer(o: OptimizerJson, params: Map<string, Tensor>): Optimizer {
  const def = optimizerDef(o.type, 'loadModel');
  const type = def.type;
  if (!isObj(o.hyper)) throw new KnobsError('loadModel: optimizer.hyper must be an object');
  const extra = Object.keys(o.hyper).find((k) => !Object.hasOwn(def.hyper, k));
  if (extra !== undefined) throw new KnobsError(`loadModel: optimizer ${type} has no hyperparameter '${extra}' (${type} takes ${Object.keys(def.hyper).join(', ')})`);
  const hyper: Hyperparameters = {};
  for (const [k, d] of Object.entries(def.hyper)) {
    const v = o.hyper[k];
    if (typeof v !== d.kind) throw new KnobsError(`loadModel: optimizer ${type}.${k} must be a ${d.kind}, got ${JSON.stringify(v)}`);
    hyper[k] = v;
  }
  if (!Number.isSafeInteger(o.step) || o.step < 0) throw new KnobsError(`loadModel: optimizer step must be a non-negative integer, got ${JSON.stringify(o.step)}`);
  if (!Array.isArray(o.params) || o.params.length === 0) throw new KnobsError('loadModel: optimizer.params must be a non-empty array of parameter names');
  const ps = o.params.map((n) => {
    const p = typeof n === 'string' ? params.get(n) : undefined;
    if (!p) throw new KnobsError(`loadModel: the optimizer updates ${JSON.stringify(n)}, which is not a parameter of the model`);
    return p;
  });
  if (!isObj(o.slots)) throw new KnobsError('loadModel: optimizer.slots must be an object');
  if (o.schedulers !== undefined && !Array.isArray(o.schedulers)) throw new KnobsError('loadModel: optimizer.schedulers must be an array');
  const slots: OptimizerState['slots'] = {};
  for (const [slot, list] of Object.entries(o.slots)) {
    if (!Array.isArray(list) || list.length !== ps.length) {
      throw new KnobsError(`loadModel: optimizer slot '${slot}' must have one entry per parameter (${ps.length}), got ${Array.isArray(list) ? list.length : typeof list}`);
    }
    slots[slot] = list.map((b64, i) => {
      const p = ps[i];
      if (b64 === null) return { shape: [], data: new Float32Array(0) };
      return { shape: [...p.shape], data: base64ToF32(b64, p.size, `optimizer slot '${slot}' of '${o.params[i]}'`) };
    });
  }
  // The constructor validates the values (ranges) with its own messages.
  const opt = def.create(ps, hyper);
  try {
    const known = new Set(def.slots(hyper));
    const unknown = Object.keys(slots).filter((s) => !known.has(s));
    if (unknown.length) throw new KnobsError(`loadModel: optimizer ${type} has no state slot(s) ${unknown.join(', ')} (expected ${[...known].join(', ') || 'none'})`);
    opt.loadStateDict({ step: o.step, slots, hyper, schedulers: o.schedulers ?? [] });
  } catch (e) {
    opt.dispose();
    throw e;
  }
  return opt;
}

// ---- browsers: Blobs (downloads, IndexedDB, fetch bodies) ----

export function toBlobs(saved: SavedModel): { weights: Blob; json: Blob } {
  return {
    weights: new Blob([saved.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
    json: new Blob([saved.json], { type: 'application/json' }),
  };
}

export async function fromBlobs(blobs: { weights: Blob; json: Blob }): Promise<{ weights: Uint8Array; json: string }> {
  const [w, j] = await Promise.all([blobs.weights.arrayBuffer(), blobs.json.text()]);
  return { weights: new Uint8Array(w), json: j };
}
