/**
 * Recording one eager step: every kernel call goes through a proxy of the kernel table, which
 * notes the call (name, arguments, return value) and which floats it read and wrote. Values that
 * JS wrote between kernels (a constant filled in by an op, e.g. a one-hot target) are found by
 * comparing what a kernel is about to read with what kernels last wrote there (a shadow of
 * written floats): those values are captured, to be loaded by the program at the same point.
 */
import { _swapKernels, heap, type Kernels } from '../backend/wasm.js';
import { KERNELS, PASS_THROUGH, type Args } from './kernels.js';

/** A float range [start, start + len) of wasm memory, in float indices. */
export interface Range {
  start: number;
  len: number;
}

export interface Capture {
  start: number;
  bits: Uint32Array;
}

export interface Call {
  name: string;
  args: Args;
  ret: unknown;
  /** Values JS wrote into what this call reads, since the last kernel wrote there. */
  captures: Capture[];
}

export interface Trace {
  calls: Call[];
  /** Why this step cannot be compiled, found while tracing (the step still ran eagerly): an unknown kernel, a step too large. */
  unsupported: string | null;
}

/**
 * Floats a traced step may write before tracing gives up. A step that large spends its time in
 * the kernels, not in per-op overhead, and the shadow of written floats would cost memory.
 */
export const MAX_TRACED_FLOATS = 1_000_000;

/** Reads of these ranges are the step's state or inputs, never captured constants. */
export type Exempt = (start: number, len: number) => boolean;

let tracing: { real: Kernels; proxy: Kernels } | null = null;

/** Runs fn outside the trace in progress, if any (e.g. a metric computed on the step's output). */
export function untraced<T>(fn: () => T): T {
  const t = tracing;
  if (!t) return fn();
  _swapKernels(t.real);
  try {
    return fn();
  } finally {
    _swapKernels(t.proxy);
  }
}

/** Runs fn with every kernel call recorded. The step itself runs exactly as it would eagerly. */
export function traceKernels<T>(exempt: Exempt, fn: () => T): { result: T; trace: Trace } {
  const calls: Call[] = [];
  let unsupported: string | null = null;
  const shadow = new Map<number, number>();
  const real = _swapKernels(null as unknown as Kernels);
  _swapKernels(real);
  const wrapped = new Map<string, unknown>();
  // The target is an empty object inheriting from the table, not the table: a bundled wasm-bindgen
  // module namespace is frozen, and a proxy may not return a wrapper for a frozen own property.
  const proxy = new Proxy(Object.create(real) as Kernels, {
    get(_target, key) {
      const f = (real as unknown as Record<string | symbol, unknown>)[key];
      if (typeof key !== 'string' || typeof f !== 'function' || PASS_THROUGH.has(key)) return f;
      let w = wrapped.get(key);
      if (!w) {
        w = (...args: unknown[]) => {
          const spec = KERNELS[key];
          if (!spec || unsupported) {
            unsupported ??= `the kernel ${key} has no compiled form (an op outside the supported set: dense/linear, relu, sigmoid, tanh, add/sub/mul, MSELoss, CrossEntropyLoss; SGD, Adam, AdamW, RMSprop, Adagrad)`;
            return (f as (...a: unknown[]) => unknown)(...args);
          }
          if (shadow.size > MAX_TRACED_FLOATS) {
            unsupported = `the step writes more than ${MAX_TRACED_FLOATS} floats: its time is in the kernels, where compiling gains nothing`;
            shadow.clear();
            return (f as (...a: unknown[]) => unknown)(...args);
          }
          const captures: Capture[] = [];
          const u = new Uint32Array(heap().buffer);
          for (const p of spec.ptrs) {
            const len = p.len(args);
            if (len === 0 || p.access === 'w' || (p.readIf && !p.readIf(args))) continue;
            const start = (args[p.at] as number) >>> 2;
            if (exempt(start, len)) continue;
            // Runs of floats whose value no kernel of this step wrote: JS put them there.
            let run = -1;
            for (let i = start; i <= start + len; i++) {
              const differs = i < start + len && shadow.get(i) !== u[i];
              if (differs && run < 0) run = i;
              else if (!differs && run >= 0) {
                captures.push({ start: run, bits: u.slice(run, i) });
                run = -1;
              }
            }
          }
          const ret = (f as (...a: unknown[]) => unknown)(...args);
          const after = new Uint32Array(heap().buffer);
          for (const p of spec.ptrs) {
            const len = p.len(args);
            if (len === 0 || p.access === 'r') continue;
            const start = (args[p.at] as number) >>> 2;
            for (let i = start; i < start + len; i++) shadow.set(i, after[i]);
          }
          calls.push({ name: key, args: [...args], ret, captures });
          return ret;
        };
        wrapped.set(key, w);
      }
      return w;
    },
  });
  _swapKernels(proxy);
  tracing = { real, proxy };
  try {
    return { result: fn(), trace: { calls, unsupported } };
  } finally {
    tracing = null;
    _swapKernels(real);
  }
}

/** Every float range the calls reach (pointer arguments with a non-zero length). */
export function rangesOf(trace: Trace): Range[] {
  const out: Range[] = [];
  for (const c of trace.calls) {
    for (const p of KERNELS[c.name].ptrs) {
      const len = p.len(c.args);
      if (len > 0) out.push({ start: (c.args[p.at] as number) >>> 2, len });
    }
  }
  return out;
}

/**
 * Why two traces of the same step differ in what they compute, or null. Pointers may differ
 * (allocation order), and the optimizer's per-step scalars; kernel sequence, sizes and attributes,
 * and captured constants outside the step's state must not: a difference means the step depends
 * on data in a way a replay would freeze (a random seed, a value computed in JS).
 */
export function traceDifference(a: Trace, b: Trace, state: Exempt): string | null {
  if (a.calls.length !== b.calls.length) return `the step made ${a.calls.length} kernel calls the first time and ${b.calls.length} the second`;
  for (let i = 0; i < a.calls.length; i++) {
    const x = a.calls[i], y = b.calls[i];
    if (x.name !== y.name) return `kernel call ${i} was ${x.name} the first time and ${y.name} the second`;
    const spec = KERNELS[x.name];
    const ptrAt = new Set(spec.ptrs.map((p) => p.at));
    for (let j = 0; j < x.args.length; j++) {
      if (ptrAt.has(j) || spec.dynamic?.includes(j)) continue;
      if (!Object.is(x.args[j], y.args[j])) return `argument ${j} of ${x.name} (call ${i}) changed between steps (${String(x.args[j])} → ${String(y.args[j])}): the step computes it in JS from data`;
    }
    const cx = x.captures.filter((c) => !state(c.start, c.bits.length));
    const cy = y.captures.filter((c) => !state(c.start, c.bits.length));
    const same = cx.length === cy.length && cx.every((c, k) => c.bits.length === cy[k].bits.length && c.bits.every((v, m) => v === cy[k].bits[m]));
    if (!same) return `values written from JS before ${x.name} (call ${i}) changed between steps: the step computes them in JS from data`;
  }
  return null;
}
