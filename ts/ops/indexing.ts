/**
 * Ops that move data by integer indices (PyTorch semantics): indexSelect/indexAdd along an axis,
 * gather/scatterAdd element by element, embedding rows and oneHot. Each pair is the other's
 * adjoint, so the backward of a gather is a scatter-add (repeated indices accumulate) and back.
 * Index buffers live until the graph that needs them is freed; without a graph they go at once.
 */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty, zeros, shapeSize } from '../tensor.js';
import { checkOutputSize, indexShape, toIndices, type IndexLike, type Indices } from './indices.js';
import { MAX_RANK, copyInto, sameShape, stridesOf } from './broadcast.js';
import { checkTensor, normAxis } from './checks.js';

/** x viewed as [outer, shape[axis], inner]. */
function around(shape: readonly number[], axis: number): [number, number] {
  return [shapeSize(shape.slice(0, axis)), shapeSize(shape.slice(axis + 1))];
}

/** Frees the index buffer now when no graph was recorded (nothing will read it again). */
function settle(out: Tensor, idx: Indices): Tensor {
  if (out.backwardFn === null) idx.buf.dispose();
  return out;
}

function axisOf(op: string, x: Tensor, axis: number): number {
  if (x.rank === 0) throw new ShapeError(`${op}: needs a tensor with at least one axis, got a scalar`);
  return normAxis(op, axis, x.rank);
}

function oneDim(op: string, index: IndexLike): number {
  const s = indexShape(op, index);
  if (s.length !== 1) throw new ShapeError(`${op}: index must be 1-D, got shape ${fmtShape(s)}`);
  return s[0];
}

/** Raw index_select of g along `axis` (for backward passes). */
function selectRaw(x: Tensor, axis: number, idx: Indices): Tensor {
  const shape = x.shape.map((d, i) => (i === axis ? idx.size : d));
  const [outer, inner] = around(x.shape, axis);
  const out = empty(shape, 'indexSelect');
  if (out.size > 0) K().index_select(x.ptr, idx.buf.ptr, idx.size, out.ptr, outer, x.shape[axis], inner);
  return out;
}

/** out = x, then out[…, index[j], …] += src[…, j, …] along `axis` (raw). */
function indexAddRaw(into: Tensor, axis: number, idx: Indices, src: Tensor): void {
  const [outer, inner] = around(into.shape, axis);
  if (src.size > 0) K().index_add(into.ptr, idx.buf.ptr, idx.size, src.ptr, outer, into.shape[axis], inner);
}

/** The slices of x at `index` along `axis` (torch.index_select): out.shape[axis] = index.length. */
export function indexSelect(x: Tensor, axis: number, index: IndexLike): Tensor {
  checkTensor('indexSelect', x);
  const ax = axisOf('indexSelect', x, axis);
  const m = oneDim('indexSelect', index);
  checkOutputSize('indexSelect', x.shape.map((d, i) => (i === ax ? m : d)));
  const idx = toIndices('indexSelect', index, x.shape[ax], `axis ${ax} of ${fmtShape(x.shape)}`);
  const out = selectRaw(x, ax, idx);
  return settle(record(out, [x], (g) => {
    const gx = zeros(x.shape);
    indexAddRaw(gx, ax, idx, g);
    accumulateGrad(x, gx, true);
  }), idx);
}

/**
 * x plus `source` added at `index` along `axis` (torch.index_add, out of place): repeated indices
 * accumulate. source.shape is x.shape with index.length at `axis`.
 */
export function indexAdd(x: Tensor, axis: number, index: IndexLike, source: Tensor): Tensor {
  checkTensor('indexAdd', x);
  checkTensor('indexAdd', source, 'source');
  const ax = axisOf('indexAdd', x, axis);
  const m = oneDim('indexAdd', index);
  const want = x.shape.map((d, i) => (i === ax ? m : d));
  if (!sameShape(source.shape, want)) {
    throw new ShapeError(`indexAdd: source ${fmtShape(source.shape)} must have shape ${fmtShape(want)} (x ${fmtShape(x.shape)} with ${m} indices on axis ${ax})`);
  }
  const idx = toIndices('indexAdd', index, x.shape[ax], `axis ${ax} of ${fmtShape(x.shape)}`);
  const out = empty(x.shape, 'indexAdd');
  if (out.size > 0) copyInto(out, x);
  indexAddRaw(out, ax, idx, source);
  return settle(record(out, [x, source], (g) => {
    if (x.requiresGrad) accumulateGrad(x, g, false);
    if (source.requiresGrad) accumulateGrad(source, selectRaw(g, ax, idx), true);
  }), idx);
}

/** Checks a gather/scatterAdd index against x: same rank, and no larger on the other axes. */
function checkGatherIndex(op: string, x: Tensor, ax: number, ishape: readonly number[]): void {
  if (x.rank > MAX_RANK) throw new ShapeError(`${op}: rank ${x.rank} of x ${fmtShape(x.shape)} is above the supported ${MAX_RANK}`);
  if (ishape.length !== x.rank || ishape.some((d, i) => i !== ax && d > x.shape[i])) {
    throw new ShapeError(`${op}: index ${fmtShape(ishape)} must have the rank of x ${fmtShape(x.shape)} and be no larger on every axis but ${ax}`);
  }
}

