/**
 * Module: a set of knobs (parameters), buffers and sub-modules, with PyTorch's names for what users
 * touch: parameters(), namedParameters(), buffers(), stateDict(), loadStateDict(), train(), eval(),
 * zeroGrad(), getExtraState()/setExtraState().
 *
 * A module describes itself (for save/load, workers and DataParallel) by a registered static `type`,
 * `config()` — its constructor arguments as plain JSON — and a static `fromConfig(config)`; see
 * registry.ts and spec.ts.
 */
import { clearGrad } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { keep } from '../scope.js';
import { Tensor, tensor, shapeSize, type NestedArray } from '../tensor.js';
import type { JsonObject, JsonValue } from './config.js';

/** A tensor's value outside wasm memory: safe to keep, serialise, or post to a worker. */
export interface StateEntry {
  shape: number[];
  data: Float32Array;
}
export type StateDict = Record<string, StateEntry>;

/** Any module, whatever it takes and returns (containers and save/load hold these). */
export type AnyModule = Module<any[], any>;

/**
 * `In` is the tuple of forward's arguments and `Out` its result: the default is one tensor in, one
 * out; a recurrent cell may be `Module<[Tensor, Tensor], [Tensor, Tensor]>` ((x, state) → [y, state]).
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly bufs = new Map<string, Tensor>();
  private readonly children = new Map<string, AnyModule>();

  abstract forward(...inputs: In): Out;

  /**
   * The constructor arguments as plain JSON, such that `fromConfig(config())` builds the same
   * architecture. Modules without arguments keep this default.
   */
  config(): JsonObject {
    return {};
  }

  /** Non-parameter state that is not a tensor (a random stream's position), as JSON; undefined: none. */
  getExtraState(): JsonValue | undefined {
    return undefined;
  }
  /** Restores what getExtraState() returned. Called by loadModel; throws on a bad value. */
  setExtraState(state: JsonValue): void {
    throw new KnobsError(`setExtraState: ${this.constructor.name} keeps no extra state, got ${JSON.stringify(state)}`);
  }

  /**
   * Called on every module of data-parallel replica `index` (≥ 1) right after it is built: a module
   * with its own random stream (Dropout) moves it to one of its own, so shards are not all masked
   * alike. Modules without randomness keep this no-op.
   */
  forkRandomStreams(index: number): void {}

  /** Registers a knob: a leaf tensor that requires grad and outlives any tidy() scope. */
  protected addParameter(name: string, t: Tensor): Tensor {
    this.checkName(name, 'addParameter');
    keep(t);
    t.requiresGrad = true;
    this.params.set(name, t);
    return t;
  }
  /**
   * Registers a buffer: state that is saved and loaded with the parameters (stateDict) but not
   * trained (no gradient, not in parameters()), such as running statistics.
   */
  addBuffer(name: string, t: Tensor): Tensor {
    this.checkName(name, 'addBuffer');
    keep(t);
    t.requiresGrad = false;
    this.bufs.set(name, t);
    return t;
  }
  protected addModule<M extends AnyModule>(name: string, m: M): M {
    this.checkName(name, 'addModule');
    if (!(m instanceof Module)) throw new KnobsError(`addModule: '${name}' must be a Module, got ${m === null ? 'null' : typeof m}`);
    this.children.set(name, m);
    return m;
  }
  // Dotted names address state ("encoder.0.weight"): a dot inside a name would make them ambiguous.
  private checkName(name: string, op: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) throw new KnobsError(`${op}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
    if (this.params.has(name) || this.bufs.has(name) || this.children.has(name)) throw new KnobsError(`${op}: '${name}' is already a parameter, buffer or child of this ${this.constructor.name}`);
  }

  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, p] of this.params) yield [prefix + n, p];
    for (const [n, m] of this.children) yield* m.namedParameters(`${prefix}${n}.`);
  }
  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }
  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, b] of this.bufs) yield [prefix + n, b];
    for (const [n, m] of this.children) yield* m.namedBuffers(`${prefix}${n}.`);
  }
  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }
  /** Direct children by name, in registration order. */
  *namedChildren(): Generator<[string, AnyModule]> {
    yield* this.children;
  }
  /** This module and every descendant, with dotted paths ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, AnyModule]> {
    yield [prefix, this];
    for (const [n, m] of this.children) yield* m.namedModules(prefix ? `${prefix}.${n}` : n);
  }
  *modules(): Generator<AnyModule> {
    for (const [, m] of this.namedModules()) yield m;
  }
  /** Total number of knobs. */
  get nParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  zeroGrad(): void {
    for (const p of this.parameters()) {
      clearGrad(p);
    }
  }

  /** Copies of every parameter and buffer, by dotted name ("0.weight", "2.bias", …). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, p] of this.namedState()) out[n] = { shape: [...p.shape], data: p.toFloat32Array() };
    return out;
  }
  /** Parameters then buffers: what stateDict() holds and a weights file stores. */
  *namedState(): Generator<[string, Tensor]> {
    yield* this.namedParameters();
    yield* this.namedBuffers();
  }

  /**
   * Overwrites parameters and buffers in place. Values may be StateEntry, Tensor, or nested arrays.
   * Strict: a missing key, an unexpected key or a shape mismatch is an error, and nothing is
   * changed unless everything fits.
   */
  loadStateDict(state: Record<string, StateEntry | Tensor | NestedArray>): void {
    const named = new Map(this.namedState());
    const unexpected = Object.keys(state).filter((k) => !named.has(k));
    const missing = [...named.keys()].filter((k) => !(k in state));
    if (unexpected.length || missing.length) {
      throw new KnobsError(`loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
    }
    const staged: [Tensor, Float32Array][] = [];
    for (const [name, p] of named) {
      const v = state[name];
      let shape: readonly number[];
      let data: Float32Array;
      if (v instanceof Tensor) {
        shape = v.shape;
        data = v.toFloat32Array();
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'data' in v) {
        shape = v.shape;
        data = Float32Array.from(v.data);
        if (shapeSize(shape) !== data.length) throw new ShapeError(`loadStateDict: '${name}' has shape ${fmtShape(shape)} but ${data.length} values`);
      } else {
        const t = tensor(v as NestedArray);
        shape = t.shape;
        data = t.toFloat32Array();
        t.dispose();
      }
      if (shape.length !== p.shape.length || shape.some((d, i) => d !== p.shape[i])) {
        throw new ShapeError(`loadStateDict: '${name}' expects shape ${fmtShape(p.shape)}, got ${fmtShape(shape)}`);
      }
      staged.push([p, data]);
    }
    for (const [p, data] of staged) p.data.set(data);
  }

  /** Every module's extra state by module path ('' is this module); modules without any are left out. */
  extraStateDict(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const [path, m] of this.namedModules()) {
      const s = m.getExtraState();
      if (s !== undefined) out[path] = s;
    }
    return out;
  }
  /** Restores extraStateDict()'s output; a path that is not a module with extra state is an error. */
  loadExtraStateDict(states: Record<string, JsonValue>, op = 'loadExtraStateDict'): void {
    const mods = new Map(this.namedModules());
    for (const [path, s] of Object.entries(states)) {
      const m = mods.get(path);
      if (!m) throw new KnobsError(`${op}: extra state for '${path}', which is not a module of this model`);
      try {
        m.setExtraState(s);
      } catch (e) {
        throw new KnobsError(`${op}: extra state of '${path}' (${m.constructor.name}): ${(e as Error).message}`);
      }
    }
  }

  /** Frees every parameter and buffer (and gradients). */
  dispose(): void {
    for (const [, p] of this.namedState()) p.dispose();
  }
}
