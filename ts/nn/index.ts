export { Module, type StateDict, type StateEntry } from './module.js';
export { Linear, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout, Sequential, type LinearOptions } from './layers.js';
export { MSELoss, CrossEntropyLoss } from './losses.js';
export { toSpec, fromSpec, validateSpec, type ModelSpec, type LayerSpec, type LayerType } from './spec.js';
export * as init from './init.js';
