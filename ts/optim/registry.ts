/**
 * One registry of optimizer types: each optimizer declares its name, hyperparameters (kind,
 * default, valid range) and state slots once, and the constructor, createOptimizer, stateDict and
 * save/load all read that declaration — so adding an optimizer touches one file.
 */
import { KnobsError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Optimizer } from './optimizer.js';

export type HyperValue = number | boolean;
export type Hyperparameters = Record<string, HyperValue>;

export interface HyperDef {
  readonly kind: 'number' | 'boolean';
  /** Omitted: the hyperparameter is required (SGD's lr, as in the book). */
  readonly default?: HyperValue;
  /** Numbers only: [lo, hi), or (lo, hi) with loOpen. */
  readonly range?: readonly [lo: number, hi: number, loOpen?: boolean];
}

export interface OptimizerDef {
  /** The name in specs and saved files, e.g. 'Adam'. */
  readonly type: string;
  /** Every hyperparameter, `lr` included; other keys in the options are rejected. */
  readonly hyper: Readonly<Record<string, HyperDef>>;
  /** Names of the per-parameter state tensors the update keeps for these hyperparameters. */
  slots(h: Readonly<Hyperparameters>): string[];
  /** Rules that span several hyperparameters (SGD: nesterov needs momentum): a message if broken, else null. */
  check?(h: Readonly<Hyperparameters>): string | null;
  create(params: Iterable<Tensor>, opts: Hyperparameters): Optimizer;
}

const registry = new Map<string, OptimizerDef>();

/** Makes an optimizer type known to createOptimizer, workers and loadModel. */
export function registerOptimizer(def: OptimizerDef): void {
  if (!def || typeof def.type !== 'string' || !def.type) throw new KnobsError('registerOptimizer: the definition needs a type name');
  if (registry.has(def.type)) throw new KnobsError(`registerOptimizer: an optimizer named '${def.type}' is already registered`);
  if (def.hyper?.lr?.kind !== 'number') throw new KnobsError(`registerOptimizer: ${def.type} must declare a number hyperparameter 'lr' (schedulers set it)`);
  registry.set(def.type, def);
}

export function optimizerTypes(): string[] {
  return [...registry.keys()];
}

export function optimizerDef(type: unknown, op: string): OptimizerDef {
  const def = typeof type === 'string' ? registry.get(type) : undefined;
  if (!def) throw new KnobsError(`${op}: unknown optimizer type ${JSON.stringify(type)} (registered: ${optimizerTypes().join(', ')})`);
  return def;
}

export function checkHyperValue(op: string, name: string, d: HyperDef, v: unknown): HyperValue {
  if (typeof v !== d.kind) throw new KnobsError(`${op}: ${name} must be a ${d.kind}, got ${JSON.stringify(v)}`);
  if (d.kind === 'number' && d.range) {
    const [lo, hi, loOpen] = d.range;
    const n = v as number;
    const ok = Number.isFinite(n) && (loOpen ? n > lo : n >= lo) && n < hi;
    if (!ok) throw new KnobsError(`${op}: ${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}), got ${n}`);
  }
  return v as HyperValue;
}

/** Options → complete hyperparameters: unknown keys rejected, defaults filled, every value checked. */
export function resolveHyper(def: OptimizerDef, opts: unknown): Hyperparameters {
  const op = def.type;
  if (opts === undefined) opts = {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new KnobsError(`${op}: options must be an object like { lr: 0.01 }, got ${opts === null ? 'null' : typeof opts}`);
  const o = opts as Record<string, unknown>;
  // A spec of this very type ({ type: 'SGD', lr }) may be passed as the options; its type must match.
  if (o.type !== undefined && o.type !== op) throw new KnobsError(`${op}: the options name optimizer type ${JSON.stringify(o.type)}`);
  const unknown = Object.keys(o).filter((k) => k !== 'type' && !Object.hasOwn(def.hyper, k));
  if (unknown.length) throw new KnobsError(`${op}: unknown option '${unknown[0]}' (${op} takes ${Object.keys(def.hyper).join(', ')})`);
  const h: Hyperparameters = {};
  for (const [k, d] of Object.entries(def.hyper)) {
    const v = o[k] === undefined ? d.default : o[k];
    if (v === undefined) throw new KnobsError(`${op}: ${k} is required (e.g. new optim.${op}(model.parameters(), { ${k}: 0.01 }))`);
    h[k] = checkHyperValue(op, k, d, v);
  }
  const msg = def.check?.(h);
  if (msg) throw new KnobsError(`${op}: ${msg}`);
  return h;
}
