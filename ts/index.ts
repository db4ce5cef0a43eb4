/**
 * knobs — deep learning for TypeScript with a Rust/WebAssembly core.
 * A model is a set of knobs; learning is predict → compare → learn.
 */
import './autograd.js';
import './ops/index.js';

export { init, isInitialized, memoryStats, releasePool, simdBuild, gemmPacking, getNumThreads, setNumThreads, type InitOptions, type MemoryStats } from './backend/wasm.js';
export { KnobsError, ShapeError } from './errors.js';
export { Tensor, tensor, zeros, ones, full, empty, rand, randn, type NestedArray, type Shape, type TensorOptions, type RandomOptions } from './tensor.js';
export { tidy, keep } from './scope.js';
export { noGrad, isGradEnabled } from './autograd.js';
export { Rng, manualSeed } from './random.js';
export * from './ops/index.js';
export * as nn from './nn/index.js';
export { summary, type ModelSummary, type LayerSummary, type SummaryOptions } from './nn/summary.js';
export * as optim from './optim/index.js';
export { predictClasses, predictProba, type PredictClassesOptions, type OutputKind } from './train/index.js';
export { fit, evaluate, predict, EarlyStopping, type FitOptions, type EvaluateOptions, type Callback, type EarlyStoppingOptions, type History, type Logs, type StopReason, type TrainContext, type LossLike } from './train/index.js';
export * as metrics from './train/metrics-public.js';
export { compileStep, CompiledStep, type StepLoss } from './compile/index.js';
export { DataLoader, TensorDataset, type Dataset, type DataLoaderOptions, type Batch, type ArrayData } from './data/dataset.js';
export { trainTestSplit, trainTestSplitIndices, type TrainTestSplitOptions, type Splittable, type ShapedArray } from './data/split.js';
export { StandardScaler, MinMaxScaler, type StandardScalerOptions, type MinMaxScalerOptions, type FeatureMatrix, type TransformerJSON } from './data/scalers.js';
export { LabelEncoder, OneHotEncoder, type OneHotEncoderOptions, type Category, type CategoryRows } from './data/encoders.js';
export { englishNumberWords, spanishNumberWords, numberTokens, NUMBER_WORDS_MAX } from './data/number-words.js';
export { generateBabi, parseBabi, formatBabi, babiSamples, babiWords, BABI_TASKS, type BabiStory, type BabiLine, type BabiSample, type BabiTask, type BabiOptions } from './data/babi.js';
export { babiVocab, encodeBabi, type BabiEncoding, type EncodeBabiOptions } from './data/babi-encode.js';
export { mnistDataset, mnistFromBytes, MNIST_FILES, type Mnist, type MnistBytes, type MnistOptions } from './data/mnist.js';
export { saveModel, loadModel, toBlobs, fromBlobs, type SavedModel, type LoadedModel, type SaveOptions, type StoreOptions, type StoredInfo } from './io/save.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './train/checkpoint.js';
export { listModels, removeModel, type ModelInfo, type ModelUrl } from './io/browser-store.js';
export * as text from './text/index.js';
// Parts with workers, extra wasm builds or estimator registries have entries of their own, so a
// bundler ships them only to apps that import them: knobs/worker (trainInWorker), knobs/parallel
// (DataParallel), knobs/classic, knobs/rl, knobs/threads, knobs/relaxed. So do parts that import
// another package, which a plain-ESM page mapping only 'knobs' could not load: knobs/csv
// (parseCsv, on papaparse), knobs/vis (uPlot).
