/**
 * Float64 reference implementations for gradient and forward checks: plain loops, no cleverness,
 * so that a disagreement points at the library, not at the reference.
 */
export interface Arr {
  shape: number[];
  data: Float64Array;
}

export const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

export function arr(shape: number[], data: ArrayLike<number>): Arr {
  return { shape, data: Float64Array.from(data) };
}

function bshape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    return da === 1 ? db : da;
  });
}

function index(flat: number, shape: number[], src: number[]): number {
  // Maps a flat index of `shape` to the flat index of a broadcast source of shape `src`.
  let off = 0, mul = 1;
  const r = shape.length;
  for (let i = r - 1; i >= 0; i--) {
    const coord = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
    const j = src.length - r + i;
    if (j >= 0) {
      off += (src[j] === 1 ? 0 : coord) * mul;
      mul *= src[j];
    }
  }
  return off;
}

export function binary(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  const shape = bshape(a.shape, b.shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[index(i, shape, a.shape)], b.data[index(i, shape, b.shape)]);
  return { shape, data: out };
}

export function map(a: Arr, f: (x: number) => number): Arr {
  return { shape: a.shape, data: a.data.map(f) };
}

/** PyTorch's matmul: 1-D operands as a row/column whose dimension is dropped, batch dims broadcast. */
export function matmul(a: Arr, b: Arr): Arr {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [m, k] = as.slice(-2), n = bs[bs.length - 1];
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2), batch = bshape(aBatch, bBatch);
  const out = new Float64Array(size(batch) * m * n);
  for (let t = 0; t < size(batch); t++) {
    const oa = index(t, batch, aBatch) * m * k, ob = index(t, batch, bBatch) * k * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[oa + i * k + p] * b.data[ob + p * n + j];
      out[(t * m + i) * n + j] = s;
    }
  }
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
  return { shape, data: out };
}

export function transpose(a: Arr): Arr {
  const [r, c] = a.shape;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a.data[i * c + j];
  return { shape: [c, r], data: out };
}

export function sumAxis(a: Arr, axis?: number, keepDims = false): Arr {
  if (axis === undefined) return { shape: keepDims ? a.shape.map(() => 1) : [], data: Float64Array.of(a.data.reduce((s, v) => s + v, 0)) };
  const ax = axis < 0 ? axis + a.shape.length : axis;
  const outer = size(a.shape.slice(0, ax)), n = a.shape[ax], inner = size(a.shape.slice(ax + 1));
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < n; i++) for (let q = 0; q < inner; q++) out[o * inner + q] += a.data[(o * n + i) * inner + q];
  const shape = keepDims ? a.shape.map((d, i) => (i === ax ? 1 : d)) : a.shape.filter((_, i) => i !== ax);
  return { shape, data: out };
}

export function rows(a: Arr, f: (row: Float64Array) => Float64Array): Arr {
  const c = a.shape[a.shape.length - 1];
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.data.length; i += c) out.set(f(a.data.subarray(i, i + c)), i);
  return { shape: a.shape, data: out };
}

