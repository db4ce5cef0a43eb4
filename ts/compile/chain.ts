/**
 * A traced step that is exactly "dense layers → MSE → backward → plain SGD" becomes ONE program
 * op, `dense_chain_sgd` (crates/knobs-core/src/kernels/program/chain.rs), instead of its ten-odd
 * ops: at the book's 3-4-1 streetlight net the interpreter's per-op work cost more than the
 * kernels. The op calls the same kernels with the same arguments, so the bits stay the eager
 * step's; anything else about the trace (another loss, momentum, a layer that is not dense,
 * more than MAX_LAYERS, a captured constant) and assemble() encodes the ops one by one.
 *
 * Its arena: the x and y slots, then one span laid out as `layout` says (the Rust op's
 * `Chain::layout`, mirrored): parameters, each layer's output, the loss, then scratch.
 */
import { heap } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import { keep } from '../scope.js';
import { Tensor, empty } from '../tensor.js';
import { DENSE_CHAIN_SGD, MAGIC, VERSION, f32Bits, type Args } from './kernels.js';
import { foldChecks, type Assembled, type LossStore } from './program.js';
import type { Range, Trace } from './trace.js';

export const MAX_LAYERS = 4;

interface Layer {
  k: number;
  n: number;
  act: number;
  bias: boolean;
  /** Byte offsets in the eager step: weight, bias, output; and the gradients its backward wrote. */
  w: number;
  b: number;
  out: number;
  gw: number;
  gb: number;
  gx: number;
}

/** Span offsets of each layer's weight, bias and output, the loss, and the span's length. */
function layout(m: number, layers: Layer[]): { at: { w: number; b: number; out: number }[]; loss: number; span: number } {
  let pos = 0;
  const take = (n: number) => ((pos += n), pos - n);
  const at = layers.map((l) => ({ w: take(l.k * l.n), b: take(l.bias ? l.n : 0), out: 0 }));
  layers.forEach((l, i) => (at[i].out = take(m * l.n)));
  const loss = take(1);
  take(m * layers[layers.length - 1].n);
  layers.forEach((l, i) => take(m * l.n + l.k * l.n + (l.bias ? l.n : 0) + (i > 0 ? m * l.k : 0)));
  return { at, loss, span: pos };
}

/** The chain the trace is, or null. Every pointer and flag is checked: the op may assume the dataflow. */
function match(trace: Trace, x: Range, y: Range, loss: LossStore): { m: number; layers: Layer[]; check: number; gscale: number; wd: number } | null {
  const { skip, checks } = foldChecks(trace);
  const calls: { name: string; a: Args; i: number }[] = [];
  for (let i = 0; i < trace.calls.length; i++) {
    const c = trace.calls[i];
    if (c.captures.length) return null;
    if (!skip.has(i)) calls.push({ name: c.name, a: c.args, i });
  }
  const n = (a: Args, j: number) => a[j] as number;
  const layers: Layer[] = [];
  let p = 0;
  const m = calls[0]?.name === 'dense_forward' ? n(calls[0].a, 5) : 0;
  for (; p < calls.length && calls[p].name === 'dense_forward'; p++) {
    const a = calls[p].a;
    const input = layers.length ? layers[layers.length - 1].out : x.start * 4;
    if (n(a, 0) !== input || n(a, 5) !== m || layers.length === MAX_LAYERS) return null;
    layers.push({ k: n(a, 6), n: n(a, 7), act: n(a, 8), bias: !!a[3], w: n(a, 1), b: n(a, 2), out: n(a, 4), gw: 0, gb: 0, gx: 0 });
  }
  const L = layers.length, last = layers[L - 1];
  if (L === 0 || m === 0 || layers[0].k * m !== x.len || m * last.n !== y.len) return null;
  const [ms, mb] = [calls[p], calls[p + 1]];
  const count = m * last.n;
  if (ms?.name !== 'mse' || ms.i !== loss.call || n(ms.a, 0) !== last.out || n(ms.a, 1) !== y.start * 4 || n(ms.a, 2) !== count) return null;
  if (mb?.name !== 'mse_backward' || n(mb.a, 0) !== last.out || n(mb.a, 1) !== y.start * 4 || n(mb.a, 3) !== count) return null;
  let gy = n(mb.a, 2);
  p += 2;
  for (let l = L - 1; l >= 0; l--, p++) {
    const c = calls[p], e = layers[l];
    if (c?.name !== 'dense_backward') return null;
    const a = c.a;
    const input = l > 0 ? layers[l - 1].out : x.start * 4;
    const want = [input, e.w, e.out, gy];
    if (want.some((v, j) => n(a, j) !== v) || n(a, 8) !== m || n(a, 9) !== e.k || n(a, 10) !== e.n || n(a, 11) !== e.act) return null;
    if (!!a[12] !== l > 0 || !a[13] || !!a[14] !== e.bias || a[15]) return null;
    [e.gx, e.gw, e.gb] = [n(a, 5), n(a, 6), n(a, 7)];
    gy = e.gx;
  }
  // Plain SGD over exactly the weights and biases, one update each (their order changes no bits).
  const todo = new Map<number, [number, number]>();
  for (const e of layers) {
    todo.set(e.w, [e.gw, e.k * e.n]);
    if (e.bias) todo.set(e.b, [e.gb, e.n]);
  }
  let wd: number | null = null;
  for (; p < calls.length; p++) {
    const { name, a } = calls[p];
    const want = todo.get(n(a, 0));
    if (name !== 'sgd' || !want || n(a, 1) !== want[0] || n(a, 3) !== want[1] || n(a, 5) !== 0 || (wd !== null && n(a, 6) !== wd)) return null;
    wd = n(a, 6);
    todo.delete(n(a, 0));
  }
  if (todo.size || wd === null) return null;
  return { m, layers, check: checks.get(loss.call) ?? 0, gscale: n(mb.a, 4), wd };
}

