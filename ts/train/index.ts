export { fit, evaluate, predict, type FitOptions, type EvaluateOptions } from './fit.js';
export { predictClasses, predictProba, type PredictClassesOptions, type OutputKind } from './predict-classes.js';
export { EarlyStopping, type Callback, type EarlyStoppingOptions, type History, type Logs, type StopReason, type TrainContext } from './callbacks.js';
export { countCorrect, type LossFn, type LossLike, type MetricName, type Metric, type MetricLike } from './metrics.js';
export type { Verbose } from './progress.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './checkpoint.js';
