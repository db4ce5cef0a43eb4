/**
 * Scaled dot-product attention, softmax(q·kᵀ·scale)·v: batched matmuls around the fused
 * `maskedSoftmax` kernel (scores of rank ≤ 4, i.e. [batch, heads, L, S]); higher ranks compose
 * mul, where and softmax instead. Masks follow PyTorch's
 * F.scaled_dot_product_attention: a 0/1 `mask` (1 = may attend) broadcast to [..., L, S], and
 * `causal` (query i sees keys 0..i).
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { Tensor, tensor } from '../tensor.js';
import { softmax } from './activations.js';
import { mul } from './elementwise.js';
import { transpose } from './layout.js';
import { matmul } from './matmul.js';
import { maskedSoftmax } from './masked-softmax.js';
import { broadcastShapes } from './broadcast.js';
import { checkTensor } from './checks.js';
import { where } from './where.js';

export interface AttentionOptions {
  /** 0/1, broadcastable to [..., L, S]; 1 lets a query attend to a key (PyTorch's boolean attn_mask of SDPA). */
  mask?: Tensor | null;
  /** Query i attends to keys 0..i only (top-left aligned when L ≠ S, as in PyTorch). */
  causal?: boolean;
  /** Multiplies q·kᵀ; default 1/√E. */
  scale?: number;
}

// A finite fill, not −∞: a query whose every key is masked would give softmax(−∞…) = NaN; with a
// finite fill its row is uniform, then zeroed by the mask, so its output is 0 and gradients stay finite.
const MASKED = -1e30;

/** The lower-triangular [L, S] keep mask of causal attention (a constant, no graph). */
function causalMask(L: number, S: number): Tensor {
  const d = new Float32Array(L * S);
  for (let i = 0; i < L; i++) d.fill(1, i * S, i * S + Math.min(i + 1, S));
  return tensor(d, [L, S]);
}

/** Output and attention weights [..., L, S]; what scaledDotProductAttention and MultiheadAttention share. */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): { output: Tensor; weights: Tensor } {
  const op = 'scaledDotProductAttention';
  checkTensor(op, q, 'q');
  checkTensor(op, k, 'k');
  checkTensor(op, v, 'v');
  const unknown = Object.keys(opts).filter((o) => !['mask', 'causal', 'scale'].includes(o));
  if (unknown.length) throw new KnobsError(`${op}: unknown option(s) ${unknown.join(', ')}; allowed: mask, causal, scale`);
  const shapes = `q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`;
  if (q.rank < 2 || k.rank < 2 || v.rank < 2) throw new ShapeError(`${op}: q, k and v need rank ≥ 2 ([..., length, features]), got ${shapes}`);
  const [L, E] = q.shape.slice(-2), [S, Ek] = k.shape.slice(-2), Sv = v.shape[v.rank - 2];
  if (E !== Ek) throw new ShapeError(`${op}: q and k must have the same last dimension, got ${shapes}`);
  if (S !== Sv) throw new ShapeError(`${op}: k and v must have the same length (axis -2), got ${shapes}`);
  const batch = broadcastShapes(op, broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2)), v.shape.slice(0, -2));
  const scoresShape = [...batch, L, S];
  const mask = opts.mask ?? null;
  if (mask !== null) {
    checkTensor(op, mask, 'mask');
    const r = scoresShape.length;
    if (mask.rank > r || mask.shape.some((d, i) => d !== 1 && d !== scoresShape[r - mask.rank + i])) {
      throw new ShapeError(`${op}: mask ${fmtShape(mask.shape)} must broadcast to the scores [..., L, S] = ${fmtShape(scoresShape)} (${shapes})`);
    }
  }
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  if (!Number.isFinite(scale)) throw new KnobsError(`${op}: scale must be a finite number, got ${scale}`);

  if (scoresShape.length <= 4) {
    // One fused kernel: scale, both masks and the softmax (ts/ops/masked-softmax.ts).
    const weights = maskedSoftmax(matmul(q, transpose(k)), { mask, causal: opts.causal ?? false, scale });
    return { output: matmul(weights, v), weights };
  }
  let keep: Tensor | null = mask;
  if (opts.causal) {
    const c = causalMask(L, S);
    keep = keep ? mul(keep, c) : c;
  }
  let scores = mul(matmul(q, transpose(k)), scale);
  if (keep) scores = where(keep, scores, MASKED);
  let weights = softmax(scores);
  if (keep) weights = mul(weights, keep);
  return { output: matmul(weights, v), weights };
}

/**
 * softmax(q·kᵀ·scale + mask)·v over the last two axes of q [..., L, E], k [..., S, E],
 * v [..., S, Ev] (batch axes broadcast) → [..., L, Ev]. A query with every key masked gets 0.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  return attention(q, k, v, opts).output;
}