export function softmaxRow(r: Float64Array): Float64Array {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function logSoftmaxRow(r: Float64Array): Float64Array {
  const m = Math.max(...r);
  const lse = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
  return r.map((v) => v - lse);
}

/** Central differences of Σ w·f(inputs) with respect to every element of input `which`. */
export function numericGrad(f: (xs: Arr[]) => Arr, xs: Arr[], which: number, w: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(xs[which].data.length);
  const dotw = (y: Arr) => y.data.reduce((s, v, i) => s + v * w[i], 0);
  for (let i = 0; i < g.length; i++) {
    const orig = xs[which].data[i];
    xs[which].data[i] = orig + h;
    const up = dotw(f(xs));
    xs[which].data[i] = orig - h;
    const down = dotw(f(xs));
    xs[which].data[i] = orig;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** Direct 2-D convolution (NCHW, cross-correlation, PyTorch's definition) with padding, stride, dilation and groups. */
export function conv2d(x: Arr, w: Arr, b: Arr | null, o: { stride?: number[]; padding?: number[]; dilation?: number[]; groups?: number } = {}): Arr {
  const [n, c, h, wd] = x.shape;
  const [oc, cg, kh, kw] = w.shape;
  const [sh, sw] = o.stride ?? [1, 1], [ph, pw] = o.padding ?? [0, 0], [dh, dw] = o.dilation ?? [1, 1];
  const groups = o.groups ?? 1, og = oc / groups;
  const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, wo = Math.floor((wd + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const out = new Float64Array(n * oc * ho * wo);
  for (let ni = 0; ni < n; ni++)
    for (let oi = 0; oi < oc; oi++)
      for (let y = 0; y < ho; y++)
        for (let xx = 0; xx < wo; xx++) {
          let s = b ? b.data[oi] : 0;
          const g = Math.floor(oi / og);
          for (let ci = 0; ci < cg; ci++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const iy = y * sh - ph + i * dh, ix = xx * sw - pw + j * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += x.data[((ni * c + g * cg + ci) * h + iy) * wd + ix] * w.data[((oi * cg + ci) * kh + i) * kw + j];
              }
          out[((ni * oc + oi) * ho + y) * wo + xx] = s;
        }
  return { shape: [n, oc, ho, wo], data: out };
}

/** Max or mean over kh×kw windows of NCHW (padding cells never win a max; they count in the mean's divisor). */
export function pool2d(x: Arr, kind: 'max' | 'avg', k: number[], s = k, p = [0, 0]): Arr {
  const [n, c, h, w] = x.shape;
  const ho = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1, wo = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  const out = new Float64Array(n * c * ho * wo);
  for (let pl = 0; pl < n * c; pl++)
    for (let y = 0; y < ho; y++)
      for (let xx = 0; xx < wo; xx++) {
        let m = -Infinity, sum = 0;
        for (let i = 0; i < k[0]; i++)
          for (let j = 0; j < k[1]; j++) {
            const iy = y * s[0] - p[0] + i, ix = xx * s[1] - p[1] + j;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const v = x.data[pl * h * w + iy * w + ix];
            m = Math.max(m, v);
            sum += v;
          }
        out[pl * ho * wo + y * wo + xx] = kind === 'max' ? m : sum / (k[0] * k[1]);
      }
  return { shape: [n, c, ho, wo], data: out };
}

// ---- indexing and axis reductions: coordinate loops ----

function unravel(flat: number, shape: number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    c[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return c;
}
function ravel(c: number[], shape: number[]): number {
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i] + c[i];
  return f;
}
const normAx = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

export function indexSelect(a: Arr, axis: number, idx: number[]): Arr {
  const ax = normAx(axis, a.shape.length);
  const shape = a.shape.map((d, i) => (i === ax ? idx.length : d));
  const out = new Float64Array(size(shape));
  for (let f = 0; f < out.length; f++) {
    const c = unravel(f, shape);
    c[ax] = idx[c[ax]];
    out[f] = a.data[ravel(c, a.shape)];
  }
  return { shape, data: out };
}

export function indexAdd(a: Arr, axis: number, idx: number[], src: Arr): Arr {
  const ax = normAx(axis, a.shape.length);
  const out = Float64Array.from(a.data);
  for (let f = 0; f < src.data.length; f++) {
    const c = unravel(f, src.shape);
    c[ax] = idx[c[ax]];
    out[ravel(c, a.shape)] += src.data[f];
  }
  return { shape: a.shape, data: out };
}

export function gather(a: Arr, axis: number, idx: Arr): Arr {
  const ax = normAx(axis, a.shape.length);
  const out = new Float64Array(idx.data.length);
  for (let f = 0; f < out.length; f++) {
    const c = unravel(f, idx.shape);
    c[ax] = idx.data[f];
    out[f] = a.data[ravel(c, a.shape)];
  }
  return { shape: idx.shape, data: out };
}

export function scatterAdd(a: Arr, axis: number, idx: Arr, src: Arr): Arr {
  const ax = normAx(axis, a.shape.length);
  const out = Float64Array.from(a.data);
  for (let f = 0; f < idx.data.length; f++) {
    const c = unravel(f, idx.shape);
    c[ax] = idx.data[f];
    out[ravel(c, a.shape)] += src.data[f];
  }
  return { shape: a.shape, data: out };
}

export function where(cond: Arr, a: Arr, b: Arr): Arr {
  const ab = binary(a, b, () => 0);
  const shape = bshape(cond.shape, ab.shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    out[i] = cond.data[index(i, shape, cond.shape)] !== 0 ? a.data[index(i, shape, a.shape)] : b.data[index(i, shape, b.shape)];
  }
  return { shape, data: out };
}

/** f over the values along `axis` (all elements when undefined) of every slice. */
export function reduceAxis(a: Arr, axis: number | undefined, keepDims: boolean, f: (vals: number[]) => number): Arr {
  if (axis === undefined) return { shape: keepDims ? a.shape.map(() => 1) : [], data: Float64Array.of(f([...a.data])) };
  const ax = normAx(axis, a.shape.length);
  const keep = a.shape.map((d, i) => (i === ax ? 1 : d));
  const out = new Float64Array(size(keep));
  for (let o = 0; o < out.length; o++) {
    const c = unravel(o, keep);
    const vals: number[] = [];
    for (let j = 0; j < a.shape[ax]; j++) {
      c[ax] = j;
      vals.push(a.data[ravel(c, a.shape)]);
    }
    out[o] = f(vals);
  }
  return { shape: keepDims ? keep : a.shape.filter((_, i) => i !== ax), data: out };
}

export const logsumexpOf = (vals: number[]): number => Math.log(vals.reduce((s, v) => s + Math.exp(v), 0));

// ---- layout ops: every output element found by decoding coordinates, one at a time ----

function coordsOf(flat: number, shape: number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    c[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return c;
}

function flatOf(c: number[], shape: number[]): number {
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i] + c[i];
  return f;
}

export function permute(a: Arr, dims: number[]): Arr {
  const r = a.shape.length;
  const p = dims.map((d) => (d < 0 ? d + r : d));
  const shape = p.map((d) => a.shape[d]);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const c = coordsOf(i, shape);
    const src = new Array<number>(r);
    p.forEach((d, j) => (src[d] = c[j]));
    out[i] = a.data[flatOf(src, a.shape)];
  }
  return { shape, data: out };
}

/** The elements at `indices` along `axis`, in that order. */
export function take(a: Arr, axis: number, indices: number[]): Arr {
  const ax = axis < 0 ? axis + a.shape.length : axis;
  const shape = a.shape.map((d, i) => (i === ax ? indices.length : d));
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const c = coordsOf(i, shape);
    c[ax] = indices[c[ax]];
    out[i] = a.data[flatOf(c, a.shape)];
  }
  return { shape, data: out };
}

/** Python's range(*slice(start, end, step).indices(n)) for step ≥ 1. */
export function pySlice(n: number, start: number | undefined, end: number | undefined, step = 1): number[] {
  const fix = (v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (v < 0) return Math.max(v + n, 0);
    return Math.min(v, n);
  };
  const out: number[] = [];
  for (let i = fix(start, 0); i < fix(end, n); i += step) out.push(i);
  return out;
}

export function cat(xs: Arr[], axis: number): Arr {
  const r = xs[0].shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const shape = [...xs[0].shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const c = coordsOf(i, shape);
    let k = 0;
    while (c[ax] >= xs[k].shape[ax]) c[ax] -= xs[k++].shape[ax];
    out[i] = xs[k].data[flatOf(c, xs[k].shape)];
  }
  return { shape, data: out };
}

export function stack(xs: Arr[], axis: number): Arr {
  const r = xs[0].shape.length + 1;
  const ax = axis < 0 ? axis + r : axis;
  const withOne = xs.map((x) => ({ shape: [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)], data: x.data }));
  return cat(withOne, ax);
}

/** PyTorch's adaptive average pooling: output (i, j) averages rows [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉) × the same for columns. */
export function adaptiveAvgPool2d(x: Arr, oh: number, ow: number): Arr {
  const [n, c, h, w] = x.shape;
  const out = new Float64Array(n * c * oh * ow);
  for (let pl = 0; pl < n * c; pl++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const y0 = Math.floor((i * h) / oh), y1 = Math.ceil(((i + 1) * h) / oh);
        const x0 = Math.floor((j * w) / ow), x1 = Math.ceil(((j + 1) * w) / ow);
        let s = 0;
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) s += x.data[pl * h * w + y * w + xx];
        out[pl * oh * ow + i * ow + j] = s / ((y1 - y0) * (x1 - x0));
      }
  return { shape: [n, c, oh, ow], data: out };
}

/** Batch normalisation with the batch's statistics (biased variance), per channel (axis 1) of [N, C, ...]. */
export function batchNorm(x: Arr, w: Arr | null, b: Arr | null, eps = 1e-5): Arr {
  const [n, c] = x.shape;
  const inner = size(x.shape.slice(2));
  const out = new Float64Array(x.data.length);
  for (let ci = 0; ci < c; ci++) {
    const at = (ni: number, k: number) => (ni * c + ci) * inner + k;
    let s = 0;
    for (let ni = 0; ni < n; ni++) for (let k = 0; k < inner; k++) s += x.data[at(ni, k)];
    const mu = s / (n * inner);
    let v = 0;
    for (let ni = 0; ni < n; ni++) for (let k = 0; k < inner; k++) v += (x.data[at(ni, k)] - mu) ** 2;
    const inv = 1 / Math.sqrt(v / (n * inner) + eps);
    for (let ni = 0; ni < n; ni++)
      for (let k = 0; k < inner; k++) out[at(ni, k)] = (x.data[at(ni, k)] - mu) * inv * (w ? w.data[ci] : 1) + (b ? b.data[ci] : 0);
  }
  return { shape: [...x.shape], data: out };
}

/**
 * One step of PyTorch's recurrent cells (torch.nn.RNNCell/LSTMCell/GRUCell documentation):
 * weights [G·H, in] and [G·H, H], gates i,f,g,o (LSTM) and r,z,n (GRU, reset applied to W_hn·h + b_hn).
 */
export function rnnCell(kind: 'tanh' | 'relu' | 'lstm' | 'gru', x: Arr, h: Arr, c: Arr | null, wih: Arr, whh: Arr, bih: Arr, bhh: Arr): { h: Arr; c: Arr | null } {
  const [B, H] = h.shape, G = wih.shape[0] / H;
  const gi = binary(matmul(x, transpose(wih)), bih, (u, v) => u + v);
  const gh = binary(matmul(h, transpose(whh)), bhh, (u, v) => u + v);
  const at = (a: Arr, b: number, gate: number, j: number) => a.data[b * G * H + gate * H + j];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const hOut = new Float64Array(B * H), cOut = new Float64Array(B * H);
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
    const s = (g: number) => at(gi, b, g, j) + at(gh, b, g, j);
    const hp = h.data[b * H + j];
    if (kind === 'tanh') hOut[b * H + j] = Math.tanh(s(0));
    else if (kind === 'relu') hOut[b * H + j] = Math.max(s(0), 0);
    else if (kind === 'lstm') {
      const cc = sig(s(1)) * c!.data[b * H + j] + sig(s(0)) * Math.tanh(s(2));
      cOut[b * H + j] = cc;
      hOut[b * H + j] = sig(s(3)) * Math.tanh(cc);
    } else {
      const r = sig(s(0)), z = sig(s(1));
      const n = Math.tanh(at(gi, b, 2, j) + r * at(gh, b, 2, j));
      hOut[b * H + j] = (1 - z) * n + z * hp;
    }
  }
  return { h: { shape: [B, H], data: hOut }, c: kind === 'lstm' ? { shape: [B, H], data: cOut } : null };
}
