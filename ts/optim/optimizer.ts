/**
 * Optimizer: the "learn" step. Each subclass's update is one fused Rust kernel per parameter,
 * a pure function of (param, grad, state, hyperparameters). State tensors live outside any
 * tidy() scope and are saved with stateDict().
 */
import { KnobsError } from '../errors.js';
import { keep } from '../scope.js';
import { Tensor, zeros } from '../tensor.js';

export type OptimizerState = { step: number; slots: Record<string, { shape: number[]; data: Float32Array }[] | null> };

export function checkHyper(op: string, name: string, v: number, lo: number, hi: number, loOpen = false): void {
  const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && v < hi;
  if (!ok) throw new KnobsError(`${op}: ${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}), got ${v}`);
}

export abstract class Optimizer {
  readonly params: Tensor[];
  /** Number of step() calls so far (Adam's bias correction uses it). */
  stepCount = 0;
  /** Per-slot state buffers, one per parameter, created on first use. */
  protected readonly slots = new Map<string, (Tensor | null)[]>();

  constructor(params: Iterable<Tensor>, readonly name: string) {
    this.params = [...params];
    if (this.params.length === 0) throw new KnobsError(`${name}: got an empty parameter list`);
    for (const p of this.params) {
      if (!p.requiresGrad) throw new KnobsError(`${name}: parameter ${p} does not require grad`);
    }
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
    this.params.forEach((p, i) => {
      if (p.grad && p.size > 0) this.update(p, p.grad, i);
    });
  }
  protected abstract update(p: Tensor, g: Tensor, i: number): void;

  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  stateDict(): OptimizerState {
    const slots: OptimizerState['slots'] = {};
    for (const [name, list] of this.slots) slots[name] = list.map((t) => (t ? { shape: [...t.shape], data: t.toFloat32Array() } : { shape: [], data: new Float32Array(0) }));
    return { step: this.stepCount, slots };
  }
  loadStateDict(state: OptimizerState): void {
    for (const [name, list] of Object.entries(state.slots)) {
      if (!list) continue;
      if (list.length !== this.params.length) throw new KnobsError(`${this.name}.loadStateDict: slot '${name}' has ${list.length} entries for ${this.params.length} parameters`);
      list.forEach((e, i) => {
        if (e.data.length === 0) return;
        if (e.data.length !== this.params[i].size) throw new KnobsError(`${this.name}.loadStateDict: slot '${name}'[${i}] has ${e.data.length} values, parameter has ${this.params[i].size}`);
        this.slot(name, i).data.set(e.data);
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const list of this.slots.values()) for (const t of list) t?.dispose();
    this.slots.clear();
  }
}
