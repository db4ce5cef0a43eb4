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

export function matmul(a: Arr, b: Arr): Arr {
  const [m, k] = a.shape.length === 2 ? a.shape : [1, a.shape[0]];
  const n = b.shape.length === 2 ? b.shape[1] : 1;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * n + j];
    out[i * n + j] = s;
  }
  const shape = [...(a.shape.length === 2 ? [m] : []), ...(b.shape.length === 2 ? [n] : [])];
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
