/**
 * Module: a set of knobs (parameters) and sub-modules, with PyTorch's names for what users touch:
 * parameters(), namedParameters(), stateDict(), loadStateDict(), train(), eval(), zeroGrad().
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { keep } from '../scope.js';
import { Tensor, tensor, shapeSize, type NestedArray } from '../tensor.js';

/** A parameter's value outside wasm memory: safe to keep, serialise, or post to a worker. */
export interface StateEntry {
  shape: number[];
  data: Float32Array;
}
export type StateDict = Record<string, StateEntry>;

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(...inputs: Tensor[]): Tensor;

  /** Registers a knob: a leaf tensor that requires grad and outlives any tidy() scope. */
  protected addParameter(name: string, t: Tensor): Tensor {
    keep(t);
    t.requiresGrad = true;
    this.params.set(name, t);
    return t;
  }
  protected addModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, p] of this.params) yield [prefix + n, p];
    for (const [n, m] of this.children) yield* m.namedParameters(`${prefix}${n}.`);
  }
  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }
  *modules(): Generator<Module> {
    yield this;
    for (const m of this.children.values()) yield* m.modules();
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
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Copies of every parameter, by dotted name ("0.weight", "2.bias", …). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, p] of this.namedParameters()) out[n] = { shape: [...p.shape], data: p.toFloat32Array() };
    return out;
  }

  /**
   * Overwrites parameters in place. Values may be StateEntry, Tensor, or nested arrays.
   * Strict: a missing key, an unexpected key or a shape mismatch is an error, and nothing is
   * changed unless everything fits.
   */
  loadStateDict(state: Record<string, StateEntry | Tensor | NestedArray>): void {
    const named = new Map(this.namedParameters());
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

  /** Frees every parameter (and its gradient). */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}