/** out[c] = x[c with c[axis] = index[c]] (torch.gather): out.shape = index.shape. */
export function gather(x: Tensor, axis: number, index: IndexLike): Tensor {
  checkTensor('gather', x);
  const ax = axisOf('gather', x, axis);
  checkGatherIndex('gather', x, ax, indexShape('gather', index));
  const idx = toIndices('gather', index, x.shape[ax], `axis ${ax} of ${fmtShape(x.shape)}`);
  const xs = Uint32Array.from(stridesOf(x.shape));
  const shape = Uint32Array.from(idx.shape);
  const out = empty(idx.shape, 'gather');
  if (out.size > 0) K().gather(x.ptr, x.size, xs, ax, idx.buf.ptr, out.ptr, shape);
  return settle(record(out, [x], (g) => {
    const gx = zeros(x.shape);
    if (g.size > 0) K().scatter_add(gx.ptr, gx.size, xs, ax, idx.buf.ptr, g.ptr, shape);
    accumulateGrad(x, gx, true);
  }), idx);
}

/**
 * x plus src scattered by index along `axis` (torch.scatter_add, out of place):
 * out[c with c[axis] = index[c]] += src[c]; repeated targets accumulate. src has index's shape.
 */
export function scatterAdd(x: Tensor, axis: number, index: IndexLike, src: Tensor): Tensor {
  checkTensor('scatterAdd', x);
  checkTensor('scatterAdd', src, 'src');
  const ax = axisOf('scatterAdd', x, axis);
  const ishape = indexShape('scatterAdd', index);
  checkGatherIndex('scatterAdd', x, ax, ishape);
  if (!sameShape(src.shape, ishape)) throw new ShapeError(`scatterAdd: src ${fmtShape(src.shape)} must have the index's shape ${fmtShape(ishape)}`);
  const idx = toIndices('scatterAdd', index, x.shape[ax], `axis ${ax} of ${fmtShape(x.shape)}`);
  const xs = Uint32Array.from(stridesOf(x.shape));
  const shape = Uint32Array.from(idx.shape);
  const out = empty(x.shape, 'scatterAdd');
  if (out.size > 0) copyInto(out, x);
  if (src.size > 0) K().scatter_add(out.ptr, out.size, xs, ax, idx.buf.ptr, src.ptr, shape);
  return settle(record(out, [x, src], (g) => {
    if (x.requiresGrad) accumulateGrad(x, g, false);
    if (src.requiresGrad) {
      const gs = empty(idx.shape, 'gather');
      if (gs.size > 0) K().gather(g.ptr, g.size, xs, ax, idx.buf.ptr, gs.ptr, shape);
      accumulateGrad(src, gs, true);
    }
  }), idx);
}

/**
 * Rows of `weight` [numEmbeddings, dim] looked up by `indices` (any shape): the output has shape
 * indices.shape + [dim], and the gradient scatter-adds into the looked-up rows of weight. Row
 * `paddingIdx` (torch's padding_idx) is looked up like any other but receives no gradient.
 */
export function embedding(weight: Tensor, indices: IndexLike, paddingIdx?: number): Tensor {
  checkTensor('embedding', weight, 'weight');
  if (weight.rank !== 2) throw new ShapeError(`embedding: weight must be 2-D [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  const [num, dim] = weight.shape;
  if (paddingIdx !== undefined && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < num)) {
    throw new KnobsError(`embedding: paddingIdx must be an integer in [0, ${num}) for weight ${fmtShape(weight.shape)}, got ${paddingIdx}`);
  }
  const outShape = [...indexShape('embedding', indices, 'indices'), dim];
  checkOutputSize('embedding', outShape);
  const idx = toIndices('embedding', indices, num, `weight ${fmtShape(weight.shape)} (${num} embeddings)`, 'indices');
  const out = empty(outShape, 'embedding');
  if (out.size > 0) K().index_select(weight.ptr, idx.buf.ptr, idx.size, out.ptr, 1, num, dim);
  return settle(record(out, [weight], (g) => {
    const gw = zeros(weight.shape);
    if (g.size > 0) K().index_add(gw.ptr, idx.buf.ptr, idx.size, g.ptr, 1, num, dim);
    // One row of `dim` values: cheaper to clear after the scatter than to filter the indices.
    if (paddingIdx !== undefined) gw.data.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
    accumulateGrad(weight, gw, true);
  }), idx);
}

/** One-hot float rows: shape indices.shape + [numClasses]; every index must be in [0, numClasses). */
export function oneHot(indices: IndexLike, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new KnobsError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const outShape = [...indexShape('oneHot', indices, 'indices'), numClasses];
  checkOutputSize('oneHot', outShape);
  const idx = toIndices('oneHot', indices, numClasses, `${numClasses} classes`, 'indices');
  const out = empty(outShape, 'oneHot');
  if (out.size > 0) K().one_hot(idx.buf.ptr, idx.size, out.ptr, numClasses);
  idx.buf.dispose();
  return out;
}
