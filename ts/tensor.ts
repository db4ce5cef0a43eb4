/**
 * Tensor: float32 data living in wasm memory, a shape, and (when it takes part in learning) the
 * links autograd needs: the tensors it was computed from and a closure that sends its gradient
 * back to them. The closure is written next to the forward code of each op (see ops/).
 */
import { checkOptions } from './options.js';
import { MAX_ELEMENTS, allocF32, freeF32, heap, K } from './backend/wasm.js';
import { KnobsError, ShapeError, fmtShape, fmtValue } from './errors.js';
import { seedFor } from './random.js';
import { countUnscoped, track, untrack } from './scope.js';

/** A block of wasm memory shared by a tensor and its reshaped views; freed when the last one goes. */
class Storage {
  refs = 1;
  /** `host`: the block this one is a part of (ts/compile's arena); freeing it releases the host. */
  constructor(readonly ptr: number, readonly size: number, readonly host: Storage | null = null) {}
}

// Backstop for tensors the user forgot to dispose: their memory returns to the pool when the JS
// object is garbage-collected. Deterministic code should still use tidy()/dispose().
// Only tensors outside every tidy() scope are registered: a scope holds its tensors strongly, so
// the backstop could never fire for them, and register+unregister costs ~0.2 µs, more than a
// small op itself. Every registered tensor counts as unscoped, so the held value is just the storage.
const finalizer = new FinalizationRegistry<Storage>((st) => {
  release(st);
  countUnscoped(-1);
});

// Unscoped tensors waiting to be registered. Registration is deferred to the end of the current
// job (or every 256 tensors), so a tensor disposed before then — `add(a, b).dispose()` in a loop —
// never pays for it; one still alive then is registered, so the backstop still covers it.
let toWatch: Tensor[] = [];
let watchQueued = false;
function watchLater(t: Tensor): void {
  toWatch.push(t);
  if (toWatch.length >= 256) flushWatch();
  else if (!watchQueued) {
    watchQueued = true;
    queueMicrotask(flushWatch);
  }
}
function flushWatch(): void {
  watchQueued = false;
  const list = toWatch;
  toWatch = [];
  for (const t of list) t._watch();
}

/** Shared by every tensor that has no autograd inputs (saves an empty array per tensor). */
const NO_PARENTS: readonly Tensor[] = Object.freeze([]);

function release(st: Storage): void {
  if (--st.refs === 0 && st.size > 0) {
    if (st.host) release(st.host);
    else freeF32(st.ptr, st.size);
  }
}

export type BackwardFn = (grad: Tensor) => void;
export type Shape = readonly number[];
export type NestedArray = number | NestedArray[];

