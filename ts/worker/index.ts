export { trainInWorker, type TrainInWorkerOptions } from './train-in-worker.js';
export { createTrainWorker, defaultWorkerUrl, WorkerError, type CreateWorkerOptions, type TrainWorker, type NodeWorkerLike } from './spawn.js';
export type { OptimizerSpec, TrainData, ArrayPair, IdxSource, WorkerTrainConfig, TrainProgress, TrainResult } from './protocol.js';
export { predictInWorker, saveModelInWorker, type WorkerModel, type PredictInWorkerOptions } from './predict-in-worker.js';
export type { PredictResult, ProbeConfig } from './protocol.js';
