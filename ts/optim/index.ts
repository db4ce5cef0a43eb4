export { Optimizer, type OptimizerState } from './optimizer.js';
export * from './optimizers.js';
export { createOptimizer, type OptimizerSpec, type OptimizerType } from './create.js';
export { registerOptimizer, type OptimizerDef, type HyperDef, type Hyperparameters, type HyperValue } from './registry.js';
export {
  LRScheduler,
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  ReduceLROnPlateau,
  type SchedulerState,
  type SchedulerConfig,
  type StepLROptions,
  type ExponentialLROptions,
  type CosineAnnealingLROptions,
  type LinearLROptions,
  type ReduceLROnPlateauOptions,
} from './schedulers.js';
export { clipGradNorm, clipGradValue } from './clip.js';
