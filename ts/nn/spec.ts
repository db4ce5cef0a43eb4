/**
 * A model as plain JSON: the architecture without the weights. It is what save/load writes beside
 * the safetensors file and what crosses to a worker (functions and wasm tensors cannot be
 * structured-cloned; a spec and a StateDict can).
 *
 *   { format: 'knobs.sequential', version: 1,
 *     layers: [{ type: 'Linear', inFeatures: 784, outFeatures: 40, bias: true }, { type: 'ReLU' }, …] }
 */
import { KnobsError } from '../errors.js';
import { Dropout, LogSoftmax, Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh } from './layers.js';
import type { Module } from './module.js';

export type LayerSpec =
  | { type: 'Linear'; inFeatures: number; outFeatures: number; bias: boolean; /** init seed (fromSpec only) */ seed?: number }
  | { type: 'ReLU' }
  | { type: 'Sigmoid' }
  | { type: 'Tanh' }
  | { type: 'Softmax'; axis?: number }
  | { type: 'LogSoftmax'; axis?: number }
  | { type: 'Dropout'; p: number; seed?: number };

export type LayerType = LayerSpec['type'];

export interface ModelSpec {
  format: 'knobs.sequential';
  version: 1;
  layers: LayerSpec[];
}

export const SPEC_FORMAT = 'knobs.sequential';
export const SPEC_VERSION = 1;

// Allowed keys per layer type: an unknown key is almost always a typo ('infeatures'), and silently
// ignoring it would build a different model from the one the user wrote.
const KEYS: Record<LayerType, readonly string[]> = {
  Linear: ['inFeatures', 'outFeatures', 'bias', 'seed'],
  ReLU: [],
  Sigmoid: [],
  Tanh: [],
  Softmax: ['axis'],
  LogSoftmax: ['axis'],
  Dropout: ['p', 'seed'],
};

/** The spec of a Sequential built from knobs' layers; throws for a layer it cannot describe. */
export function toSpec(model: Sequential): ModelSpec {
  if (!(model instanceof Sequential)) throw new KnobsError(`toSpec: expected a Sequential, got ${describe(model)}`);
  const layers = model.layers.map((m, i) => layerToSpec(m, i));
  return { format: SPEC_FORMAT, version: SPEC_VERSION, layers };
}

function layerToSpec(m: Module, i: number): LayerSpec {
  if (m instanceof Linear) return { type: 'Linear', inFeatures: m.inFeatures, outFeatures: m.outFeatures, bias: m.bias !== null };
  if (m instanceof ReLU) return { type: 'ReLU' };
  if (m instanceof Sigmoid) return { type: 'Sigmoid' };
  if (m instanceof Tanh) return { type: 'Tanh' };
  if (m instanceof Softmax) return { type: 'Softmax', axis: m.axis };
  if (m instanceof LogSoftmax) return { type: 'LogSoftmax', axis: m.axis };
  if (m instanceof Dropout) return { type: 'Dropout', p: m.p, seed: m.seed };
  throw new KnobsError(`toSpec: layer ${i} (${m.constructor?.name ?? typeof m}) has no spec; supported: ${Object.keys(KEYS).join(', ')}`);
}

/**
 * Builds a fresh Sequential (new random weights; load a StateDict for trained ones). The spec is
 * validated first, so a bad spec fails with a message naming the layer index and the field.
 */
export function fromSpec(spec: unknown): Sequential {
  const s = validateSpec(spec);
  return new Sequential(...s.layers.map(layerFromSpec));
}

