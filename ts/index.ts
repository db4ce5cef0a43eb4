/**
 * knobs — deep learning for TypeScript with a Rust/WebAssembly core.
 * A model is a set of knobs; learning is predict → compare → learn.
 */
import './autograd.js';
import './ops/index.js';

export { init, isInitialized, memoryStats, releasePool, simdBuild, getNumThreads, setNumThreads, type InitOptions, type MemoryStats } from './backend/wasm.js';
export { KnobsError, ShapeError } from './errors.js';
export { Tensor, tensor, zeros, ones, full, empty, rand, randn, type NestedArray, type Shape, type TensorOptions, type RandomOptions } from './tensor.js';
export { tidy, keep } from './scope.js';
export { noGrad, isGradEnabled } from './autograd.js';
export { Rng, manualSeed } from './random.js';
export * from './ops/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { fit, evaluate, predict, EarlyStopping, type FitOptions, type EvaluateOptions, type Callback, type EarlyStoppingOptions, type History, type Logs, type StopReason, type TrainContext, type LossLike } from './train/index.js';
export { DataLoader, TensorDataset, type Dataset, type DataLoaderOptions, type Batch, type ArrayData } from './data/dataset.js';
export { generateBabi, parseBabi, formatBabi, babiSamples, babiWords, BABI_TASKS, type BabiStory, type BabiLine, type BabiSample, type BabiTask, type BabiOptions } from './data/babi.js';
export { babiVocab, encodeBabi, type BabiEncoding, type EncodeBabiOptions } from './data/babi-encode.js';
export { mnistDataset, mnistFromBytes, MNIST_FILES, type Mnist, type MnistBytes, type MnistOptions } from './data/mnist.js';
export { saveModel, loadModel, toBlobs, fromBlobs, type SavedModel, type LoadedModel, type SaveOptions } from './io/save.js';
export { trainInWorker, createTrainWorker, predictInWorker, saveModelInWorker, WorkerError, type TrainInWorkerOptions, type TrainProgress, type TrainResult, type TrainData, type IdxSource, type OptimizerSpec, type TrainWorker, type WorkerModel, type PredictResult } from './worker/index.js';
export { DataParallel, type DataParallelOptions, type ParallelFitOptions, type ParallelEpochLogs, type ParallelLoss, type ParallelTransport } from './parallel/index.js';
export * as classic from './classic/index.js';
export * as text from './text/index.js';
export * as rl from './rl/index.js';
