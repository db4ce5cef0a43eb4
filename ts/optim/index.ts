export { Optimizer, type OptimizerState } from './optimizer.js';
export * from './optimizers.js';
