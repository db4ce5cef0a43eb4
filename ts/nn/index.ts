export { Module, type AnyModule, type StateDict, type StateEntry } from './module.js';
export { Linear, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout, Sequential, type LinearOptions } from './layers.js';
export { ModuleList, ModuleDict } from './containers.js';
export { MSELoss, CrossEntropyLoss } from './losses.js';
export { register, registeredTypes, type ModuleClass, type ChildSpec } from './registry.js';
export { type JsonObject, type JsonValue } from './config.js';
export { toSpec, fromSpec, validateSpec, type ModelSpec, type ModelSpecV1, type ModuleSpec } from './spec.js';
export * as init from './init.js';
