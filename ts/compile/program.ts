/**
 * From a trace to a program and its arena (shared by compileStep and the compiled forward of
 * predict): every float range the trace reached keeps its relative place — ranges that overlapped
 * in the eager run (a buffer freed and reused) overlap in the arena too — so each replayed kernel
 * sees the bytes the eager kernel saw. The program's words follow the arena in the same block.
 */
import { heap } from '../backend/wasm.js';
import { KnobsError, ShapeError } from '../errors.js';
import { keep } from '../scope.js';
import { Tensor, MAX_ELEMENTS, empty } from '../tensor.js';
import { COPY, H_SLOTS, KERNELS, MAGIC, NONE, VERSION } from './kernels.js';
import { rangesOf, type Range, type Trace } from './trace.js';
import { densePath } from './tune.js';

/** h[dst..dst+n] = h[src..src+n]: a loop for a tiny net's few floats, where copyWithin's call costs more than the copy. */
function copyInto(h: Float32Array, dst: number, src: number, n: number): void {
  if (n > 32) h.copyWithin(dst, src, src + n);
  else for (let i = 0; i < n; i++) h[dst + i] = h[src + i];
}
/**
 * What program_run takes for an input of `n` floats at float index `src` whose slot is at `slot`:
 * 0 when it is in the slot (inputs()), else its byte offset — the program reads it in place — or,
 * for an input inside the arena block elsewhere (an output of the program fed back), 0 after
 * copying it into the slot.
 */
export function inputArg(h: Float32Array, src: number, slot: number, n: number, block: number, blockEnd: number): number {
  if (src === slot || n === 0) return 0;
  if (src + n <= block || src >= blockEnd) return src * 4;
  copyInto(h, slot, src, n);
  return 0;
}
interface Region {
  start: number;
  end: number;
  off: number;
}

function layoutOf(ranges: Range[]): { regions: Region[]; size: number } {
  const sorted = ranges.filter((r) => r.len > 0).sort((a, b) => a.start - b.start);
  const regions: Region[] = [];
  for (const r of sorted) {
    const last = regions[regions.length - 1];
    if (last && r.start < last.end) last.end = Math.max(last.end, r.start + r.len);
    else regions.push({ start: r.start, end: r.start + r.len, off: 0 });
  }
  let off = 0;
  for (const g of regions) {
    g.off = off;
    // 16-byte aligned, as the allocator's blocks were.
    off += Math.ceil((g.end - g.start) / 4) * 4;
  }
  return { regions, size: off };
}

/**
 * The eager losses scan their prediction and target for NaN/Inf (`count_nonfinite`) right before
 * the loss kernel; those scans become bits of the loss op (`checkAt`), the same scans without an
 * op of their own. Only a check of exactly one of the loss's arguments, among the checks directly
 * before it, is folded: any other check stays an op.
 */
export function foldChecks(trace: Trace): { skip: Set<number>; checks: Map<number, number> } {
  const skip = new Set<number>(), checks = new Map<number, number>();
  trace.calls.forEach((c, i) => {
    const spec = KERNELS[c.name];
    if (spec.checkAt === undefined) return;
    let bits = 0;
    for (let j = i - 1; j >= 0 && trace.calls[j].name === 'count_nonfinite'; j--) {
      const k = trace.calls[j];
      if (k.captures.length > 0 || c.captures.length > 0) break;
      const arg = [0, 1].find((at) => k.args[0] === c.args[at] && k.args[1] === spec.ptrs.find((p) => p.at === at)!.len(c.args));
      if (arg === undefined) break;
      bits |= 1 << arg;
      skip.add(j);
    }
    if (bits) checks.set(i, bits);
  });
  return { skip, checks };
}

export interface Assembled {
  /** One block: the arena (`arenaFloats`), then the program (`words` u32). */
  arena: Tensor;
  arenaFloats: number;
  words: number;
  /** Arena offset of a float range the trace (or `extra`) reached. */
  off: (start: number, len: number) => number;
}

/** Where a loss kernel's f64 total × scale is stored as the loss tensor's value. */
export interface LossStore {
  call: number;
  scale: number;
  start: number;
}

