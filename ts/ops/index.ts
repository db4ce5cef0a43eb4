/** Every differentiable op, as functions and as Tensor methods (t.add(u), t.relu(), …). */
import { Tensor } from '../tensor.js';
import { relu, sigmoid, tanh, softmax, logSoftmax } from './activations.js';
import { add, sub, mul, div, neg, exp, log, pow } from './elementwise.js';
import { chunk, split } from './join.js';
import { narrow, permute, transpose } from './layout.js';
import { matmul } from './matmul.js';
import { sum, mean, type ReduceOptions } from './reduce.js';
import { flatten, squeeze, unsqueeze, view } from './shape.js';

export * from './activations.js';
export { scaledDotProductAttention, type AttentionOptions } from './attention.js';
export * from './conv.js';
export * from './elementwise.js';
export * from './extrema.js';
export * from './indexing.js';
export type { IndexLike } from './indices.js';
export * from './join.js';
export * from './layout.js';
export * from './losses.js';
export { maskedSoftmax, type MaskedSoftmaxOptions } from './masked-softmax.js';
export * from './matmul.js';
export * from './norm.js';
export * from './reduce.js';
export * from './rnn.js';
export * from './shape.js';
export { SparseCsr, sparseCsrTensor, sparseMm, toSparseCsr } from './sparse.js';
export * from './unary.js';
export * from './where.js';

declare module '../tensor.js' {
  interface Tensor {
    add(o: Tensor | number): Tensor;
    sub(o: Tensor | number): Tensor;
    mul(o: Tensor | number): Tensor;
    div(o: Tensor | number): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    pow(p: number): Tensor;
    matmul(o: Tensor): Tensor;
    /** The last two axes swapped (the transpose of a matrix). */
    readonly T: Tensor;
    sum(opts?: ReduceOptions): Tensor;
    mean(opts?: ReduceOptions): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    view(shape: readonly number[]): Tensor;
    squeeze(axis?: number | readonly number[]): Tensor;
    unsqueeze(axis: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    permute(...dims: number[]): Tensor;
    transpose(d0?: number, d1?: number): Tensor;
    narrow(axis: number, start: number, length: number): Tensor;
    split(splitSizeOrSections: number | readonly number[], axis?: number): Tensor[];
    chunk(chunks: number, axis?: number): Tensor[];
  }
}

const P = Tensor.prototype;
P.add = function (o) { return add(this, o); };
P.sub = function (o) { return sub(this, o); };
P.mul = function (o) { return mul(this, o); };
P.div = function (o) { return div(this, o); };
P.neg = function () { return neg(this); };
P.exp = function () { return exp(this); };
P.log = function () { return log(this); };
P.pow = function (p) { return pow(this, p); };
P.matmul = function (o) { return matmul(this, o); };
Object.defineProperty(P, 'T', { get(this: Tensor) { return transpose(this); } });
P.sum = function (opts) { return sum(this, opts); };
P.mean = function (opts) { return mean(this, opts); };
P.relu = function () { return relu(this); };
P.sigmoid = function () { return sigmoid(this); };
P.tanh = function () { return tanh(this); };
P.softmax = function (axis) { return softmax(this, axis); };
P.logSoftmax = function (axis) { return logSoftmax(this, axis); };
P.flatten = function (startDim, endDim) { return flatten(this, startDim, endDim); };
P.view = function (shape) { return view(this, shape); };
P.squeeze = function (axis) { return squeeze(this, axis); };
P.unsqueeze = function (axis) { return unsqueeze(this, axis); };
P.permute = function (...dims: (number | readonly number[])[]) { return permute(this, Array.isArray(dims[0]) ? dims[0] : (dims as number[])); };
P.transpose = function (d0, d1) { return transpose(this, d0, d1); };
P.narrow = function (axis, start, length) { return narrow(this, axis, start, length); };
P.split = function (sizes, axis) { return split(this, sizes, axis); };
P.chunk = function (chunks, axis) { return chunk(this, chunks, axis); };
export * from './dense.js';
export * from './dense-chain.js';
