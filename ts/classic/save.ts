/**
 * Saving a fitted estimator in the library's formats: numeric arrays of its state (training rows,
 * centres, covariances, counts…) go into safetensors as float64 tensors — exact, compact, and
 * readable from Python — and the rest (type, hyperparameters, small values) into JSON beside it,
 * where each moved array is replaced by { "$tensor": name }.
 */
import { KnobsError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { loadEstimator, type Estimator, type EstimatorJSON } from './estimator.js';

/** Arrays shorter than this stay inline in the JSON, where a person can read them. */
const INLINE_MAX = 16;

export interface SavedEstimator {
  weights: Uint8Array;
  json: string;
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length >= INLINE_MAX && v.every((x) => typeof x === 'number');
}

export function saveEstimator(est: Estimator): SavedEstimator {
  const doc = est.toJSON();
  const tensors: Record<string, { dtype: 'F64'; shape: number[]; data: Float64Array }> = {};
  const walk = (v: unknown, path: string): unknown => {
    if (isNumberArray(v)) {
      tensors[path] = { dtype: 'F64', shape: [v.length], data: Float64Array.from(v) };
      return { $tensor: path };
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}.${i}`));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`)]));
    return v;
  };
  const out: EstimatorJSON = { ...doc, state: doc.state === null ? null : (walk(doc.state, 'state') as Record<string, unknown>) };
  return { weights: writeSafetensors(tensors, { format: 'knobs.estimator', type: doc.type }), json: JSON.stringify(out) };
}

export function loadSavedEstimator(saved: { weights: Uint8Array | ArrayBuffer; json: string | object }): Estimator {
  if (!saved || typeof saved !== 'object') throw new KnobsError('loadSavedEstimator: expected { weights, json }');
  const bytes = saved.weights instanceof Uint8Array ? saved.weights : new Uint8Array(saved.weights);
  const { tensors } = readSafetensors(bytes, { copy: true });
  let doc: EstimatorJSON;
  try {
    doc = (typeof saved.json === 'string' ? JSON.parse(saved.json) : saved.json) as EstimatorJSON;
  } catch (e) {
    throw new KnobsError(`loadSavedEstimator: the JSON part is not valid JSON (${(e as Error).message})`);
  }
  const used = new Set<string>();
  // Saved states are a few levels deep; a bound keeps a hostile nesting from overflowing the stack.
  const MAX_DEPTH = 64;
  const walk = (v: unknown, depth = 0): unknown => {
    if (depth > MAX_DEPTH) throw new KnobsError(`loadSavedEstimator: the JSON state is nested deeper than ${MAX_DEPTH} levels`);
    if (v && typeof v === 'object' && !Array.isArray(v) && '$tensor' in v) {
      const ref = (v as { $tensor: unknown }).$tensor;
      if (typeof ref !== 'string') throw new KnobsError(`loadSavedEstimator: a $tensor reference must be a tensor name (a string), got ${typeof ref}`);
      const name = ref;
      // Own keys only: '__proto__' or 'constructor' must not resolve to Object.prototype's members.
      const t = Object.prototype.hasOwnProperty.call(tensors, name) ? tensors[name] : undefined;
      if (!t) throw new KnobsError(`loadSavedEstimator: the JSON refers to tensor '${name}', which the weights file does not have`);
      if (t.dtype !== 'F64' || t.shape.length !== 1) throw new KnobsError(`loadSavedEstimator: tensor '${name}' must be 1-D F64, got ${t.dtype} [${t.shape.join(',')}]`);
      used.add(name);
      return Array.from(t.data as Float64Array);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
    return v;
  };
  const state = doc && doc.state ? (walk(doc.state) as Record<string, unknown>) : null;
  const extra = Object.keys(tensors).filter((k) => !used.has(k));
  if (extra.length) throw new KnobsError(`loadSavedEstimator: the weights file has tensors the JSON does not use: ${extra.join(', ')}`);
  return loadEstimator({ ...doc, state });
}