/**
 * Lays out `trace` (plus `extra` ranges: inputs, outputs, state), encodes its calls, allocates the
 * block and moves `state` (parameters, buffers, optimizer state) into it. `inputs` (x, and y if
 * any) become the program's input slots: program_run may read them from where the caller has them.
 */
export function assemble(op: string, trace: Trace, extra: Range[], state: Tensor[], loss: LossStore | null, inputs: Range[]): Assembled {
  const { regions, size: regionFloats } = layoutOf([...rangesOf(trace), ...extra]);
  const off = (start: number, len: number): number => {
    for (const g of regions) if (start >= g.start && start + len <= g.end) return g.off + (start - g.start);
    throw new KnobsError(`${op}: internal error: range at ${start} (${len} floats) is not in the layout`);
  };
  const words: number[] = [MAGIC, VERSION, 0, 0, 0, 0, 0, 0, NONE, 0, NONE, 0];
  inputs.forEach((r, s) => r.len > 0 && words.splice(H_SLOTS + 2 * s, 2, off(r.start, r.len), r.len));
  const consts: { off: number; bits: Uint32Array }[] = [];
  let arenaFloats = regionFloats;
  let ops = 0;
  const f64 = new Float64Array(1), f64w = new Uint32Array(f64.buffer);
  const { skip, checks } = foldChecks(trace);
  // Dense ops whose gemm path is timed once the block is in place (a scratch allocation before
  // could take memory that a range of the trace is still to be copied from). Training steps only:
  // they repeat thousands of times, while predict() may compile for as few as three batches.
  const paths: { at: number; via: () => number }[] = [];
  trace.calls.forEach((c, i) => {
    if (skip.has(i)) return;
    for (const cap of c.captures) {
      consts.push({ off: arenaFloats, bits: cap.bits });
      words.push(COPY, off(cap.start, cap.bits.length), arenaFloats, cap.bits.length);
      arenaFloats += cap.bits.length;
      ops++;
    }
    const spec = KERNELS[c.name];
    const lens = new Map(spec.ptrs.map((p) => [p.at, p.len(c.args)]));
    const enc = spec.encode(c.args, (j) => {
      const len = lens.get(j) ?? 0;
      return len > 0 ? off((c.args[j] as number) >>> 2, len) : 0;
    });
    if (loss && i === loss.call) {
      // [.., dst, scale lo, scale hi] are the last three words of both loss encodings.
      f64[0] = loss.scale;
      enc.splice(enc.length - 3, 3, off(loss.start, 1), f64w[0], f64w[1]);
    }
    const bits = checks.get(i);
    if (bits !== undefined) enc[spec.checkAt!] = bits;
    if (enc.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) throw new KnobsError(`${op}: an argument of ${c.name} does not fit a u32 program word`);
    const path = op === 'compileStep' ? densePath(c.name, c.args) : null;
    if (path) paths.push({ at: words.length + 1 + path.word, via: path.via });
    words.push(spec.code, ...enc);
    ops++;
  });
  if (arenaFloats + words.length > MAX_ELEMENTS) throw new ShapeError(`${op}: the step needs ${arenaFloats + words.length} floats of arena and program, more than one block holds`);
  words[2] = ops;
  words[3] = arenaFloats;
  const arena = keep(empty([arenaFloats + words.length], `${op}_arena`));
  try {
    const h = heap();
    const base = arena.ptr >>> 2;
    for (const g of regions) h.copyWithin(base + g.off, g.start, g.end);
    const u = new Uint32Array(h.buffer);
    for (const c of consts) u.set(c.bits, base + c.off);
    u.set(words, base + arenaFloats);
    // The state moves into the arena at the place the program addresses it.
    for (const t of state) Tensor._rehome(t, arena, off(t.ptr >>> 2, t.size));
    for (const p of paths) {
      const via = p.via();
      new Uint32Array(heap().buffer)[base + arenaFloats + p.at] |= via << 8;
    }
  } catch (e) {
    arena.dispose();
    throw e;
  }
  return { arena, arenaFloats, words: words.length, off };
}
