/** Float64 references for layer norm and attention (plain loops; see reference.ts). */
import { matmul, type Arr } from './reference.js';

/** Normalises every run of the last `n` elements; weight/bias of n elements or null. */
export function layerNorm(x: Arr, n: number, w: Arr | null, b: Arr | null, eps = 1e-5): Arr {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length; r += n) {
    let mu = 0;
    for (let i = 0; i < n; i++) mu += x.data[r + i];
    mu /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x.data[r + i] - mu) ** 2;
    v /= n;
    for (let i = 0; i < n; i++) out[r + i] = ((x.data[r + i] - mu) / Math.sqrt(v + eps)) * (w ? w.data[i] : 1) + (b ? b.data[i] : 0);
  }
  return { shape: x.shape, data: out };
}

/**
 * Attention over equal batch axes: q [..., L, E], k [..., S, E], v [..., S, F]. keep(batch, i, j)
 * says whether query i of batch item `batch` may see key j; a query that sees nothing outputs 0.
 */
export function attention(q: Arr, k: Arr, v: Arr, keep: (batch: number, i: number, j: number) => boolean = () => true, scale?: number): Arr {
  const [L, E] = q.shape.slice(-2), S = k.shape[k.shape.length - 2], F = v.shape[v.shape.length - 1];
  const nb = q.data.length / (L * E);
  const sc = scale ?? 1 / Math.sqrt(E);
  const out = new Float64Array(nb * L * F);
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < L; i++) {
      const s = new Float64Array(S);
      let m = -Infinity;
      for (let j = 0; j < S; j++) {
        if (!keep(b, i, j)) continue;
        let d = 0;
        for (let e = 0; e < E; e++) d += q.data[(b * L + i) * E + e] * k.data[(b * S + j) * E + e];
        s[j] = d * sc;
        m = Math.max(m, s[j]);
      }
      if (m === -Infinity) continue;
      let z = 0;
      for (let j = 0; j < S; j++) if (keep(b, i, j)) z += Math.exp(s[j] - m);
      for (let j = 0; j < S; j++) {
        if (!keep(b, i, j)) continue;
        const p = Math.exp(s[j] - m) / z;
        for (let f = 0; f < F; f++) out[(b * L + i) * F + f] += p * v.data[(b * S + j) * F + f];
      }
    }
  }
  return { shape: [...q.shape.slice(0, -1), F], data: out };
}

function linear(x: Arr, w: Arr, b: Arr): Arr {
  const y = matmul(x, w);
  const n = b.data.length;
  return { shape: y.shape, data: y.data.map((v, i) => v + b.data[i % n]) };
}

/** [B, T, E] → [B, H, T, D] and back. */
function split(x: Arr, H: number): Arr {
  const [B, T, E] = x.shape, D = E / H;
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) out[((b * H + h) * T + t) * D + d] = x.data[(b * T + t) * E + h * D + d];
  return { shape: [B, H, T, D], data: out };
}
function merge(x: Arr): Arr {
  const [B, H, T, D] = x.shape;
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) out[(b * T + t) * H * D + h * D + d] = x.data[((b * H + h) * T + t) * D + d];
  return { shape: [B, T, H * D], data: out };
}

/** Self-attention of nn.MultiheadAttention with params [Wq, bq, Wk, bk, Wv, bv, Wo, bo] (knobs' [in, out] layout). */
export function multiheadSelfAttention(x: Arr, p: Arr[], H: number, keep?: (batch: number, i: number, j: number) => boolean): Arr {
  const q = split(linear(x, p[0], p[1]), H), k = split(linear(x, p[2], p[3]), H), v = split(linear(x, p[4], p[5]), H);
  const o = attention(q, k, v, keep ? (bh, i, j) => keep(Math.floor(bh / H), i, j) : undefined);
  return linear(merge(o), p[6], p[7]);
}

/** Masked softmax over the last axis of x; keep(row, j) per row of the flattened leading axes; an all-masked row is 0. */
export function maskedSoftmax(x: Arr, keep: (row: number, j: number) => boolean, scale = 1): Arr {
  const S = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / S; r++) {
    let m = -Infinity;
    for (let j = 0; j < S; j++) if (keep(r, j)) m = Math.max(m, x.data[r * S + j] * scale);
    if (m === -Infinity) continue;
    let z = 0;
    for (let j = 0; j < S; j++) if (keep(r, j)) z += Math.exp(x.data[r * S + j] * scale - m);
    for (let j = 0; j < S; j++) if (keep(r, j)) out[r * S + j] = Math.exp(x.data[r * S + j] * scale - m) / z;
  }
  return { shape: x.shape, data: out };
}