export function shapeSize(shape: Shape): number {
  // Indexed, not for-of: shapes are frozen arrays, and the iterator path is slower on them.
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

// Shapes frozen here carry this mark: reading it is one property load, while Object.isFrozen
// cost ~10 ns per tensor (for arrays frozen elsewhere it is still the fallback).
const FROZEN = Symbol('frozen shape');
type MarkedShape = Shape & { [FROZEN]?: true };

/** dims, frozen and marked so that every Tensor given it adopts it without a copy. Takes ownership of dims. */
export function frozenShape(dims: number[]): Shape {
  Object.defineProperty(dims, FROZEN, { value: true });
  return Object.freeze(dims);
}

/** The shape of a scalar, shared (a frozen array is adopted by the Tensor constructor without a copy). */
export const SCALAR_SHAPE: Shape = frozenShape([]);

export { MAX_ELEMENTS };

function checkShape(shape: Shape, op: string): void {
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape)) throw new ShapeError(`${op}: shape must be an array of non-negative integers, got ${fmtValue(shape)}`);
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${fmtShape(shape)} (dimensions must be non-negative integers)`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw new ShapeError(`${op}: shape ${fmtShape(shape)} has ${n} elements (${n * 4} bytes); one tensor holds at most ${MAX_ELEMENTS} (2 GiB) in wasm32`);
}

let nextId = 1;

export class Tensor {
  /** True for every tensor (on the prototype: one field less to set per tensor). */
  declare readonly isTensor: true;
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  /** Gradient of the last backward() with respect to this tensor (leaves only). */
  grad: Tensor | null = null;
  requiresGrad: boolean;
  /** Autograd links: set by ops when any input requires grad. */
  parents: readonly Tensor[] = NO_PARENTS;
  backwardFn: BackwardFn | null = null;
  /** @internal Set by recordScalar (a loss): its backward from the gradient's value alone (autograd.ts). */
  _scalarBackward: ((g: number) => void) | null = null;
  /** @internal Set by recordScalar: writes the loss's gradient for parents[0] at a byte offset (autograd.ts). */
  _scalarInto: ((g: number, dst: number) => void) | null = null;
  /** @internal Set by linkAt: this op's backward from its gradient's byte offset (autograd.ts). */
  _backwardAt: ((gyPtr: number) => void) | null = null;
  /** @internal How many graph edges lead into this tensor in the current backward() (autograd.ts). */
  _uses = 0;
  /** Name of the op that produced this tensor, for error messages and debugging. */
  op: string;
  private storage: Storage | null;
  /** Whether this tensor counts as alive outside every tidy() scope (and is watched by the finalizer). */
  private unscoped = false;
  private watched = false;
  /** @internal The tidy() scope that will dispose this tensor (scope.ts), or null. */
  _scope: object | null = null;
  /** @internal The mark of the last backward() that visited this tensor (autograd.ts). */
  _visit = 0;
  /** @internal The leaf whose gradient autograd made this tensor (autograd.ts), or null. */
  _gradOf: Tensor | null = null;
  /** @internal The gradient buffer zeroGrad() took from this leaf, reused by its next backward (autograd.ts). */
  _spareGrad: Tensor | null = null;

  /** @internal Use `tensor()`, `zeros()`… to create tensors. */
  constructor(shape: Shape, storage: Storage | null, op: string, requiresGrad = false) {
    // A frozen array (another tensor's shape) cannot change under us: share it instead of copying.
    this.shape = (shape as MarkedShape)[FROZEN] === true || (Array.isArray(shape) && Object.isFrozen(shape)) ? shape : frozenShape([...shape]);
    this.size = shapeSize(shape);
    this.op = op;
    this.requiresGrad = requiresGrad;
    if (!storage) {
      storage = new Storage(this.size > 0 ? allocF32(this.size) : 0, this.size);
    } else {
      storage.refs++;
    }
    this.storage = storage;
    if (!track(this)) this._leftScopes();
  }

  /** Byte offset of the data in wasm memory (for kernels). Throws if disposed. */
  get ptr(): number {
    if (!this.storage) throw new KnobsError(`tensor ${fmtShape(this.shape)} (from ${this.op}) was used after dispose()`);
    return this.storage.ptr;
  }
  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.storage === null;
  }
  /** True for tensors that were not computed from others (inputs and parameters). */
  get isLeaf(): boolean {
    return this.backwardFn === null;
  }

  /**
   * A live view of the data in wasm memory. Valid only until the next knobs call that may
   * allocate (memory growth detaches it): read it at once, or use `toFloat32Array()`.
   */
  get data(): Float32Array {
    const p = this.ptr >>> 2;
    return heap().subarray(p, p + this.size);
  }
  /** A copy of the data in JS memory. */
  toFloat32Array(): Float32Array {
    return this.data.slice();
  }
  /** Nested JS arrays in the tensor's shape (a number for a scalar). */
  toArray(): NestedArray {
    const d = this.data;
    if (this.shape.length === 0) return d[0];
    const build = (axis: number, offset: number): NestedArray[] => {
      const n = this.shape[axis];
      const stride = shapeSize(this.shape.slice(axis + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(axis === this.shape.length - 1 ? d[offset + i] : build(axis + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor has shape ${fmtShape(this.shape)}, not a single element`);
    // One read, without the subarray `data` would make (item() is called every step for the loss).
    return heap()[this.ptr >>> 2];
  }
  /** Frees the wasm memory now (idempotent). Views made by reshape keep the data alive. */
  dispose(): void {
    if (!this.storage) return;
    if (this.watched) finalizer.unregister(this);
    this.watched = false;
    release(this.storage);
    this.storage = null;
    untrack(this);
    if (this.unscoped) {
      this.unscoped = false;
      countUnscoped(-1);
    }
    if (this.grad) this.grad.dispose();
    this.grad = null;
    if (this._spareGrad) this._spareGrad.dispose();
    this._spareGrad = null;
    this.parents = NO_PARENTS;
    this.backwardFn = null;
    this._scalarBackward = null;
    this._scalarInto = null;
    this._backwardAt = null;
  }
  /** A tensor with the same data and another shape (no copy). */
  reshape(shape: Shape): Tensor {
    return reshapeImpl(this, shape);
  }
  /** A copy that shares no memory and no autograd history. */
  clone(): Tensor {
    const out = new Tensor(this.shape, null, 'clone');
    heap().copyWithin(out.ptr >>> 2, this.ptr >>> 2, (this.ptr >>> 2) + this.size);
    return out;
  }
  /** Same data, cut from the graph: gradients do not flow through it. */
  detach(): Tensor {
    return new Tensor(this.shape, this.storage, 'detach');
  }
  /** Marks a leaf as a knob whose gradient backward() should compute. */
  requireGrad(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }
  /** Computes d(this)/d(leaf) for every leaf that requires grad; `this` must be a scalar unless `grad` is given. */
  backward(grad?: Tensor): void {
    backwardImpl(this, grad);
  }
  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, op=${this.op})`;
  }
  /** @internal Called when this tensor is no longer in any tidy() scope (made outside one, kept, or returned past the outermost). */
  _leftScopes(): void {
    if (this.unscoped || !this.storage) return;
    this.unscoped = true;
    countUnscoped(1);
    watchLater(this);
  }
  /** @internal Registers with the finalizer if still alive and unscoped (see watchLater). */
  _watch(): void {
    if (this.watched || !this.unscoped || !this.storage) return;
    finalizer.register(this, this.storage, this);
    this.watched = true;
  }
  /**
   * @internal ts/compile: moves t's data to float offset `off` of `block` and makes t live there
   * from now on (the block stays allocated while t does). The same tensor object keeps its
   * identity, so a model and an optimizer holding it see the move. Refused for shared storage.
   */
  static _rehome(t: Tensor, block: Tensor, off: number): void {
    const st = t.storage, host = block.storage;
    if (!st || !host) throw new KnobsError(`compileStep: tensor ${fmtShape(t.shape)} (from ${t.op}) was used after dispose()`);
    if (st.refs !== 1) throw new KnobsError(`compileStep: tensor ${fmtShape(t.shape)} (from ${t.op}) shares its memory with a view; it cannot move into the step's arena`);
    if (t.size === 0 || off < 0 || off + t.size > host.size) throw new KnobsError(`compileStep: bad arena offset ${off} for ${fmtShape(t.shape)}`);
    const ptr = host.ptr + off * 4;
    heap().copyWithin(ptr >>> 2, st.ptr >>> 2, (st.ptr >>> 2) + t.size);
    host.refs++;
    if (t.watched) finalizer.unregister(t);
    release(st);
    t.storage = new Storage(ptr, t.size, host);
    // The finalizer holds the storage itself (see `finalizer`), so a watched tensor re-registers
    // with the new one; an unwatched one is still covered by its scope or by watchLater.
    if (t.watched) finalizer.register(t, t.storage, t);
  }
  /** @internal ts/compile: a tensor over `size(shape)` floats at float offset `off` of `block` (no copy). */
  static _viewAt(block: Tensor, off: number, shape: Shape, op: string): Tensor {
    const host = block.storage;
    if (!host) throw new KnobsError(`${op}: the step's arena was disposed`);
    const st = new Storage(host.ptr + off * 4, shapeSize(shape), host);
    if (off < 0 || off + st.size > host.size || st.size === 0) throw new KnobsError(`${op}: bad arena view at ${off} of ${fmtShape(shape)}`);
    host.refs++;
    const t = new Tensor(shape, st, op);
    st.refs--; // the constructor counted t; the Storage's own initial reference is not an owner
    return t;
  }
  /**
   * @internal A tensor of `shape` at the end of a fresh block whose first `scratch` floats (at
   * `ptr − 4·scratch`) it owns too: they are freed with it. linearChain keeps its hidden layers
   * there, which its backward reads, without a Tensor for each.
   */
  static _withScratch(scratch: number, shape: Shape, op: string): Tensor {
    const size = shapeSize(shape);
    const host = new Storage(allocF32(scratch + size), scratch + size);
    const st = new Storage(host.ptr + scratch * 4, size, host);
    const t = new Tensor(shape, st, op);
    st.refs--; // as in _viewAt: the constructor counted t, the only owner
    return t;
  }
  /** @internal shares storage with a new tensor of another shape. */
  static _view(src: Tensor, shape: Shape, op: string): Tensor {
    if (!src.storage) throw new KnobsError(`${op}: tensor ${fmtShape(src.shape)} was used after dispose()`);
    return new Tensor(shape, src.storage, op);
  }
}

