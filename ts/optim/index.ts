export { Optimizer, type OptimizerState } from './optimizer.js';
export * from './optimizers.js';
export { createOptimizer, type OptimizerSpec, type OptimizerType } from './create.js';
