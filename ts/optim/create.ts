/** Optimizers as data: `{ type: 'Adam', lr: 1e-3 }` → an Optimizer. Used by save/load and workers. */
import { KnobsError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Optimizer } from './optimizer.js';
import type { AdagradOptions, AdamOptions, RMSpropOptions, SGDOptions } from './optimizers.js';
import './optimizers.js';
import { optimizerDef, optimizerTypes, type Hyperparameters } from './registry.js';

/** An optimizer by name plus its hyperparameters (structured-cloneable, JSON-able). */
export type OptimizerSpec =
  | ({ type: 'SGD' } & SGDOptions)
  | ({ type: 'Adam' } & AdamOptions)
  | ({ type: 'AdamW' } & AdamOptions)
  | ({ type: 'RMSprop' } & RMSpropOptions)
  | ({ type: 'Adagrad' } & AdagradOptions)
  /** An optimizer added with registerOptimizer. */
  | { type: string; [option: string]: Hyperparameters[string] | string };

export type OptimizerType = OptimizerSpec['type'];

/** Builds the optimizer a spec names from the registry; its definition validates the hyperparameters. `op` prefixes errors. */
export function createOptimizer(params: Tensor[], spec: OptimizerSpec, op = 'createOptimizer'): Optimizer {
  if (!spec || typeof spec !== 'object') throw new KnobsError(`${op}: optimizer must be { type: ${optimizerTypes().map((t) => `'${t}'`).join(' | ')}, ...options }`);
  const { type, ...opts } = spec;
  return optimizerDef(type, op).create(params, opts as Hyperparameters);
}