function layerFromSpec(l: LayerSpec): Module {
  switch (l.type) {
    case 'Linear':
      return new Linear(l.inFeatures, l.outFeatures, { bias: l.bias, seed: l.seed });
    case 'ReLU':
      return new ReLU();
    case 'Sigmoid':
      return new Sigmoid();
    case 'Tanh':
      return new Tanh();
    case 'Softmax':
      return new Softmax(l.axis ?? -1);
    case 'LogSoftmax':
      return new LogSoftmax(l.axis ?? -1);
    case 'Dropout':
      return new Dropout(l.p, { seed: l.seed });
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a parsed spec and returns it typed; throws a KnobsError naming what is wrong. */
export function validateSpec(spec: unknown): ModelSpec {
  const op = 'fromSpec';
  if (!isPlainObject(spec)) throw new KnobsError(`${op}: a model spec must be an object, got ${describe(spec)}`);
  if (spec.format !== SPEC_FORMAT) throw new KnobsError(`${op}: format must be '${SPEC_FORMAT}', got ${JSON.stringify(spec.format)}`);
  if (spec.version !== SPEC_VERSION) throw new KnobsError(`${op}: unsupported spec version ${JSON.stringify(spec.version)} (this knobs reads version ${SPEC_VERSION})`);
  if (!Array.isArray(spec.layers)) throw new KnobsError(`${op}: 'layers' must be an array, got ${describe(spec.layers)}`);
  if (spec.layers.length === 0) throw new KnobsError(`${op}: 'layers' is empty; a model needs at least one layer`);
  const layers = spec.layers.map((l, i) => validateLayer(l, i));
  checkWidths(layers);
  return { format: SPEC_FORMAT, version: SPEC_VERSION, layers };
}

function validateLayer(l: unknown, i: number): LayerSpec {
  const where = `fromSpec: layers[${i}]`;
  if (!isPlainObject(l)) throw new KnobsError(`${where} must be an object, got ${describe(l)}`);
  const type = l.type;
  if (typeof type !== 'string' || !Object.hasOwn(KEYS, type)) {
    throw new KnobsError(`${where}: unknown layer type ${JSON.stringify(type)}; supported: ${Object.keys(KEYS).join(', ')}`);
  }
  const allowed = KEYS[type as LayerType];
  const extra = Object.keys(l).filter((k) => k !== 'type' && !allowed.includes(k));
  if (extra.length) throw new KnobsError(`${where} (${type}): unknown field(s) ${extra.join(', ')}; allowed: ${allowed.join(', ') || 'none'}`);

  const posInt = (k: string): number => {
    const v = l[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new KnobsError(`${where} (${type}): ${k} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const optSeed = (): number | undefined => {
    const v = l.seed;
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new KnobsError(`${where} (${type}): seed must be a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const optAxis = (): number | undefined => {
    const v = l.axis;
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new KnobsError(`${where} (${type}): axis must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };

  switch (type as LayerType) {
    case 'Linear': {
      const bias = l.bias ?? true;
      if (typeof bias !== 'boolean') throw new KnobsError(`${where} (Linear): bias must be true or false, got ${JSON.stringify(l.bias)}`);
      const out: LayerSpec = { type: 'Linear', inFeatures: posInt('inFeatures'), outFeatures: posInt('outFeatures'), bias };
      const seed = optSeed();
      if (seed !== undefined) out.seed = seed;
      return out;
    }
    case 'Dropout': {
      const p = l.p;
      if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new KnobsError(`${where} (Dropout): p must be a number in [0, 1), got ${JSON.stringify(p)}`);
      const out: LayerSpec = { type: 'Dropout', p };
      const seed = optSeed();
      if (seed !== undefined) out.seed = seed;
      return out;
    }
    case 'Softmax':
    case 'LogSoftmax': {
      const axis = optAxis();
      return axis === undefined ? { type: type as 'Softmax' } : { type: type as 'Softmax', axis };
    }
    default:
      return { type: type as 'ReLU' };
  }
}

// Catches the commonest spec mistake (784→40 followed by 100→10) before any weights are made.
function checkWidths(layers: LayerSpec[]): void {
  let prev: { width: number; index: number } | null = null;
  layers.forEach((l, i) => {
    if (l.type !== 'Linear') return;
    if (prev && prev.width !== l.inFeatures) {
      throw new KnobsError(`fromSpec: layers[${i}] (Linear) takes ${l.inFeatures} inputs but layers[${prev.index}] produces ${prev.width}`);
    }
    prev = { width: l.outFeatures, index: i };
  });
}
