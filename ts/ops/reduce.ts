/** Sums and means, over everything or along one axis. */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { Tensor, empty } from '../tensor.js';
import { expandTo, rawScale, reduceTo } from './broadcast.js';
import { checkTensor, normAxis } from './checks.js';

export interface ReduceOptions {
  axis?: number;
  keepDims?: boolean;
}

function reducedShape(shape: readonly number[], axis: number | undefined, keepDims: boolean): number[] {
  if (axis === undefined) return keepDims ? shape.map(() => 1) : [];
  return keepDims ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
}

export function sum(t: Tensor, opts: ReduceOptions = {}): Tensor {
  checkTensor('sum', t);
  const axis = opts.axis === undefined ? undefined : normAxis('sum', opts.axis, t.rank);
  const keep = reducedShape(t.shape, axis, true);
  const outShape = reducedShape(t.shape, axis, !!opts.keepDims);
  let out: Tensor;
  if (axis === undefined) {
    out = empty(outShape, 'sum');
    out.data[0] = t.size > 0 ? K().pairwise_sum(t.ptr, t.size) : 0;
  } else {
    const r = reduceTo(t, keep);
    out = r.reshape(outShape);
    r.dispose();
  }
  out.op = 'sum';
  return record(out, [t], (g) => {
    const gk = g.reshape(keep);
    accumulateGrad(t, expandTo(gk, t.shape), true);
    gk.dispose();
  });
}

export function mean(t: Tensor, opts: ReduceOptions = {}): Tensor {
  checkTensor('mean', t);
  const axis = opts.axis === undefined ? undefined : normAxis('mean', opts.axis, t.rank);
  const count = axis === undefined ? t.size : t.shape[axis];
  const s = sum(t, opts);
  if (count === 0) return s;
  const out = rawScale(s, 1 / count);
  out.op = 'mean';
  const viaSum = s;
  return record(out, [viaSum], (g) => accumulateGrad(viaSum, rawScale(g, 1 / count), true));
}
