/**
 * Every op and every layer: forward against a float64 reference, and the analytic gradient
 * (backward) against central finite differences of that float64 reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as K from '../ts/index.js';
import { Rng, Tensor, init, nn, tensor, tidy } from '../ts/index.js';
import * as R from './helpers/reference.js';
import * as RA from './helpers/reference-attention.js';

type Gen = 'any' | 'pos' | 'away0';
interface Input {
  shape: number[];
  gen?: Gen;
  grad?: boolean;
}
interface Case {
  name: string;
  inputs: (Input | (() => Tensor))[];
  fn: (ts: Tensor[]) => Tensor;
  ref: (xs: R.Arr[]) => R.Arr;
  tol?: number;
}

const rng = new Rng(1234);
function gen(shape: number[], g: Gen = 'any'): Float32Array {
  const d = new Float32Array(R.size(shape));
  for (let i = 0; i < d.length; i++) {
    let v = rng.next() * 2 - 1;
    if (g === 'pos') v = 0.5 + rng.next() * 1.5;
    if (g === 'away0') v = (v < 0 ? -1 : 1) * (0.2 + Math.abs(v));
    d[i] = v;
  }
  return d;
}

const relu = (x: number) => (x > 0 ? x : 0);
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const A = (shape: number[], gen?: Gen, grad = true): Input => ({ shape, gen, grad });

// Index data of the rank-4 gather and rank-3 scatterAdd rows (repeats on purpose).
const GATHER4 = [2, 0, 1, 1, 0, 0, 2, 2, 1, 2, 0, 1, 1, 1, 2, 0];
const SCATTER3 = [3, 0, 3, 1, 1, 1, 0, 2, 2, 3, 3, 3, 0, 0, 1, 2, 1, 0, 3, 3, 3, 0, 2, 1, 1, 1, 1, 2, 0, 3];

// A [4,6] sparse input (row 1 empty, column 2 in rows 0 and 3) and its CSR form.
const SPARSE_DENSE = [0, 0.5, -1.5, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, /**/ 2, 0, 0, 0, 0, -0.25, /**/ 0, 0, 1, 0, 3, 0];
const SPARSE_CSR = { crow: Int32Array.of(0, 2, 2, 4, 6), col: Int32Array.of(1, 2, 0, 5, 2, 4), val: Float32Array.of(0.5, -1.5, 2, -0.25, 1, 3) };

