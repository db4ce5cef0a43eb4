/** Every differentiable op, as functions and as Tensor methods (t.add(u), t.relu(), …). */
import { Tensor } from '../tensor.js';
import { relu, sigmoid, tanh, softmax, logSoftmax } from './activations.js';
import { add, sub, mul, div, neg, exp, log, pow } from './elementwise.js';
import { matmul, transpose } from './matmul.js';
import { sum, mean, type ReduceOptions } from './reduce.js';
import { flatten } from './shape.js';

export * from './activations.js';
export * from './conv.js';
export * from './elementwise.js';
export * from './extrema.js';
export * from './indexing.js';
export type { IndexLike } from './indices.js';
export * from './losses.js';
export * from './matmul.js';
export * from './reduce.js';
export * from './shape.js';
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
    /** Transpose of a 2-D tensor. */
    readonly T: Tensor;
    sum(opts?: ReduceOptions): Tensor;
    mean(opts?: ReduceOptions): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    flatten(): Tensor;
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
P.flatten = function () { return flatten(this); };
export * from './dense.js';