/**
 * The program of one `dense_chain_sgd` op for `trace`, or null when the trace is not such a chain
 * or the state is more than its parameters. Moves the state into the arena like assemble().
 */
export function assembleChain(op: string, trace: Trace, x: Range, y: Range, state: Tensor[], loss: LossStore, pred: Range): Assembled | null {
  const c = match(trace, x, y, loss);
  if (!c) return null;
  const { m, layers } = c;
  const params = new Map<number, number>();
  const { at, loss: lossAt, span } = layout(m, layers);
  const base = x.len + y.len;
  layers.forEach((e, l) => {
    params.set(e.w >>> 2, base + at[l].w);
    if (e.bias) params.set(e.b >>> 2, base + at[l].b);
  });
  if (state.length !== params.size || state.some((t) => params.get(t.ptr >>> 2) === undefined)) return null;
  const last = layers.length - 1;
  const places = new Map<number, [number, number]>([
    [x.start, [0, x.len]],
    [y.start, [x.len, y.len]],
    [pred.start, [base + at[last].out, pred.len]],
    [loss.start, [base + lossAt, 1]],
  ]);
  for (const t of state) places.set(t.ptr >>> 2, [params.get(t.ptr >>> 2)!, t.size]);
  const off = (start: number, len: number): number => {
    const p = places.get(start);
    if (!p || len > p[1]) throw new KnobsError(`${op}: internal error: range at ${start} (${len} floats) is not in the chain's arena`);
    return p[0];
  };
  const f64 = new Float64Array([loss.scale]), w64 = new Uint32Array(f64.buffer);
  const arenaFloats = base + span;
  const words = [MAGIC, VERSION, 1, arenaFloats, 0, 0, 0, 0, 0, x.len, x.len, y.len, DENSE_CHAIN_SGD, m, layers.length, c.check, w64[0], w64[1], f32Bits(c.gscale), f32Bits(c.wd), 0, x.len, base, span];
  for (let l = 0; l < MAX_LAYERS; l++) {
    const e = layers[l];
    words.push(...(e ? [e.k, e.n, e.act, e.bias ? 1 : 0] : [0, 0, 0, 0]));
  }
  const arena = keep(empty([arenaFloats + words.length], `${op}_arena`));
  try {
    const h = heap();
    const b = arena.ptr >>> 2;
    h.copyWithin(b, x.start, x.start + x.len);
    h.copyWithin(b + x.len, y.start, y.start + y.len);
    new Uint32Array(h.buffer).set(words, b + arenaFloats);
    for (const t of state) Tensor._rehome(t, arena, off(t.ptr >>> 2, t.size));
  } catch (e) {
    arena.dispose();
    throw e;
  }
  return { arena, arenaFloats, words: words.length, off };
}