const cases: Case[] = [
  { name: 'add same shape', inputs: [A([3, 4]), A([3, 4])], fn: ([a, b]) => K.add(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x + y) },
  { name: 'add bias row', inputs: [A([3, 4]), A([4])], fn: ([a, b]) => K.add(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x + y) },
  { name: 'add [3,1]+[1,4]', inputs: [A([3, 1]), A([1, 4])], fn: ([a, b]) => K.add(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x + y) },
  { name: 'add rank 3 broadcast', inputs: [A([2, 3, 4]), A([3, 1])], fn: ([a, b]) => K.add(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x + y) },
  { name: 'sub broadcast', inputs: [A([1, 4]), A([3, 4])], fn: ([a, b]) => K.sub(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x - y) },
  { name: 'mul broadcast', inputs: [A([3, 4]), A([3, 1])], fn: ([a, b]) => K.mul(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x * y) },
  { name: 'mul same tensor twice', inputs: [A([5])], fn: ([a]) => K.mul(a, a), ref: ([a]) => R.map(a, (x) => x * x) },
  { name: 'div broadcast', inputs: [A([2, 3]), A([3], 'away0')], fn: ([a, b]) => K.div(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x / y) },
  { name: 'div scalar tensor', inputs: [A([2, 3]), A([], 'away0')], fn: ([a, b]) => K.div(a, b), ref: ([a, b]) => R.binary(a, b, (x, y) => x / y) },
  { name: 'number on the left', inputs: [A([4], 'away0')], fn: ([a]) => K.div(2, a), ref: ([a]) => R.map(a, (x) => 2 / x) },
  { name: 'add/sub/mul/div number', inputs: [A([2, 2])], fn: ([a]) => a.add(2).mul(3).sub(1).div(4), ref: ([a]) => R.map(a, (x) => ((x + 2) * 3 - 1) / 4) },
  { name: 'neg', inputs: [A([3])], fn: ([a]) => K.neg(a), ref: ([a]) => R.map(a, (x) => -x) },
  { name: 'exp', inputs: [A([2, 3])], fn: ([a]) => K.exp(a), ref: ([a]) => R.map(a, Math.exp) },
  { name: 'log', inputs: [A([2, 3], 'pos')], fn: ([a]) => K.log(a), ref: ([a]) => R.map(a, Math.log) },
  { name: 'pow 2.5', inputs: [A([2, 3], 'pos')], fn: ([a]) => K.pow(a, 2.5), ref: ([a]) => R.map(a, (x) => x ** 2.5) },
  { name: 'pow 2 negative base', inputs: [A([4])], fn: ([a]) => K.pow(a, 2), ref: ([a]) => R.map(a, (x) => x ** 2) },
  { name: 'matmul 2d', inputs: [A([3, 5]), A([5, 4])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul odd sizes', inputs: [A([7, 9]), A([9, 5])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul 1x1', inputs: [A([1, 1]), A([1, 1])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul vector·matrix', inputs: [A([5]), A([5, 3])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul matrix·vector', inputs: [A([3, 5]), A([5])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul batched [2,3,4]·[2,4,5]', inputs: [A([2, 3, 4]), A([2, 4, 5])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul batched [2,2,3,4]·[2,2,4,3] (heads)', inputs: [A([2, 2, 3, 4]), A([2, 2, 4, 3])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul broadcast [1,3,4]·[3,4,2]', inputs: [A([1, 3, 4]), A([3, 4, 2])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul broadcast [2,1,3,4]·[3,4,2]', inputs: [A([2, 1, 3, 4]), A([3, 4, 2])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul [3,4]·[2,4,5] (2-D left, summed grad)', inputs: [A([3, 4]), A([2, 4, 5])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul [2,3,4]·[4,5] (folded batch)', inputs: [A([2, 3, 4]), A([4, 5])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul [2,3,4]·[4] (batch·vector)', inputs: [A([2, 3, 4]), A([4])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul [4]·[2,4,3] (vector·batch)', inputs: [A([4]), A([2, 4, 3])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'matmul vector·vector', inputs: [A([4]), A([4])], fn: ([a, b]) => K.matmul(a, b), ref: ([a, b]) => R.matmul(a, b) },
  { name: 'transpose', inputs: [A([3, 5])], fn: ([a]) => K.transpose(a), ref: ([a]) => R.transpose(a) },
  { name: 'sum all', inputs: [A([3, 4])], fn: ([a]) => K.sum(a), ref: ([a]) => R.sumAxis(a) },
  { name: 'sum axis 0', inputs: [A([3, 4])], fn: ([a]) => K.sum(a, { axis: 0 }), ref: ([a]) => R.sumAxis(a, 0) },
  { name: 'sum axis -1 keepDims', inputs: [A([3, 4])], fn: ([a]) => K.sum(a, { axis: -1, keepDims: true }), ref: ([a]) => R.sumAxis(a, -1, true) },
  { name: 'sum rank 3 axis 1', inputs: [A([2, 3, 4])], fn: ([a]) => K.sum(a, { axis: 1 }), ref: ([a]) => R.sumAxis(a, 1) },
  { name: 'mean all', inputs: [A([3, 4])], fn: ([a]) => K.mean(a), ref: ([a]) => R.map(R.sumAxis(a), (s) => s / 12) },
  { name: 'mean axis 0', inputs: [A([3, 4])], fn: ([a]) => K.mean(a, { axis: 0 }), ref: ([a]) => R.map(R.sumAxis(a, 0), (s) => s / 3) },
  { name: 'relu', inputs: [A([3, 4], 'away0')], fn: ([a]) => K.relu(a), ref: ([a]) => R.map(a, relu) },
  { name: 'sigmoid', inputs: [A([3, 4])], fn: ([a]) => K.sigmoid(a), ref: ([a]) => R.map(a, sig) },
  { name: 'tanh', inputs: [A([3, 4])], fn: ([a]) => K.tanh(a), ref: ([a]) => R.map(a, Math.tanh) },
  { name: 'softmax', inputs: [A([3, 4])], fn: ([a]) => K.softmax(a), ref: ([a]) => R.rows(a, R.softmaxRow) },
  { name: 'softmax axis 0', inputs: [A([3, 4])], fn: ([a]) => K.softmax(a, 0), ref: ([a]) => R.permute(R.rows(R.permute(a, [1, 0]), R.softmaxRow), [1, 0]) },
  { name: 'logSoftmax axis 1 of rank 3', inputs: [A([2, 3, 4])], fn: ([a]) => K.logSoftmax(a, 1), ref: ([a]) => R.permute(R.rows(R.permute(a, [0, 2, 1]), R.logSoftmaxRow), [0, 2, 1]) },
  { name: 'logSoftmax', inputs: [A([2, 5])], fn: ([a]) => K.logSoftmax(a), ref: ([a]) => R.rows(a, R.logSoftmaxRow) },
  { name: 'reshape', inputs: [A([2, 6])], fn: ([a]) => K.reshape(a, [3, -1]).mul(K.reshape(a, [3, 4])), ref: ([a]) => ({ shape: [3, 4], data: a.data.map((x) => x * x) }) },
  { name: 'flatten', inputs: [A([2, 3, 2])], fn: ([a]) => K.flatten(a), ref: ([a]) => ({ shape: [2, 6], data: a.data }) },
  { name: 'conv2d 3x3 + bias', inputs: [A([2, 3, 6, 5]), A([4, 3, 3, 3]), A([4])], fn: ([x, w, b]) => K.conv2d(x, w, b), ref: ([x, w, b]) => R.conv2d(x, w, b) },
  // Few input channels, stride 1: the forward takes the direct first-layer kernel (kernels/conv_direct.rs).
  { name: 'conv2d direct path: 2 channels 3x3 padding 1, 9 wide', inputs: [A([2, 2, 6, 9]), A([5, 2, 3, 3]), A([5])], fn: ([x, w, b]) => K.conv2d(x, w, b, { padding: 1 }), ref: ([x, w, b]) => R.conv2d(x, w, b, { padding: [1, 1] }) },
  // 3x3 stride 1 with ≥ 8 channels in and out: the forward takes Winograd F(2x2, 3x3) (kernels/winograd.rs).
  { name: 'conv2d Winograd path: 8→8 3x3 padding same, 5x7', inputs: [A([1, 8, 5, 7]), A([8, 8, 3, 3]), A([8])], fn: ([x, w, b]) => K.conv2d(x, w, b, { padding: 'same' }), ref: ([x, w, b]) => R.conv2d(x, w, b, { padding: [1, 1] }) },
  // 8–16 output channels, too deep for the direct kernel and not Winograd's 3x3: the output channels go in lanes (kernels/conv_channels.rs).
  { name: 'conv2d channels path: 3→8 5x5 padding 1 on 6x5 (3 wide out: a lone last pixel)', inputs: [A([2, 3, 6, 5]), A([8, 3, 5, 5]), A([8])], fn: ([x, w, b]) => K.conv2d(x, w, b, { padding: 1 }), ref: ([x, w, b]) => R.conv2d(x, w, b, { padding: [1, 1] }) },
  { name: 'conv2d stride 2, padding 1, no bias', inputs: [A([2, 2, 7, 6]), A([3, 2, 3, 2])], fn: ([x, w]) => K.conv2d(x, w, null, { stride: 2, padding: 1 }), ref: ([x, w]) => R.conv2d(x, w, null, { stride: [2, 2], padding: [1, 1] }) },
  { name: 'conv2d dilation 2, groups 2, padding same', inputs: [A([1, 4, 7, 7]), A([6, 2, 3, 3]), A([6])], fn: ([x, w, b]) => K.conv2d(x, w, b, { dilation: 2, groups: 2, padding: 'same' }), ref: ([x, w, b]) => R.conv2d(x, w, b, { dilation: [2, 2], groups: 2, padding: [2, 2] }) },
  { name: 'conv2d 1x1, stride (1,2)', inputs: [A([3, 4, 3, 5]), A([2, 4, 1, 1])], fn: ([x, w]) => K.conv2d(x, w, null, { stride: [1, 2] }), ref: ([x, w]) => R.conv2d(x, w, null, { stride: [1, 2] }) },
  {
    name: 'conv1d k 3, padding 1, stride 2',
    inputs: [A([2, 3, 9]), A([4, 3, 3]), A([4])],
    fn: ([x, w, b]) => K.conv1d(x, w, b, { padding: 1, stride: 2 }),
    ref: ([x, w, b]) => {
      const y = R.conv2d({ shape: [2, 3, 1, 9], data: x.data }, { shape: [4, 3, 1, 3], data: w.data }, b, { padding: [0, 1], stride: [1, 2] });
      return { shape: [2, 4, y.shape[3]], data: y.data };
    },
  },
  { name: 'maxPool2d 2x2', inputs: [A([2, 3, 6, 5])], fn: ([x]) => K.maxPool2d(x, 2), ref: ([x]) => R.pool2d(x, 'max', [2, 2]) },
  { name: 'maxPool2d 3x3 stride 2 padding 1', inputs: [A([1, 2, 7, 7])], fn: ([x]) => K.maxPool2d(x, 3, { stride: 2, padding: 1 }), ref: ([x]) => R.pool2d(x, 'max', [3, 3], [2, 2], [1, 1]) },
  { name: 'avgPool2d 2x2', inputs: [A([2, 3, 6, 4])], fn: ([x]) => K.avgPool2d(x, 2), ref: ([x]) => R.pool2d(x, 'avg', [2, 2]) },
  { name: 'avgPool2d 3x2 stride 1 padding 1', inputs: [A([1, 2, 5, 5])], fn: ([x]) => K.avgPool2d(x, [3, 2], { stride: 1, padding: 1 }), ref: ([x]) => R.pool2d(x, 'avg', [3, 2], [1, 1], [1, 1]) },
  // ---- layout ops (ranks 1–6, negative axes, steps > 1, pieces of splits) ----
  { name: 'view rank 6', inputs: [A([2, 3, 4])], fn: ([a]) => K.view(a, [1, 2, 1, 3, 2, 2]), ref: ([a]) => ({ shape: [1, 2, 1, 3, 2, 2], data: a.data }) },
  { name: 'squeeze all then unsqueeze -1', inputs: [A([1, 3, 1, 2])], fn: ([a]) => K.unsqueeze(K.squeeze(a), -1), ref: ([a]) => ({ shape: [3, 2, 1], data: a.data }) },
  { name: 'squeeze axis 2 only', inputs: [A([1, 3, 1, 2])], fn: ([a]) => K.squeeze(a, -2), ref: ([a]) => ({ shape: [1, 3, 2], data: a.data }) },
  { name: 'flatten(1, 2) rank 4', inputs: [A([2, 3, 2, 2])], fn: ([a]) => K.flatten(a, 1, 2), ref: ([a]) => ({ shape: [2, 6, 2], data: a.data }) },
  { name: 'permute rank 3', inputs: [A([2, 3, 4])], fn: ([a]) => K.permute(a, [2, 0, 1]), ref: ([a]) => R.permute(a, [2, 0, 1]) },
  { name: 'permute rank 4 negative dims', inputs: [A([2, 3, 2, 3])], fn: ([a]) => K.permute(a, [-1, 1, -4, 2]), ref: ([a]) => R.permute(a, [3, 1, 0, 2]) },
  { name: 'permute rank 6', inputs: [A([2, 1, 3, 2, 2, 2])], fn: ([a]) => K.permute(a, [5, 3, 0, 2, 1, 4]), ref: ([a]) => R.permute(a, [5, 3, 0, 2, 1, 4]) },
  { name: 'transpose(0, 2) rank 5', inputs: [A([2, 3, 1, 2, 2])], fn: ([a]) => K.transpose(a, 0, 2), ref: ([a]) => R.permute(a, [2, 1, 0, 3, 4]) },
  { name: 'transpose() rank 3 swaps the last two', inputs: [A([2, 3, 4])], fn: ([a]) => a.T, ref: ([a]) => R.permute(a, [0, 2, 1]) },
  { name: 'slice axis 0', inputs: [A([5, 3])], fn: ([a]) => K.slice(a, 0, 1, 4), ref: ([a]) => R.take(a, 0, [1, 2, 3]) },
  { name: 'slice axis -1 step 2', inputs: [A([3, 7])], fn: ([a]) => K.slice(a, -1, 1, undefined, 2), ref: ([a]) => R.take(a, -1, R.pySlice(7, 1, undefined, 2)) },
  { name: 'slice negative bounds step 3 rank 4', inputs: [A([2, 8, 2, 3])], fn: ([a]) => K.slice(a, 1, -7, -1, 3), ref: ([a]) => R.take(a, 1, R.pySlice(8, -7, -1, 3)) },
  { name: 'slice rank 6 middle axis', inputs: [A([2, 1, 2, 5, 1, 2])], fn: ([a]) => K.slice(a, 3, 0, 5, 2), ref: ([a]) => R.take(a, 3, [0, 2, 4]) },
  { name: 'narrow axis 1 negative start', inputs: [A([3, 6, 2])], fn: ([a]) => K.narrow(a, 1, -4, 3), ref: ([a]) => R.take(a, 1, [2, 3, 4]) },
  { name: 'cat axis 0 three tensors', inputs: [A([1, 3]), A([2, 3]), A([3, 3])], fn: (ts) => K.cat(ts, 0), ref: (xs) => R.cat(xs, 0) },
  { name: 'cat axis -1 rank 3', inputs: [A([2, 3, 1]), A([2, 3, 4])], fn: (ts) => K.cat(ts, -1), ref: (xs) => R.cat(xs, -1) },
  { name: 'cat axis 2 rank 5, one input constant', inputs: [A([2, 1, 2, 2, 2]), A([2, 1, 3, 2, 2], 'any', false)], fn: (ts) => K.cat(ts, 2), ref: (xs) => R.cat(xs, 2) },
  { name: 'cat the same tensor twice', inputs: [A([2, 3])], fn: ([a]) => K.cat([a, a], 1), ref: ([a]) => R.cat([a, a], 1) },
  { name: 'stack axis 0', inputs: [A([2, 3]), A([2, 3])], fn: (ts) => K.stack(ts, 0), ref: (xs) => R.stack(xs, 0) },
  { name: 'stack axis -1 rank 4 → 5', inputs: [A([2, 1, 2, 3]), A([2, 1, 2, 3]), A([2, 1, 2, 3])], fn: (ts) => K.stack(ts, -1), ref: (xs) => R.stack(xs, -1) },
  { name: 'stack axis 2 rank 5 → 6', inputs: [A([1, 2, 2, 1, 2]), A([1, 2, 2, 1, 2])], fn: (ts) => K.stack(ts, 2), ref: (xs) => R.stack(xs, 2) },
  {
    name: 'split sections axis 1, each piece weighted',
    inputs: [A([2, 6, 2])],
    fn: ([a]) => K.cat(K.split(a, [1, 3, 2], 1).map((p, i) => p.mul(i + 1)), 1),
    ref: ([a]) => R.cat([R.take(a, 1, [0]), R.map(R.take(a, 1, [1, 2, 3]), (x) => 2 * x), R.map(R.take(a, 1, [4, 5]), (x) => 3 * x)], 1),
  },
  { name: 'split size 2 axis -1, middle piece only', inputs: [A([3, 5])], fn: ([a]) => K.split(a, 2, -1)[1], ref: ([a]) => R.take(a, -1, [2, 3]) },
  {
    name: 'chunk 3 rank 4 axis 2, pieces reversed',
    inputs: [A([2, 1, 7, 2])],
    fn: ([a]) => K.cat(K.chunk(a, 3, 2).reverse(), 2),
    ref: ([a]) => R.take(a, 2, [6, 3, 4, 5, 0, 1, 2]),
  },
  {
    name: 'mseLoss mean (both inputs)',
    inputs: [A([3, 2]), A([3, 2])],
    fn: ([p, t]) => K.mseLoss(p, t),
    ref: ([p, t]) => R.arr([], [p.data.reduce((s, v, i) => s + (v - t.data[i]) ** 2, 0) / 6]),
  },
  { name: 'mseLoss sum', inputs: [A([4]), A([4], 'any', false)], fn: ([p, t]) => K.mseLoss(p, t, 'sum'), ref: ([p, t]) => R.arr([], [p.data.reduce((s, v, i) => s + (v - t.data[i]) ** 2, 0)]) },
  {
    name: 'crossEntropy one-hot',
    inputs: [A([3, 4]), () => tensor([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])],
    fn: ([l, t]) => K.crossEntropy(l, t),
    ref: ([l, t]) => R.arr([], [-R.rows(l, R.logSoftmaxRow).data.reduce((s, v, i) => s + v * t.data[i], 0) / 3]),
  },
  {
    name: 'crossEntropy soft targets, sum',
    inputs: [A([2, 3]), () => tensor([[0.2, 0.3, 0.5], [0.6, 0.4, 0]])],
    fn: ([l, t]) => K.crossEntropy(l, t, 'sum'),
    ref: ([l, t]) => R.arr([], [-R.rows(l, R.logSoftmaxRow).data.reduce((s, v, i) => s + v * t.data[i], 0)]),
  },
  {
    name: 'crossEntropy class labels',
    inputs: [A([3, 4])],
    fn: ([l]) => K.crossEntropy(l, [2, 0, 3]),
    ref: ([l]) => {
      const ls = R.rows(l, R.logSoftmaxRow).data;
      return R.arr([], [-(ls[2] + ls[4] + ls[11]) / 3]);
    },
  },
  // Indexing (kernels index_select/index_add, gather/scatter_add, where_select): repeated indices
  // check that the scatter-add backward accumulates.
  { name: 'indexSelect axis 0, repeated', inputs: [A([4, 3])], fn: ([x]) => K.indexSelect(x, 0, [2, 0, 2, 3]), ref: ([x]) => R.indexSelect(x, 0, [2, 0, 2, 3]) },
  { name: 'indexSelect rank 3 axis 1, Int32Array', inputs: [A([2, 5, 3])], fn: ([x]) => K.indexSelect(x, 1, Int32Array.of(4, 1, 1)), ref: ([x]) => R.indexSelect(x, 1, [4, 1, 1]) },
  { name: 'indexSelect rank 4 axis -1, Tensor index', inputs: [A([2, 2, 3, 4])], fn: ([x]) => K.indexSelect(x, -1, tensor([3, 3, 0])), ref: ([x]) => R.indexSelect(x, -1, [3, 3, 0]) },
  {
    name: 'indexAdd rank 3 axis 1, repeated (x and source)',
    inputs: [A([2, 4, 3]), A([2, 3, 3])],
    fn: ([x, s]) => K.indexAdd(x, 1, [1, 3, 1], s),
    ref: ([x, s]) => R.indexAdd(x, 1, [1, 3, 1], s),
  },
  {
    name: 'indexAdd rank 4 axis -1, repeated (x and source)',
    inputs: [A([2, 2, 3, 3]), A([2, 2, 3, 4])],
    fn: ([x, s]) => K.indexAdd(x, -1, tensor([2, 0, 2, 2]), s),
    ref: ([x, s]) => R.indexAdd(x, -1, [2, 0, 2, 2], s),
  },
  {
    name: 'gather rank 2 axis 0, repeated',
    inputs: [A([3, 4])],
    fn: ([x]) => K.gather(x, 0, tensor([[2, 0, 2, 1], [0, 0, 1, 2]])),
    ref: ([x]) => R.gather(x, 0, R.arr([2, 4], [2, 0, 2, 1, 0, 0, 1, 2])),
  },
  {
    name: 'gather rank 3 axis 2, index smaller than x',
    inputs: [A([2, 3, 4])],
    fn: ([x]) => K.gather(x, 2, tensor([3, 0, 3, 1, 1, 1, 2, 0, 0, 3, 2, 2], [2, 2, 3])),
    ref: ([x]) => R.gather(x, 2, R.arr([2, 2, 3], [3, 0, 3, 1, 1, 1, 2, 0, 0, 3, 2, 2])),
  },
  {
    name: 'gather rank 4 axis 1',
    inputs: [A([2, 3, 2, 2])],
    fn: ([x]) => K.gather(x, 1, tensor(GATHER4, [2, 4, 2, 1])),
    ref: ([x]) => R.gather(x, 1, R.arr([2, 4, 2, 1], GATHER4)),
  },
  {
    name: 'scatterAdd rank 3 axis 1, repeated (x and src)',
    inputs: [A([2, 4, 3]), A([2, 5, 3])],
    fn: ([x, s]) => K.scatterAdd(x, 1, tensor(SCATTER3, [2, 5, 3]), s),
    ref: ([x, s]) => R.scatterAdd(x, 1, R.arr([2, 5, 3], SCATTER3), s),
  },
  {
    name: 'scatterAdd rank 4 axis 0, index smaller than x (x and src)',
    inputs: [A([3, 2, 2, 2]), A([2, 2, 1, 2])],
    fn: ([x, s]) => K.scatterAdd(x, 0, tensor([2, 2, 0, 1, 2, 0, 0, 2], [2, 2, 1, 2]), s),
    ref: ([x, s]) => R.scatterAdd(x, 0, R.arr([2, 2, 1, 2], [2, 2, 0, 1, 2, 0, 0, 2]), s),
  },
  {
    name: 'embedding [5,3] by [2,3] indices, repeated',
    inputs: [A([5, 3])],
    fn: ([w]) => K.embedding(w, tensor([[1, 4, 1], [0, 1, 2]])),
    ref: ([w]) => ({ shape: [2, 3, 3], data: R.indexSelect(w, 0, [1, 4, 1, 0, 1, 2]).data }),
  },
  {
    name: 'sparseMm [4,6] CSR·[6,3] + bias, an empty row and a column in two rows (W and bias)',
    inputs: [A([6, 3]), A([3])],
    fn: ([w, b]) => K.sparseMm(K.sparseCsrTensor(SPARSE_CSR.crow, SPARSE_CSR.col, SPARSE_CSR.val, [4, 6]), w, b),
    ref: ([w, b]) => R.binary(R.matmul(R.arr([4, 6], SPARSE_DENSE), w), b, (u, v) => u + v),
  },
  {
    name: 'sparseMm from toSparseCsr, no bias (W)',
    inputs: [A([6, 3])],
    fn: ([w]) => K.sparseMm(K.toSparseCsr(tensor(SPARSE_DENSE, [4, 6])), w),
    ref: ([w]) => R.matmul(R.arr([4, 6], SPARSE_DENSE), w),
  },
  {
    name: 'where rank 3 broadcast (a and b)',
    inputs: [A([3, 1]), A([2, 3, 4]), () => tensor([1, 0, 0, 1, 0, 1, 1, 0], [2, 1, 4])],
    fn: ([a, b, c]) => K.where(c, a, b),
    ref: ([a, b, c]) => R.where(c, a, b),
  },
  {
    name: 'where with a number branch',
    inputs: [A([3, 4]), () => tensor([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0], [3, 4])],
    fn: ([a, c]) => K.where(c, a, 0.5),
    ref: ([a, c]) => R.where(c, a, R.arr([], [0.5])),
  },
  {
    name: 'maskedFill rank 4, broadcast mask',
    inputs: [A([2, 3, 2, 2]), () => tensor([1, 0, 0, 0, 1, 1], [3, 1, 2])],
    fn: ([x, m]) => K.maskedFill(x, m, -2),
    ref: ([x, m]) => R.where(m, R.arr([], [-2]), x),
  },
  { name: 'max rank 3 axis 1', inputs: [A([2, 4, 3])], fn: ([x]) => K.max(x, { axis: 1 }), ref: ([x]) => R.reduceAxis(x, 1, false, (v) => Math.max(...v)) },
  { name: 'max rank 4 axis -1 keepDims', inputs: [A([2, 3, 2, 4])], fn: ([x]) => K.max(x, { axis: -1, keepDims: true }), ref: ([x]) => R.reduceAxis(x, -1, true, (v) => Math.max(...v)) },
  { name: 'max all', inputs: [A([3, 4])], fn: ([x]) => K.max(x), ref: ([x]) => R.reduceAxis(x, undefined, false, (v) => Math.max(...v)) },
  { name: 'min rank 3 axis 0', inputs: [A([3, 2, 4])], fn: ([x]) => K.min(x, { axis: 0 }), ref: ([x]) => R.reduceAxis(x, 0, false, (v) => Math.min(...v)) },
  { name: 'min all keepDims', inputs: [A([2, 3, 2])], fn: ([x]) => K.min(x, { keepDims: true }), ref: ([x]) => R.reduceAxis(x, undefined, true, (v) => Math.min(...v)) },
  { name: 'logsumexp rank 3 axis 1', inputs: [A([2, 4, 3])], fn: ([x]) => K.logsumexp(x, 1), ref: ([x]) => R.reduceAxis(x, 1, false, R.logsumexpOf) },
  { name: 'logsumexp rank 4 axis -1 keepDims', inputs: [A([2, 2, 3, 5])], fn: ([x]) => K.logsumexp(x, -1, true), ref: ([x]) => R.reduceAxis(x, -1, true, R.logsumexpOf) },
  { name: 'logsumexp rank 2 axis 0', inputs: [A([4, 3])], fn: ([x]) => K.logsumexp(x, 0), ref: ([x]) => R.reduceAxis(x, 0, false, R.logsumexpOf) },
  { name: 'abs', inputs: [A([3, 4], 'away0')], fn: ([x]) => K.abs(x), ref: ([x]) => R.map(x, Math.abs) },
  { name: 'sqrt', inputs: [A([2, 3, 2], 'pos')], fn: ([x]) => K.sqrt(x), ref: ([x]) => R.map(x, Math.sqrt) },
  { name: 'clamp min and max', inputs: [A([4, 5])], fn: ([x]) => K.clamp(x, -0.3, 0.4), ref: ([x]) => R.map(x, (v) => Math.min(0.4, Math.max(-0.3, v))) },
  { name: 'clamp min only', inputs: [A([2, 3, 2])], fn: ([x]) => K.clamp(x, 0.1), ref: ([x]) => R.map(x, (v) => Math.max(0.1, v)) },
  {
    name: "mseLoss reduction 'none' rank 3 (both inputs)",
    inputs: [A([2, 3, 2]), A([2, 3, 2])],
    fn: ([p, t]) => K.mseLoss(p, t, 'none'),
    ref: ([p, t]) => R.binary(p, t, (x, y) => (x - y) ** 2),
  },
  {
    name: "crossEntropy reduction 'none', class labels",
    inputs: [A([3, 4])],
    fn: ([l]) => K.crossEntropy(l, [2, 0, 3], 'none'),
    ref: ([l]) => {
      const ls = R.rows(l, R.logSoftmaxRow).data;
      return R.arr([3], [-ls[2], -ls[4], -ls[11]]);
    },
  },
  {
    name: "crossEntropy reduction 'none', soft targets",
    inputs: [A([2, 3]), () => tensor([[0.2, 0.3, 0.5], [0.6, 0.4, 0]])],
    fn: ([l, t]) => K.crossEntropy(l, t, 'none'),
    ref: ([l, t]) => {
      const ls = R.rows(l, R.logSoftmaxRow).data;
      return R.arr([2], [0, 1].map((i) => -[0, 1, 2].reduce((s, j) => s + ls[i * 3 + j] * t.data[i * 3 + j], 0)));
    },
  },
];

/** Layers: their parameters are inputs of the check too. */
function layerCase(name: string, make: () => nn.Module, inShape: number[], ref: (x: R.Arr, params: R.Arr[]) => R.Arr): Case {
  let module: nn.Module | undefined;
  return {
    name,
    inputs: [
      A(inShape),
      ...Array.from({ length: 4 }, (_, i) => () => {
        if (i === 0) module = make();
        return module!.parameters()[i];
      }),
    ],
    // A layer without parameters has no parameter input to build it: the forward does.
    fn: ([x]) => (module ??= make()).forward(x),
    ref: ([x, ...ps]) => ref(x, ps),
  };
}

/** Non-trivial scale and shift, so their gradients are checked away from the ones/zeros init. */
function withAffine<M extends nn.BatchNorm1d | nn.BatchNorm2d>(m: M): M {
  const c = m.numFeatures;
  m.weight!.data.set(Array.from({ length: c }, (_, i) => 0.5 + 0.4 * i));
  m.bias!.data.set(Array.from({ length: c }, (_, i) => 0.3 - 0.2 * i));
  return m;
}

const linRef = (x: R.Arr, w: R.Arr, b?: R.Arr) => (b ? R.binary(R.matmul(x, w), b, (u, v) => u + v) : R.matmul(x, w));
const layerCases: [Case, number][] = [
  [layerCase('nn.Linear', () => new nn.Linear(5, 3, { seed: 1 }), [4, 5], (x, [w, b]) => linRef(x, w, b)), 2],
  [layerCase('nn.Linear no bias', () => new nn.Linear(5, 3, { bias: false, seed: 2 }), [4, 5], (x, [w]) => linRef(x, w)), 1],
  [
    layerCase('nn.Sequential Linear-Tanh-Linear-Softmax', () => new nn.Sequential(new nn.Linear(4, 6, { seed: 3 }), new nn.Tanh(), new nn.Linear(6, 3, { seed: 4 }), new nn.Softmax()), [2, 4],
      (x, [w1, b1, w2, b2]) => R.rows(linRef(R.map(linRef(x, w1, b1), Math.tanh), w2, b2), R.softmaxRow)),
    4,
  ],
  [
    layerCase('nn.Sequential Linear-ReLU-Linear-Sigmoid', () => new nn.Sequential(new nn.Linear(3, 5, { seed: 5 }), new nn.ReLU(), new nn.Linear(5, 2, { seed: 6 }), new nn.Sigmoid()), [4, 3],
      (x, [w1, b1, w2, b2]) => R.map(linRef(R.map(linRef(x, w1, b1), relu), w2, b2), sig)),
    4,
  ],
  [layerCase('nn.LogSoftmax', () => new nn.Sequential(new nn.Linear(3, 4, { seed: 7 }), new nn.LogSoftmax()), [2, 3], (x, [w, b]) => R.rows(linRef(x, w, b), R.logSoftmaxRow)), 2],
  [layerCase('nn.Conv2d 3x3 stride 2 padding 1', () => new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1, seed: 11 }), [2, 2, 5, 6], (x, [w, b]) => R.conv2d(x, w, b, { stride: [2, 2], padding: [1, 1] })), 2],
  [layerCase('nn.Conv2d 3x2 groups 2 dilation 2 no bias', () => new nn.Conv2d(4, 2, [3, 2], { groups: 2, dilation: 2, bias: false, seed: 12 }), [1, 4, 7, 6], (x, [w]) => R.conv2d(x, w, null, { groups: 2, dilation: [2, 2] })), 1],
  [
    layerCase('nn.Conv1d k 3 padding same', () => new nn.Conv1d(3, 2, 3, { padding: 'same', seed: 13 }), [2, 3, 7], (x, [w, b]) => {
      const y = R.conv2d({ shape: [2, 3, 1, 7], data: x.data }, { shape: [2, 3, 1, 3], data: w.data }, b, { padding: [0, 1] });
      return { shape: [2, 2, 7], data: y.data };
    }),
    2,
  ],
  [layerCase('nn.MaxPool2d 3 stride 2 padding 1', () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }), [1, 2, 7, 6], (x) => R.pool2d(x, 'max', [3, 3], [2, 2], [1, 1])), 0],
  [layerCase('nn.AvgPool2d 2', () => new nn.AvgPool2d(2), [2, 2, 4, 6], (x) => R.pool2d(x, 'avg', [2, 2])), 0],
  [layerCase('nn.AdaptiveAvgPool2d divisible 6x4 → 3x2', () => new nn.AdaptiveAvgPool2d([3, 2]), [2, 2, 6, 4], (x) => R.adaptiveAvgPool2d(x, 3, 2)), 0],
  [layerCase('nn.AdaptiveAvgPool2d overlapping 7x5 → 3x2', () => new nn.AdaptiveAvgPool2d([3, 2]), [2, 2, 7, 5], (x) => R.adaptiveAvgPool2d(x, 3, 2)), 0],
  [
    layerCase('nn.Sequential Conv2d-Tanh-MaxPool2d-Flatten-Linear', () => new nn.Sequential(new nn.Conv2d(1, 2, 3, { seed: 14 }), new nn.Tanh(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8, 3, { seed: 15 })), [2, 1, 6, 6],
      (x, [cw, cb, w, b]) => {
        const h = R.pool2d(R.map(R.conv2d(x, cw, cb), Math.tanh), 'max', [2, 2]);
        return linRef({ shape: [2, 8], data: h.data }, w, b);
      }),
    4,
  ],
  [layerCase('nn.BatchNorm1d [N, C] (training: batch statistics)', () => withAffine(new nn.BatchNorm1d(3)), [5, 3], (x, [w, b]) => R.batchNorm(x, w, b)), 2],
  [layerCase('nn.BatchNorm1d [N, C, L], no affine', () => new nn.BatchNorm1d(2, { affine: false }), [3, 2, 4], (x) => R.batchNorm(x, null, null)), 0],
  [layerCase('nn.BatchNorm2d (training: batch statistics)', () => withAffine(new nn.BatchNorm2d(2, { eps: 1e-3 })), [2, 2, 3, 3], (x, [w, b]) => R.batchNorm(x, w, b, 1e-3)), 2],
];

/**
 * Recurrent cells and embedding layers: inputs (x, states) then every parameter. The LSTM row
 * checks h' and c' at once through cat([h', c'], 1).
 */
function moduleCase(name: string, make: () => nn.AnyModule, inputs: Input[], fn: (m: nn.AnyModule, xs: Tensor[]) => Tensor, ref: (xs: R.Arr[], params: R.Arr[]) => R.Arr, nParams = 4): Case {
  let module: nn.AnyModule;
  return {
    name,
    inputs: [
      ...inputs,
      ...Array.from({ length: nParams }, (_, i) => () => {
        if (i === 0) module = make();
        return module.parameters()[i];
      }),
    ],
    fn: (ts) => fn(module, ts.slice(0, inputs.length)),
    ref: (xs) => ref(xs.slice(0, inputs.length), xs.slice(inputs.length)),
  };
}
const cellRef = (kind: 'tanh' | 'relu' | 'gru') => ([x, h]: R.Arr[], [wih, whh, bih, bhh]: R.Arr[]) => R.rnnCell(kind, x, h, null, wih, whh, bih, bhh).h;
/** The fused sequence ops through rnnCell: an identity W_ih and zero b_ih make x·W_ihᵀ + b_ih = xi. */
function seqRef(kind: 'lstm' | 'gru', xi: R.Arr, h0: R.Arr, c0: R.Arr | null, whh: R.Arr, bhh: R.Arr): { ys: R.Arr[]; h: R.Arr; c: R.Arr | null } {
  const [T, B, GH] = xi.shape;
  const eye = R.arr([GH, GH], Array.from({ length: GH * GH }, (_, i) => (i % (GH + 1) === 0 ? 1 : 0)));
  const zero = R.arr([GH], new Array(GH).fill(0));
  let h = h0, c = c0;
  const ys: R.Arr[] = [];
  for (let t = 0; t < T; t++) {
    const r = R.rnnCell(kind, R.arr([B, GH], xi.data.slice(t * B * GH, (t + 1) * B * GH)), h, c, eye, whh, zero, bhh);
    h = r.h;
    c = r.c;
    ys.push(h);
  }
  return { ys, h, c };
}
const recurrentCases: Case[] = [
  {
    name: 'lstmSequence 3 steps (y, hN and cN)',
    inputs: [A([3, 2, 8]), A([2, 2]), A([2, 2]), A([8, 2]), A([8])],
    fn: ([xi, h0, c0, whh, bhh]) => K.cat(K.lstmSequence(xi, h0, c0, whh, bhh).map((t) => t.reshape([t.size])), 0),
    ref: ([xi, h0, c0, whh, bhh]) => {
      const r = seqRef('lstm', xi, h0, c0, whh, bhh);
      return R.arr([20], [...r.ys.flatMap((y) => [...y.data]), ...r.h.data, ...r.c!.data]);
    },
  },
  {
    name: 'gruSequence 3 steps (y and hN)',
    inputs: [A([3, 2, 6]), A([2, 2]), A([6, 2]), A([6])],
    fn: ([xi, h0, whh, bhh]) => K.cat(K.gruSequence(xi, h0, whh, bhh).map((t) => t.reshape([t.size])), 0),
    ref: ([xi, h0, whh, bhh]) => {
      const r = seqRef('gru', xi, h0, null, whh, bhh);
      return R.arr([16], [...r.ys.flatMap((y) => [...y.data]), ...r.h.data]);
    },
  },
  moduleCase('nn.RNNCell tanh', () => new nn.RNNCell(4, 3, { seed: 21 }), [A([2, 4]), A([2, 3])], (m, [x, h]) => (m as nn.RNNCell).forward(x, h), cellRef('tanh')),
  moduleCase('nn.RNNCell relu', () => new nn.RNNCell(3, 4, { nonlinearity: 'relu', seed: 22 }), [A([3, 3], 'away0'), A([3, 4], 'away0')], (m, [x, h]) => (m as nn.RNNCell).forward(x, h), cellRef('relu')),
  moduleCase('nn.GRUCell', () => new nn.GRUCell(3, 4, { seed: 23 }), [A([2, 3]), A([2, 4])], (m, [x, h]) => (m as nn.GRUCell).forward(x, h), cellRef('gru')),
  moduleCase(
    'nn.LSTMCell (h and c)',
    () => new nn.LSTMCell(3, 4, { seed: 24 }),
    [A([2, 3]), A([2, 4]), A([2, 4])],
    (m, [x, h, c]) => K.cat((m as nn.LSTMCell).forward(x, [h, c]), 1),
    ([x, h, c], [wih, whh, bih, bhh]) => {
      const r = R.rnnCell('lstm', x, h, c, wih, whh, bih, bhh);
      return R.cat([r.h, r.c!], 1);
    },
  ),
  moduleCase(
    'nn.LSTM 2 layers, batchFirst, 3 steps (h0, c0 and all 8 parameters)',
    () => new nn.LSTM(2, 3, { numLayers: 2, batchFirst: true, seed: 25 }),
    [A([2, 3, 2]), A([2, 2, 3]), A([2, 2, 3])],
    (m, [x, h, c]) => {
      const [y, [hN, cN]] = (m as nn.LSTM).forward(x, [h, c]);
      return K.cat([y.reshape([18]), hN.reshape([12]), cN.reshape([12])], 0);
    },
    ([x, h0, c0], p) => {
      const T = 3, B = 2, H = 3;
      const take = (a: R.Arr, l: number) => R.arr([B, H], a.data.slice(l * B * H, (l + 1) * B * H));
      let seq = Array.from({ length: T }, (_, t) => R.take(R.arr([B, T, x.shape[2]], x.data), 1, [t])).map((a) => R.arr([B, a.shape[2]], a.data));
      const hs: R.Arr[] = [], cs: R.Arr[] = [];
      for (let l = 0; l < 2; l++) {
        let h = take(h0, l), c: R.Arr = take(c0, l);
        const out: R.Arr[] = [];
        for (const xt of seq) {
          const r = R.rnnCell('lstm', xt, h, c, p[4 * l], p[4 * l + 1], p[4 * l + 2], p[4 * l + 3]);
          h = r.h;
          c = r.c!;
          out.push(h);
        }
        seq = out;
        hs.push(h);
        cs.push(c);
      }
      const y = R.permute(R.stack(seq, 0), [1, 0, 2]);
      return R.arr([42], [...y.data, ...R.stack(hs, 0).data, ...R.stack(cs, 0).data]);
    },
    8,
  ),
  moduleCase(
    'nn.GRU 2 layers, 3 steps (h0 and all 8 parameters)',
    () => new nn.GRU(2, 3, { numLayers: 2, seed: 27 }),
    [A([3, 2, 2]), A([2, 2, 3])],
    (m, [x, h]) => {
      const [y, hN] = (m as nn.GRU).forward(x, h);
      return K.cat([y.reshape([18]), hN.reshape([12])], 0);
    },
    ([x, h0], p) => {
      const T = 3, B = 2, H = 3;
      let seq = Array.from({ length: T }, (_, t) => R.arr([B, 2], x.data.slice(t * B * 2, (t + 1) * B * 2)));
      const hs: R.Arr[] = [];
      for (let l = 0; l < 2; l++) {
        let h = R.arr([B, H], h0.data.slice(l * B * H, (l + 1) * B * H));
        const out: R.Arr[] = [];
        for (const xt of seq) {
          h = R.rnnCell('gru', xt, h, null, p[4 * l], p[4 * l + 1], p[4 * l + 2], p[4 * l + 3]).h;
          out.push(h);
        }
        seq = out;
        hs.push(h);
      }
      return R.arr([30], [...R.stack(seq, 0).data, ...R.stack(hs, 0).data]);
    },
    8,
  ),
  moduleCase(
    'nn.Embedding paddingIdx 1 (the padding row gets no gradient)',
    () => new nn.Embedding(5, 3, { paddingIdx: 1, seed: 26 }),
    [],
    (m) => (m as nn.Embedding).forward(tensor([[1, 4, 1], [0, 3, 4]])),
    (() => {
      // torch's padding_idx is a stop-gradient: the reference reads row 1 from its first (unperturbed)
      // call, so finite differences see it as a constant, as the analytic gradient does.
      let row1: Float64Array | null = null;
      return (_: R.Arr[], [w]: R.Arr[]) => {
        row1 ??= w.data.slice(3, 6);
        const frozen = R.arr(w.shape, w.data);
        frozen.data.set(row1, 3);
        return { shape: [2, 3, 3], data: R.indexSelect(frozen, 0, [1, 4, 1, 0, 3, 4]).data };
      };
    })(),
    1,
  ),
  moduleCase(
    'nn.EmbeddingBag mean, offsets with an empty bag',
    () => new nn.EmbeddingBag(6, 2, { seed: 27 }),
    [],
    (m) => (m as nn.EmbeddingBag).forward(Int32Array.of(5, 0, 5, 2, 3), [0, 3, 3]),
    (_, [w]) => {
      const r = R.indexSelect(w, 0, [5, 0, 5, 2, 3]).data;
      const bag = (from: number, to: number) => [0, 1].map((j) => (to > from ? Array.from({ length: to - from }, (_, i) => r[(from + i) * 2 + j]).reduce((a, b) => a + b) / (to - from) : 0));
      return R.arr([3, 2], [...bag(0, 3), ...bag(3, 3), ...bag(3, 5)]);
    },
    1,
  ),
];

function toArr(t: Tensor): R.Arr {
  return R.arr([...t.shape], t.toFloat32Array());
}

function check(c: Case, nInputs = c.inputs.length): void {
  tidy(() => {
    const ts = c.inputs.slice(0, nInputs).map((inp) => (typeof inp === 'function' ? inp() : tensor(gen(inp.shape, inp.gen), inp.shape, { requiresGrad: inp.grad !== false })));
    const xs = ts.map(toArr);
    const y = c.fn(ts);
    const want = c.ref(xs);
    expect([...y.shape]).toEqual(want.shape);
    const got = y.toFloat32Array();
    got.forEach((v, i) => expect(Math.abs(v - want.data[i]), `${c.name}: forward[${i}] ${v} vs ${want.data[i]}`).toBeLessThan(1e-4 * (1 + Math.abs(want.data[i]))));
    const w = gen([...y.shape]);
    y.backward(tensor(w, [...y.shape]));
    const w64 = Float64Array.from(w);
    ts.forEach((t, j) => {
      if (!t.requiresGrad) return;
      expect(t.grad, `${c.name}: input ${j} has no gradient`).not.toBeNull();
      const num = R.numericGrad(c.ref, xs, j, w64);
      const ana = t.grad!.toFloat32Array();
      ana.forEach((v, i) => expect(Math.abs(v - num[i]), `${c.name}: d/dinput${j}[${i}] analytic ${v} vs numeric ${num[i]}`).toBeLessThan((c.tol ?? 1e-3) * (1 + Math.abs(num[i]))));
      t.grad!.dispose();
      t.grad = null;
    });
  });
}

beforeAll(() => init());

describe('gradient check: ops', () => {
  for (const c of cases) it(c.name, () => check(c));
});

describe('gradient check: layers', () => {
  for (const [c, nParams] of layerCases) it(c.name, () => check(c, 1 + nParams));
  it('nn.Dropout (training): the gradient uses the same mask as the forward', () => {
    tidy(() => {
      const drop = new nn.Dropout(0.5, { seed: 9 });
      const x = tensor(gen([4, 6], 'away0'), [4, 6], { requiresGrad: true });
      const y = drop.forward(x);
      const xd = x.toFloat32Array(), yd = y.toFloat32Array();
      const mask = yd.map((v, i) => v / xd[i]);
      expect(new Set([...mask].map((m) => Math.round(m * 1e5) / 1e5))).toEqual(new Set([0, 2]));
      const w = gen([4, 6]);
      y.backward(tensor(w, [4, 6]));
      x.grad!.toFloat32Array().forEach((g, i) => expect(g).toBeCloseTo(w[i] * mask[i], 5));
      drop.eval();
      expect(drop.forward(x)).toBe(x);
    });
  });
});

describe('gradient check: recurrent cells and embeddings', () => {
  for (const c of recurrentCases) it(c.name, () => check(c));
});

describe('autograd engine', () => {
  it('accumulates gradients when a tensor feeds several ops (the book version overwrites)', () => {
    tidy(() => {
      const x = tensor([2, 3], undefined, { requiresGrad: true });
      // y = x·x + 3x + x → dy/dx = 2x + 4
      const y = K.add(K.add(K.mul(x, x), K.mul(x, 3)), x).sum();
      y.backward();
      expect(Array.from(x.grad!.toFloat32Array())).toEqual([8, 10]);
      // A second backward adds to the existing gradient (PyTorch semantics); zeroGrad resets.
      K.mul(x, 2).sum().backward();
      expect(Array.from(x.grad!.toFloat32Array())).toEqual([10, 12]);
    });
  });

  it('handles a 20,000-op chain without recursion limits', () => {
    tidy(() => {
      const x = tensor([1], undefined, { requiresGrad: true });
      let h = x;
      for (let i = 0; i < 20000; i++) h = K.add(h, 0.001);
      h.sum().backward();
      expect(x.grad!.item()).toBe(1);
    });
  });

  it('noGrad records nothing and backward on a constant explains why it fails', () => {
    tidy(() => {
      const x = tensor([1, 2], undefined, { requiresGrad: true });
      const y = K.noGrad(() => K.mul(x, 2));
      expect(y.requiresGrad).toBe(false);
      expect(() => y.sum().backward()).toThrow(/does not require grad/);
    });
  });
});

describe('gradient check: fused linear', () => {
  for (const act of ['none', 'relu', 'sigmoid', 'tanh'] as const) {
    const f = { none: (v: number) => v, relu, sigmoid: sig, tanh: Math.tanh }[act];
    it(`linear(x, W, b, '${act}') for x, W and b`, () =>
      check({
        name: `linear ${act}`,
        inputs: [A([4, 5], 'away0'), A([5, 3]), A([3])],
        fn: ([x, w, b]) => K.linear(x, w, b, act),
        ref: ([x, w, b]) => R.map(R.binary(R.matmul(x, w), b, (u, v) => u + v), f),
      }));
  }
  it('linearChain(x, [L1, L2, L3], [tanh, relu, sigmoid]) for x and every weight and bias', () =>
    check({
      name: 'linearChain',
      inputs: [A([4, 5], 'away0'), A([5, 3]), A([3]), A([3, 4]), A([4]), A([4, 2]), A([2])],
      fn: ([x, w1, b1, w2, b2, w3, b3]) => K.linearChain(x, [{ weight: w1, bias: b1 }, { weight: w2, bias: b2 }, { weight: w3, bias: null }], ['tanh', 'relu', 'none']).add(b3),
      ref: ([x, w1, b1, w2, b2, w3, b3]) => {
        const lin = (h: R.Arr, w: R.Arr, b: R.Arr, f: (v: number) => number) => R.map(R.binary(R.matmul(h, w), b, (u, v) => u + v), f);
        return R.binary(R.matmul(lin(lin(x, w1, b1, Math.tanh), w2, b2, relu), w3), b3, (u, v) => u + v);
      },
    }));
  it('linearChain on a 1-D input [k]', () =>
    check({
      name: 'linearChain 1-D',
      inputs: [A([3], 'away0'), A([3, 4]), A([4]), A([4, 2]), A([2])],
      fn: ([x, w1, b1, w2, b2]) => K.linearChain(x, [{ weight: w1, bias: b1 }, { weight: w2, bias: b2 }], ['sigmoid', 'sigmoid']),
      ref: ([x, w1, b1, w2, b2]) => {
        const row = { shape: [1, 3], data: x.data };
        const lin = (h: R.Arr, w: R.Arr, b: R.Arr) => R.map(R.binary(R.matmul(h, w), b, (u, v) => u + v), sig);
        return { shape: [2], data: lin(lin(row, w1, b1), w2, b2).data };
      },
    }));
  it('accumulates into existing parameter gradients across two backward calls', () => {
    tidy(() => {
      const lin = new nn.Linear(3, 2, { seed: 11 });
      const x = tensor([[1, 2, 3]]);
      lin.forward(x).sum().backward();
      const once = lin.weight.grad!.toFloat32Array();
      lin.forward(x).sum().backward();
      lin.weight.grad!.toFloat32Array().forEach((v, i) => expect(v).toBeCloseTo(2 * once[i], 5));
      expect(Array.from(lin.bias!.grad!.toFloat32Array())).toEqual([2, 2]);
      lin.zeroGrad();
      expect(lin.weight.grad).toBeNull();
    });
  });
});

// ---- attention (ts/ops/attention.ts, ts/ops/norm.ts, ts/nn/attention.ts) ----
const ATT_MASK = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1]; // [3, 5]; query 1 sees no key
const withParams = (name: string, make: () => nn.AnyModule, inShape: number[], nParams: number, fn: (m: nn.AnyModule, x: Tensor) => Tensor, ref: (x: R.Arr, ps: R.Arr[]) => R.Arr): Case => {
  let module: nn.AnyModule;
  return {
    name,
    inputs: [A(inShape), ...Array.from({ length: nParams }, (_, i) => () => {
      if (i === 0) module = make();
      return module.parameters()[i];
    })],
    fn: ([x]) => fn(module, x),
    ref: ([x, ...ps]) => ref(x, ps),
  };
};
const attentionCases: Case[] = [
  { name: 'layerNorm last axis, weight and bias', inputs: [A([3, 4]), A([4]), A([4])], fn: ([x, w, b]) => K.layerNorm(x, [4], w, b), ref: ([x, w, b]) => RA.layerNorm(x, 4, w, b) },
  { name: 'layerNorm two trailing axes, no affine', inputs: [A([2, 3, 2])], fn: ([x]) => K.layerNorm(x, [3, 2]), ref: ([x]) => RA.layerNorm(x, 6, null, null) },
  { name: 'scaledDotProductAttention [2,3,4]·[2,5,4]→[2,5,3]', inputs: [A([2, 3, 4]), A([2, 5, 4]), A([2, 5, 3])], fn: ([q, k, v]) => K.scaledDotProductAttention(q, k, v), ref: ([q, k, v]) => RA.attention(q, k, v) },
  {
    name: 'scaledDotProductAttention mask [3,5] with a fully masked query',
    inputs: [A([2, 3, 4]), A([2, 5, 4]), A([2, 5, 3])],
    fn: ([q, k, v]) => K.scaledDotProductAttention(q, k, v, { mask: tensor(ATT_MASK, [3, 5]) }),
    ref: ([q, k, v]) => RA.attention(q, k, v, (_, i, j) => ATT_MASK[i * 5 + j] === 1),
  },
  {
    name: 'scaledDotProductAttention causal, rank 4 heads, scale 0.7',
    inputs: [A([1, 2, 4, 3]), A([1, 2, 4, 3]), A([1, 2, 4, 2])],
    fn: ([q, k, v]) => K.scaledDotProductAttention(q, k, v, { causal: true, scale: 0.7 }),
    ref: ([q, k, v]) => RA.attention(q, k, v, (_, i, j) => j <= i, 0.7),
  },
  { name: 'maskedSoftmax [2,3,4], no mask, scale 1.5', inputs: [A([2, 3, 4])], fn: ([x]) => K.maskedSoftmax(x, { scale: 1.5 }), ref: ([x]) => RA.maskedSoftmax(x, () => true, 1.5) },
  {
    // Rows are (b, h, l) of [2, 2, 3, 5]; the padding mask [2, 1, 1, 5] hides keys per batch item (item 1: all of them).
    name: 'maskedSoftmax rank 4, key padding mask [2,1,1,5] with a fully masked item, causal',
    inputs: [A([2, 2, 3, 5])],
    fn: ([x]) => K.maskedSoftmax(x, { mask: tensor([1, 1, 0, 1, 1, 0, 0, 0, 0, 0], [2, 1, 1, 5]), causal: true, scale: 0.8 }),
    ref: ([x]) => RA.maskedSoftmax(x, (r, j) => Math.floor(r / 6) === 0 && j !== 2 && j <= r % 3, 0.8),
  },
  {
    name: 'maskedSoftmax [3,5] mask [3,5] with a fully masked row',
    inputs: [A([3, 5])],
    fn: ([x]) => K.maskedSoftmax(x, { mask: tensor(ATT_MASK, [3, 5]) }),
    ref: ([x]) => RA.maskedSoftmax(x, (r, j) => ATT_MASK[r * 5 + j] === 1),
  },
  withParams('nn.LayerNorm(4)', () => new nn.LayerNorm(4), [2, 3, 4], 2, (m, x) => m.forward(x), (x, [w, b]) => RA.layerNorm(x, 4, w, b)),
  withParams('nn.MultiheadAttention(4, 2) self-attention', () => new nn.MultiheadAttention(4, 2, { seed: 11 }), [2, 3, 4], 8, (m, x) => m.forward(x)[0], (x, ps) => RA.multiheadSelfAttention(x, ps, 2)),
  withParams(
    'nn.MultiheadAttention(4, 2) keyPaddingMask + causal',
    () => new nn.MultiheadAttention(4, 2, { seed: 12 }),
    [2, 3, 4],
    8,
    (m, x) => m.forward(x, x, x, { keyPaddingMask: tensor([[0, 0, 1], [0, 1, 1]]), isCausal: true })[0],
    (x, ps) => RA.multiheadSelfAttention(x, ps, 2, (b, i, j) => j <= i && !(b === 0 ? j === 2 : j >= 1)),
  ),
];

describe('gradient check: attention', () => {
  for (const c of attentionCases) it(c.name, () => check(c));
  it('nn.MultiheadAttention weights: averaged over heads, rows sum to 1 (0 for a fully masked query)', () => {
    tidy(() => {
      const m = new nn.MultiheadAttention(4, 2, { seed: 3 });
      const x = tensor(gen([1, 3, 4]), [1, 3, 4]);
      const [, w] = m.forward(x, x, x, { attnMask: tensor([[0, 0, 1], [1, 1, 1], [0, 1, 0]]) });
      expect(w!.shape).toEqual([1, 3, 3]);
      const d = w!.toFloat32Array();
      expect(d[0] + d[1]).toBeCloseTo(1, 5);
      expect(d[2]).toBe(0);
      expect([d[3], d[4], d[5]]).toEqual([0, 0, 0]);
      expect(d[6] + d[8]).toBeCloseTo(1, 5);
    });
  });
});