Object.defineProperty(Tensor.prototype, 'isTensor', { value: true });

// Filled in by autograd.ts / ops (kept out of this file to keep Tensor small).
let backwardImpl: (t: Tensor, grad?: Tensor) => void = () => {
  throw new Error('autograd not loaded');
};
let reshapeImpl: (t: Tensor, shape: Shape) => Tensor = () => {
  throw new Error('ops not loaded');
};
export function _setBackward(fn: typeof backwardImpl): void {
  backwardImpl = fn;
}
export function _setReshape(fn: typeof reshapeImpl): void {
  reshapeImpl = fn;
}

/** An uninitialised tensor (kernels write every element before it is read). */
export function empty(shape: Shape, op = 'empty'): Tensor {
  checkShape(shape, op);
  return new Tensor(shape, null, op);
}

function filled(op: string, shape: Shape, value: number, opts: { requiresGrad?: boolean }): Tensor {
  if (typeof value !== 'number') throw new KnobsError(`${op}: value must be a number, got ${fmtValue(value)}`);
  checkOptions(op, opts, ['requiresGrad']);
  const t = empty(shape, op);
  t.data.fill(value);
  t.requiresGrad = !!opts.requiresGrad;
  return t;
}
export function full(shape: Shape, value: number, opts: { requiresGrad?: boolean } = {}): Tensor {
  return filled('full', shape, value, opts);
}
export function zeros(shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}
export function ones(shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

function inferShape(data: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flattenInto(data: NestedArray, shape: number[], axis: number, out: Float32Array, offset: number): number {
  if (axis === shape.length) {
    if (typeof data !== 'number') throw new ShapeError(`tensor: ragged nested array (expected a number at depth ${axis}, got ${fmtValue(data)})`);
    out[offset] = data;
    return offset + 1;
  }
  if (!Array.isArray(data) || data.length !== shape[axis]) {
    throw new ShapeError(`tensor: ragged nested array: expected length ${shape[axis]} at depth ${axis}, got ${Array.isArray(data) ? data.length : typeof data}`);
  }
  for (const v of data) offset = flattenInto(v, shape, axis + 1, out, offset);
  return offset;
}

export interface TensorOptions {
  requiresGrad?: boolean;
}

/**
 * Makes a tensor from nested arrays (shape inferred) or flat data (shape given, or 1-D).
 *   tensor([[1, 2], [3, 4]]);  tensor(new Float32Array(6), [2, 3]);  tensor(3.5)
 */
export function tensor(data: NestedArray | ArrayLike<number>, shape?: Shape, opts: TensorOptions = {}): Tensor {
  let flat: ArrayLike<number>;
  let shp: number[];
  checkOptions('tensor', opts, ['requiresGrad']);
  if (shape !== undefined) checkShape(shape, 'tensor');
  if (ArrayBuffer.isView(data) && (data instanceof BigInt64Array || data instanceof BigUint64Array || data instanceof DataView)) {
    throw new KnobsError(`tensor: data must be numbers (an Array or a Float32Array/Int32Array/...), got a ${data.constructor.name}`);
  }
  if (Array.isArray(data) && !data.some(Array.isArray)) {
    const bad = data.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) throw new KnobsError(`tensor: data[${bad}] is ${fmtValue(data[bad])}, not a number`);
  }
  if (data === null || (typeof data !== 'number' && typeof data !== 'object')) throw new KnobsError(`tensor: data must be a number, nested arrays or a typed array, got ${fmtValue(data)}`);
  if (typeof data === 'number') {
    flat = [data];
    shp = shape ? [...shape] : [];
  } else if (ArrayBuffer.isView(data) || (Array.isArray(data) && !data.some(Array.isArray))) {
    flat = data as ArrayLike<number>;
    shp = shape ? [...shape] : [flat.length];
  } else {
    const inferred = inferShape(data as NestedArray, 'tensor');
    const buf = new Float32Array(shapeSize(inferred));
    flattenInto(data as NestedArray, inferred, 0, buf, 0);
    flat = buf;
    shp = shape ? [...shape] : inferred;
  }
  checkShape(shp, 'tensor');
  if (shapeSize(shp) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(shp)} (${shapeSize(shp)} elements)`);
  }
  const t = empty(shp, 'tensor');
  t.data.set(flat);
  t.requiresGrad = !!opts.requiresGrad;
  return t;
}

/** The kernel seed, checked before anything is allocated (a bad seed must not leak a tensor). */
function seedOf(op: string, seed: number | undefined): readonly [number, number] {
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) throw new KnobsError(`${op}: seed must be a finite number, got ${fmtValue(seed)}`);
  return seedFor(seed);
}

export interface RandomOptions extends TensorOptions {
  /** Same seed, same numbers, on every platform. Without it the global stream (`manualSeed`) is used. */
  seed?: number;
}

export function randn(shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkOptions('randn', opts, ['seed', 'requiresGrad', 'mean', 'std']);
  checkShape(shape, 'randn');
  const [lo, hi] = seedOf('randn', opts.seed);
  const t = empty(shape, 'randn');
  K().fill_normal(t.size ? t.ptr : 0, t.size, lo, hi, opts.mean ?? 0, opts.std ?? 1);
  t.requiresGrad = !!opts.requiresGrad;
  return t;
}

export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkOptions('rand', opts, ['seed', 'requiresGrad', 'low', 'high']);
  checkShape(shape, 'rand');
  const [lo, hi] = seedOf('rand', opts.seed);
  const t = empty(shape, 'rand');
  K().fill_uniform(t.size ? t.ptr : 0, t.size, lo, hi, opts.low ?? 0, opts.high ?? 1);
  t.requiresGrad = !!opts.requiresGrad;
  return t;
}

export { Storage as _Storage };
