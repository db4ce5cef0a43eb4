/**
 * Optimizer: the "learn" step. Each subclass's update is one fused Rust kernel per parameter,
 * a pure function of (param, grad, state, hyperparameters). Hyperparameters come from the
 * subclass's registered definition (registry.ts). State tensors live outside any tidy() scope
 * and are saved with stateDict(), together with the hyperparameters (lr may have been changed by
 * hand or by a scheduler) and the state of the schedulers attached to this optimizer.
 */
import { clearGrad } from '../autograd.js';
import { KnobsError, fmtShape } from '../errors.js';
import { keep } from '../scope.js';
import { Tensor, zeros } from '../tensor.js';
import { checkHyperValue, resolveHyper, type Hyperparameters, type OptimizerDef } from './registry.js';
import { schedulerFromState, type LRScheduler, type SchedulerState } from './schedulers.js';

export type OptimizerState = {
  step: number;
  slots: Record<string, { shape: number[]; data: Float32Array }[] | null>;
  /** Absent in states written before hyperparameters were saved; then the optimizer's own stay. */
  hyper?: Hyperparameters;
  /** One per attached scheduler, in attachment order. */
  schedulers?: SchedulerState[];
};

export abstract class Optimizer {
  readonly params: Tensor[];
  /** The registered type name ('SGD', 'Adam', …), used in errors and saved files. */
  readonly name: string;
  /** Number of step() calls so far (Adam's bias correction uses it). */
  stepCount = 0;
  /** Schedulers driving this optimizer's lr; a scheduler adds itself here when constructed. */
  readonly schedulers: LRScheduler[] = [];
  protected readonly hyper: Hyperparameters;
  /** Per-slot state buffers, one per parameter, created on first use. */
  protected readonly slots = new Map<string, (Tensor | null)[]>();

  constructor(params: Iterable<Tensor>, readonly def: OptimizerDef, opts: unknown) {
    this.name = def.type;
    // Checked before anything is allocated, so a bad call leaves nothing behind.
    if (params == null || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new KnobsError(`${this.name}: params must be an iterable of tensors (e.g. model.parameters()), got ${params === null ? 'null' : typeof params}`);
    }
    this.params = [...params];
    if (this.params.length === 0) throw new KnobsError(`${this.name}: got an empty parameter list`);
    const seen = new Map<Tensor, number>();
    this.params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new KnobsError(`${this.name}: parameter ${i} is not a Tensor`);
      if (!p.requiresGrad) throw new KnobsError(`${this.name}: parameter ${p} does not require grad`);
      const j = seen.get(p);
      // Listed twice, a parameter would be updated twice per step with the same gradient.
      if (j !== undefined) throw new KnobsError(`${this.name}: parameter ${i} ${fmtShape(p.shape)} is the same tensor as parameter ${j}; list each parameter once`);
      seen.set(p, i);
    });
    this.hyper = resolveHyper(def, opts);
  }

  /** Learning rate; may be changed between steps (by hand or by a scheduler). */
  get lr(): number {
    return this.hyper.lr as number;
  }
  set lr(v: number) {
    this.hyper.lr = checkHyperValue(this.name, 'lr', this.def.hyper.lr, v);
  }

  /** A copy of every hyperparameter, defaults included. */
  hyperparameters(): Hyperparameters {
    return { ...this.hyper };
  }

  protected slot(name: string, i: number): Tensor {
    let list = this.slots.get(name);
    if (!list) this.slots.set(name, (list = this.params.map(() => null)));
    let t = list[i];
    if (!t) list[i] = t = keep(zeros(this.params[i].shape));
    return t;
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    const ps = this.params;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if (p.grad && p.size > 0) this.update(p, p.grad, i);
    }
  }
  protected abstract update(p: Tensor, g: Tensor, i: number): void;

  zeroGrad(): void {
    const ps = this.params;
    for (let i = 0; i < ps.length; i++) clearGrad(ps[i]);
  }

  stateDict(): OptimizerState {
    const slots: OptimizerState['slots'] = {};
    for (const [name, list] of this.slots) slots[name] = list.map((t) => (t ? { shape: [...t.shape], data: t.toFloat32Array() } : { shape: [], data: new Float32Array(0) }));
    return { step: this.stepCount, slots, hyper: { ...this.hyper }, schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /**
   * Restores step count, slots, hyperparameters and schedulers. Schedulers already attached get
   * their saved state in order; with none attached they are rebuilt from the state (as loadModel does).
   */
  loadStateDict(state: OptimizerState): void {
    const op = `${this.name}.loadStateDict`;
    if (!state || typeof state !== 'object' || !state.slots || typeof state.slots !== 'object') throw new KnobsError(`${op}: expected { step, slots, hyper?, schedulers? }`);
    const hyper = state.hyper === undefined ? null : resolveHyper(this.def, { ...this.hyper, ...state.hyper });
    const scheds = state.schedulers ?? [];
    if (!Array.isArray(scheds)) throw new KnobsError(`${op}: schedulers must be an array`);
    if (this.schedulers.length !== 0 && this.schedulers.length !== scheds.length) {
      throw new KnobsError(`${op}: the state has ${scheds.length} scheduler(s), ${this.schedulers.length} are attached`);
    }
    for (const [name, list] of Object.entries(state.slots)) {
      if (!list) continue;
      if (list.length !== this.params.length) throw new KnobsError(`${op}: slot '${name}' has ${list.length} entries for ${this.params.length} parameters`);
      list.forEach((e, i) => {
        if (e.data.length === 0) return;
        if (e.data.length !== this.params[i].size) throw new KnobsError(`${op}: slot '${name}'[${i}] has ${e.data.length} values, parameter has ${this.params[i].size}`);
        this.slot(name, i).data.set(e.data);
      });
    }
    this.stepCount = state.step;
    if (this.schedulers.length === 0) for (const s of scheds) schedulerFromState(this, s, op);
    else scheds.forEach((s, i) => this.schedulers[i].loadStateDict(s));
    // Last: building a scheduler sets lr to its epoch-0 value; the saved lr is the current one.
    if (hyper) Object.assign(this.hyper, hyper);
  }

  dispose(): void {
    for (const list of this.slots.values()) for (const t of list) t?.dispose();
    this.slots.clear();
  }
}
