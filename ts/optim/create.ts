/** Optimizers as data: `{ type: 'Adam', lr: 1e-3 }` → an Optimizer. Used by save/load and workers. */
import { KnobsError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Optimizer } from './optimizer.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type AdagradOptions, type AdamOptions, type RMSpropOptions, type SGDOptions } from './optimizers.js';

/** An optimizer by name plus its hyperparameters (structured-cloneable, JSON-able). */
export type OptimizerSpec =
  | ({ type: 'SGD' } & SGDOptions)
  | ({ type: 'Adam' } & Omit<AdamOptions, 'decoupled'>)
  | ({ type: 'AdamW' } & Omit<AdamOptions, 'decoupled'>)
  | ({ type: 'RMSprop' } & RMSpropOptions)
  | ({ type: 'Adagrad' } & AdagradOptions);

export type OptimizerType = OptimizerSpec['type'];

/** Builds the optimizer a spec names; the constructors validate the hyperparameters. `op` prefixes errors. */
export function createOptimizer(params: Tensor[], spec: OptimizerSpec, op = 'createOptimizer'): Optimizer {
  if (!spec || typeof spec !== 'object') throw new KnobsError(`${op}: optimizer must be { type: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad', ...options }`);
  const { type, ...opts } = spec;
  switch (type) {
    case 'SGD':
      return new SGD(params, opts as SGDOptions);
    case 'Adam':
      return new Adam(params, opts);
    case 'AdamW':
      return new AdamW(params, opts);
    case 'RMSprop':
      return new RMSprop(params, opts);
    case 'Adagrad':
      return new Adagrad(params, opts);
    default:
      throw new KnobsError(`${op}: unknown optimizer type ${JSON.stringify(type)} (supported: SGD, Adam, AdamW, RMSprop, Adagrad)`);
  }
}
