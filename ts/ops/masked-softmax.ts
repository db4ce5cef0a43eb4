/**
 * Attention's softmax as one kernel (`masked_softmax`): softmax over the last axis of
 * scale·x, with a 0/1 keep mask broadcast to x and an optional causal mask, forward and backward
 * in Rust. The composition it replaces (mul, where, softmax, mul) runs four kernels and keeps three
 * temporaries per call; scaledDotProductAttention uses this for scores of rank ≤ 4.
 */
import { K } from '../backend/wasm.js';
import { accumulateGrad, record } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { stridesOf } from './broadcast.js';
import { checkTensor } from './checks.js';

export interface MaskedSoftmaxOptions {
  /** 0/1 broadcastable to x; 1 keeps a position (PyTorch's boolean attn_mask of SDPA). */
  mask?: Tensor | null;
  /** Over the last two axes [L, S]: row i keeps columns 0..i (top-left aligned when L ≠ S). */
  causal?: boolean;
  /** Multiplies x before the softmax. Default 1. */
  scale?: number;
}

const OP = 'maskedSoftmax';

/**
 * softmax(scale·x) over the last axis of x (rank 1 to 4) where masked positions weigh exactly 0;
 * a row with every position masked is all 0 (not NaN), with zero gradient.
 */
export function maskedSoftmax(x: Tensor, opts: MaskedSoftmaxOptions = {}): Tensor {
  checkTensor(OP, x);
  if (opts === null || typeof opts !== 'object') throw new KnobsError(`${OP}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const unknown = Object.keys(opts).filter((k) => !['mask', 'causal', 'scale'].includes(k));
  if (unknown.length) throw new KnobsError(`${OP}: unknown option(s) ${unknown.join(', ')}; allowed: mask, causal, scale`);
  if (x.rank < 1 || x.rank > 4) throw new ShapeError(`${OP}: x must have rank 1 to 4 (the kernel's [b, h, l, s]), got ${fmtShape(x.shape)}`);
  const causal = opts.causal ?? false;
  if (typeof causal !== 'boolean') throw new KnobsError(`${OP}: causal must be a boolean, got ${typeof causal}`);
  if (causal && x.rank < 2) throw new ShapeError(`${OP}: causal needs rank ≥ 2 ([..., L, S]), got ${fmtShape(x.shape)}`);
  const scale = opts.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new KnobsError(`${OP}: scale must be a finite number, got ${scale}`);
  const mask = opts.mask ?? null;
  // Both padded on the left to rank 4: the kernel's [b, h, l, s].
  const dims = [...Array(4 - x.rank).fill(1), ...x.shape];
  const maskStrides = new Uint32Array(4);
  if (mask !== null) {
    checkTensor(OP, mask, 'mask');
    if (mask.rank > x.rank || mask.shape.some((d, i) => d !== 1 && d !== x.shape[x.rank - mask.rank + i])) {
      throw new ShapeError(`${OP}: mask ${fmtShape(mask.shape)} must broadcast to x ${fmtShape(x.shape)}`);
    }
    const bad = mask.size > 0 ? K().first_not_binary(mask.ptr, mask.size) : mask.size;
    if (bad < mask.size) throw new KnobsError(`${OP}: mask ${fmtShape(mask.shape)} must hold only 0 and 1, got ${mask.data[bad]} at flat index ${bad}`);
    const ms = [...Array(4 - mask.rank).fill(1), ...mask.shape];
    const st = stridesOf(ms);
    ms.forEach((d, i) => (maskStrides[i] = d === 1 ? 0 : st[i]));
  }
  const out = empty(x.shape, OP);
  const S = dims[3];
  if (out.size > 0) K().masked_softmax(x.ptr, mask && mask.size > 0 ? mask.ptr : 0, mask ? mask.size : 0, Uint32Array.from(dims), maskStrides, causal, scale, out.ptr);
  return record(out, [x], (g) => {
    const gx = empty(x.shape, `${OP}_grad`);
    if (gx.size > 0) K().masked_softmax_backward(out.ptr, g.ptr, gx.size, S, scale, gx.ptr);
    accumulateGrad(x, gx, true);
  });
}
