/**
 * knobs — deep learning for TypeScript with a Rust/WebAssembly core.
 * A model is a set of knobs; learning is predict → compare → learn.
 */
import './autograd.js';
import './ops/index.js';

export { init, isInitialized, memoryStats, releasePool, type InitOptions, type MemoryStats } from './backend/wasm.js';
export { KnobsError, ShapeError } from './errors.js';
export { Tensor, tensor, zeros, ones, full, empty, rand, randn, type NestedArray, type Shape, type TensorOptions, type RandomOptions } from './tensor.js';
export { tidy, keep } from './scope.js';
export { noGrad, isGradEnabled } from './autograd.js';
export { Rng, manualSeed } from './random.js';
export * from './ops/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
