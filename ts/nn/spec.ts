/**
 * A model as plain JSON: the architecture without the weights. It is what save/load writes beside
 * the safetensors file and what crosses to a worker (functions and wasm tensors cannot be
 * structured-cloned; a spec and a StateDict can).
 *
 *   { format: 'knobs.module', version: 2,
 *     root: { type: 'Sequential', config: {},
 *             children: [{ name: '0', type: 'Linear', config: { inFeatures: 784, outFeatures: 40, bias: true } },
 *                        { name: '1', type: 'ReLU', config: {} }, …] } }
 *
 * Every node is a registered module type and its config (constructor arguments). Containers
 * (Sequential, ModuleList, ModuleDict) list their children; any other module rebuilds its children
 * from its config in its constructor, so its node has none. The version-1 format
 * ({ format: 'knobs.sequential', version: 1, layers: [...] }) is still read.
 */
import { AllocationLimitError } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import { describe, isJson, isPlainObject, type JsonObject, type JsonValue } from './config.js';
import { MultiheadAttention, TransformerEncoderLayer } from './attention.js';
import { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
import { ModuleDict, ModuleList } from './containers.js';
import { AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, Flatten, MaxPool2d } from './conv.js';
import { Embedding, EmbeddingBag } from './embedding.js';
import { Dropout, Linear, LogSoftmax, ReLU, Sequential, Sigmoid, Softmax, Tanh } from './layers.js';
import { MemN2N } from './memnet.js';
import type { AnyModule } from './module.js';
import { LayerNorm } from './norm.js';
import { LearnedPositionalEncoding, SinusoidalPositionalEncoding } from './positional.js';
import { classOf, lookup, registeredTypes, type ChildSpec, type ModuleClass } from './registry.js';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from './rnn.js';

/**
 * Every built-in module class, named rather than imported for its registration alone: the package
 * is side-effect free for bundlers, which drop a bare `import './layers.js'`, and a saved spec may
 * name any of them. Each module registers its classes when it is loaded.
 */
const BUILTINS: readonly { readonly type: string }[] = [
  Linear, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout, Sequential, ModuleList, ModuleDict,
  Conv2d, Conv1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, BatchNorm1d, BatchNorm2d, LayerNorm,
  RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU, Embedding, EmbeddingBag,
  MultiheadAttention, TransformerEncoderLayer, MemN2N, SinusoidalPositionalEncoding, LearnedPositionalEncoding,
];

/** The registered class of a type name (the built-ins always among them). */
function findType(type: string): ModuleClass | undefined {
  return lookup(type) ?? (BUILTINS.find((c) => c.type === type) as ModuleClass | undefined);
}

export interface ModuleSpec {
  type: string;
  config: JsonObject;
  /** Containers only: their children, in order. */
  children?: ChildSpec[];
}

export interface ModelSpec {
  format: 'knobs.module';
  version: 2;
  root: ModuleSpec;
}

/** The format knobs wrote before modules described themselves: a flat Sequential. */
export interface ModelSpecV1 {
  format: 'knobs.sequential';
  version: 1;
  layers: ({ type: string } & Record<string, unknown>)[];
}

export const SPEC_FORMAT = 'knobs.module';
export const SPEC_VERSION = 2;
const ROOT = 'root';

/** The spec of any module made of registered types; throws naming the first one that is not. */
export function toSpec(model: AnyModule): ModelSpec {
  return { format: SPEC_FORMAT, version: SPEC_VERSION, root: nodeOf(model, ROOT) };
}

function nodeOf(m: AnyModule, where: string): ModuleSpec {
  const cls = classOf(m, `toSpec: ${where}`);
  const config = m.config();
  if (!isPlainObject(config) || !isJson(config)) throw new KnobsError(`toSpec: ${where} (${cls.type}): config() must return a plain JSON object (finite numbers, strings, booleans, null, arrays, objects; leave out undefined keys), got ${safeText(config)}`);
  const node: ModuleSpec = { type: cls.type, config: structuredClone(config) };
  if (cls.childrenInSpec) node.children = [...m.namedChildren()].map(([name, c]) => ({ name, ...nodeOf(c, `${where}.${name}`) }));
  return node;
}

function safeText(v: unknown): string {
  try {
    return JSON.stringify(v) ?? describe(v);
  } catch {
    return describe(v);
  }
}

/**
 * Builds a fresh module (new random weights; load a StateDict for trained ones). The spec is
 * validated first, so a bad spec fails with a message naming the module's path and the key.
 */
export function fromSpec<M extends AnyModule = AnyModule>(spec: unknown): M {
  const s = validateSpec(spec);
  return build(s.root, ROOT) as M;
}

function build(node: ModuleSpec, where: string): AnyModule {
  const cls = findType(node.type)!;
  const children: [string, AnyModule][] = [];
  try {
    for (const c of node.children ?? []) children.push([c.name, build(c, `${where}.${c.name}`)]);
    let m: AnyModule;
    try {
      m = cls.fromConfig(structuredClone(node.config), cls.childrenInSpec ? children : undefined);
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      // The limit's owner (loadModel) explains it; a path would not help.
      if (e instanceof AllocationLimitError || (e instanceof KnobsError && msg.startsWith('fromSpec'))) throw e;
      throw new KnobsError(`fromSpec: ${where} (${node.type}): ${msg}`);
    }
    if (!(m instanceof (cls as unknown as abstract new () => AnyModule))) throw new KnobsError(`fromSpec: ${where}: ${cls.name}.fromConfig returned ${describe(m)}, not a ${cls.name}`);
    if (!cls.validateConfig) {
      // A class without its own validation: a key its config() does not give back is one its
      // constructor ignored (a typo), which would silently build another model.
      const known = new Set(Object.keys(m.config()));
      const unknown = Object.keys(node.config).filter((k) => !known.has(k));
      if (unknown.length) {
        m.dispose();
        throw new KnobsError(`fromSpec: ${where} (${node.type}): unknown config key(s) ${unknown.map((k) => `'${k}'`).join(', ')}; ${cls.name}.config() has ${[...known].join(', ') || 'none'}`);
      }
    }
    return m;
  } catch (e) {
    for (const [, c] of children) c.dispose();
    throw e;
  }
}

/** Checks a parsed spec (version 2, or version 1 which it converts) and returns it as version 2. */
export function validateSpec(spec: unknown): ModelSpec {
  const op = 'fromSpec';
  if (!isPlainObject(spec)) throw new KnobsError(`${op}: a model spec must be an object, got ${describe(spec)}`);
  if (spec.format === 'knobs.sequential') return { format: SPEC_FORMAT, version: SPEC_VERSION, root: validateNode(fromV1(spec), ROOT) };
  if (spec.format !== SPEC_FORMAT) throw new KnobsError(`${op}: format must be '${SPEC_FORMAT}' (or the older 'knobs.sequential'), got ${JSON.stringify(spec.format)}`);
  if (spec.version !== SPEC_VERSION) throw new KnobsError(`${op}: unsupported spec version ${JSON.stringify(spec.version)} (this knobs reads version ${SPEC_VERSION})`);
  const extra = Object.keys(spec).filter((k) => !['format', 'version', 'root'].includes(k));
  if (extra.length) throw new KnobsError(`${op}: unknown field(s) ${extra.join(', ')} in the spec; allowed: format, version, root`);
  return { format: SPEC_FORMAT, version: SPEC_VERSION, root: validateNode(spec.root, ROOT) };
}

function validateNode(node: unknown, where: string): ModuleSpec {
  const at = `fromSpec: ${where}`;
  if (!isPlainObject(node)) throw new KnobsError(`${at} must be an object { type, config }, got ${describe(node)}`);
  const allowedFields = where === ROOT ? ['type', 'config', 'children'] : ['name', 'type', 'config', 'children'];
  const extraFields = Object.keys(node).filter((k) => !allowedFields.includes(k));
  if (extraFields.length) throw new KnobsError(`${at}: unknown field(s) ${extraFields.join(', ')}; a node has ${allowedFields.join(', ')}`);
  const type = node.type;
  const cls = typeof type === 'string' ? findType(type) : undefined;
  if (!cls) throw new KnobsError(`${at}: unknown module type ${JSON.stringify(type)}; registered: ${registeredTypes().join(', ')} (nn.register adds yours)`);
  const config = node.config ?? {};
  if (!isPlainObject(config) || !isJson(config)) throw new KnobsError(`${at} (${type}): config must be a plain JSON object, got ${describe(config)}`);
  const out: ModuleSpec = { type: cls.type, config: structuredClone(config) };
  if (node.children !== undefined) {
    if (!cls.childrenInSpec) throw new KnobsError(`${at} (${type}): only containers (Sequential, ModuleList, ModuleDict) list children; ${type} builds its own from its config`);
    if (!Array.isArray(node.children)) throw new KnobsError(`${at} (${type}): children must be an array, got ${describe(node.children)}`);
    const seen = new Set<string>();
    out.children = node.children.map((c, i) => {
      const name = isPlainObject(c) ? c.name : undefined;
      if (typeof name !== 'string' || name === '' || name.includes('.')) throw new KnobsError(`${at} (${type}): children[${i}].name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
      if (seen.has(name)) throw new KnobsError(`${at} (${type}): two children named '${name}'`);
      seen.add(name);
      return { name, ...validateNode(c, `${where}.${name}`) };
    });
  } else if (cls.childrenInSpec) {
    out.children = [];
  }
  checkConfig(cls, out, where);
  return out;
}

function checkConfig(cls: ModuleClass, node: ModuleSpec, where: string): void {
  if (!cls.validateConfig) return;
  try {
    cls.validateConfig(node.config, `fromSpec: ${where} (${node.type})`, node.children as ChildSpec[] | undefined);
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    throw e instanceof KnobsError && msg.startsWith('fromSpec') ? e : new KnobsError(`fromSpec: ${where} (${node.type}): ${msg}`);
  }
}

/**
 * A version-1 model file's "rng" (layer index → Dropout stream state words) as the extra state of
 * those layers, which is where version 2 keeps it.
 */
export function extraStateFromV1(rng: Record<string, unknown>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [idx, words] of Object.entries(rng)) out[idx] = { rng: words as JsonValue };
  return out;
}

/** A version-1 spec as a version-2 node: a Sequential whose children are the layers' fields. */
function fromV1(spec: Record<string, unknown>): Record<string, unknown> {
  const op = 'fromSpec';
  if (spec.version !== 1) throw new KnobsError(`${op}: unsupported 'knobs.sequential' spec version ${JSON.stringify(spec.version)} (this knobs reads version 1)`);
  if (!Array.isArray(spec.layers)) throw new KnobsError(`${op}: 'layers' must be an array, got ${describe(spec.layers)}`);
  if (spec.layers.length === 0) throw new KnobsError(`${op}: 'layers' is empty; a model needs at least one layer`);
  const children = spec.layers.map((l, i) => {
    if (!isPlainObject(l)) throw new KnobsError(`${op}: layers[${i}] must be an object, got ${describe(l)}`);
    const { type, ...config } = l;
    return { name: String(i), type, config };
  });
  return { type: 'Sequential', config: {}, children };
}
