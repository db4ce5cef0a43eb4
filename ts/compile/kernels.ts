/**
 * The kernels a compiled step can replay: for each, its opcode in the Rust interpreter
 * (crates/knobs-core/src/kernels/program.rs, same names beside the same numbers), which of its
 * arguments are pointers into wasm memory and how many floats each reaches, and how its
 * arguments become program words. A kernel missing here makes the step fall back to eager,
 * naming the kernel: the table is the whole of what the compiler understands.
 */
export type Args = readonly unknown[];

export interface Pointer {
  /** Argument index of the byte offset. */
  at: number;
  /** Floats the kernel reaches from it (0: not touched, e.g. an absent bias). */
  len: (a: Args) => number;
  /** 'r' read only, 'w' written before read, 'rw' read then written. */
  access: 'r' | 'w' | 'rw';
  /** For 'rw': whether this call reads it at all (dense_backward adds into gw/gb only with accumulate). */
  readIf?: (a: Args) => boolean;
}

export interface KernelSpec {
  code: number;
  ptrs: Pointer[];
  /** Argument indices the optimizer recomputes every step (lr, bias corrections): not part of the trace's identity. */
  dynamic?: number[];
  /** The program words after the opcode; `off(i)` is argument i's pointer as an arena offset (0 when it reaches nothing). */
  encode: (a: Args, off: (i: number) => number) => number[];
  /** The kernel returns a value the op uses in JS: 'loss' (the f64 total of a loss) or 'check' (a NaN/Inf count that must be 0). */
  returns?: 'loss' | 'check';
  /** For a loss: the encoded word (index after the opcode) whose bits 0/1 fold the eager `count_nonfinite` checks of its arguments 0/1 into it. */
  checkAt?: number;
}

const n = (a: Args, i: number): number => a[i] as number;
const flag = (a: Args, i: number): number => (a[i] ? 1 : 0);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The bits of x rounded to f32, exactly as wasm-bindgen rounds a number passed to an f32 parameter. */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}
const fb = (a: Args, i: number): number => f32Bits(a[i] as number);

const unary = (code: number): KernelSpec => ({
  code,
  ptrs: [{ at: 0, len: (a) => n(a, 2), access: 'r' }, { at: 1, len: (a) => n(a, 2), access: 'w' }],
  encode: (a, off) => [off(0), off(1), n(a, 2)],
});
const binary = (code: number): KernelSpec => ({
  code,
  ptrs: [{ at: 0, len: (a) => n(a, 3), access: 'r' }, { at: 1, len: (a) => n(a, 3), access: 'r' }, { at: 2, len: (a) => n(a, 3), access: 'w' }],
  encode: (a, off) => [off(0), off(1), off(2), n(a, 3)],
});

/** The loss kernels' optional store of total × scale (f64) into the loss tensor; filled in by the compiler. */
export const NONE = 0xffffffff;

export const KERNELS: Record<string, KernelSpec> = {
  dense_forward: {
    code: 1,
    ptrs: [
      { at: 0, len: (a) => n(a, 5) * n(a, 6), access: 'r' },
      { at: 1, len: (a) => n(a, 6) * n(a, 7), access: 'r' },
      { at: 2, len: (a) => (a[3] ? n(a, 7) : 0), access: 'r' },
      { at: 4, len: (a) => n(a, 5) * n(a, 7), access: 'w' },
    ],
    encode: (a, off) => [off(0), off(1), off(2), flag(a, 3), off(4), n(a, 5), n(a, 6), n(a, 7), n(a, 8)],
  },
  dense_backward: {
    code: 2,
    ptrs: [
      { at: 0, len: (a) => n(a, 8) * n(a, 9), access: 'r' },
      { at: 1, len: (a) => n(a, 9) * n(a, 10), access: 'r' },
      { at: 2, len: (a) => n(a, 8) * n(a, 10), access: 'r' },
      { at: 3, len: (a) => n(a, 8) * n(a, 10), access: 'r' },
      { at: 4, len: (a) => n(a, 8) * n(a, 10), access: 'w' },
      { at: 5, len: (a) => (a[12] ? n(a, 8) * n(a, 9) : 0), access: 'w' },
      // With accumulate the weight and bias gradients are read (added to) as well.
      { at: 6, len: (a) => (a[13] ? n(a, 9) * n(a, 10) : 0), access: 'rw', readIf: (a) => !!a[15] },
      { at: 7, len: (a) => (a[14] ? n(a, 10) : 0), access: 'rw', readIf: (a) => !!a[15] },
    ],
    encode: (a, off) => [off(0), off(1), off(2), off(3), off(4), off(5), off(6), off(7), n(a, 8), n(a, 9), n(a, 10), n(a, 11), flag(a, 12), flag(a, 13), flag(a, 14), flag(a, 15)],
  },
  relu: unary(3),
  relu_backward: binary(4),
  sigmoid: unary(5),
  sigmoid_backward: binary(6),
  tanh: unary(7),
  tanh_backward: binary(8),
  mse: {
    code: 9,
    ptrs: [{ at: 0, len: (a) => n(a, 2), access: 'r' }, { at: 1, len: (a) => n(a, 2), access: 'r' }],
    encode: (a, off) => [off(0), off(1), n(a, 2), 0, NONE, 0, 0],
    returns: 'loss',
    checkAt: 3,
  },
  mse_backward: {
    code: 10,
    ptrs: [{ at: 0, len: (a) => n(a, 3), access: 'r' }, { at: 1, len: (a) => n(a, 3), access: 'r' }, { at: 2, len: (a) => n(a, 3), access: 'w' }],
    encode: (a, off) => [off(0), off(1), off(2), n(a, 3), fb(a, 4)],
  },
  softmax_cross_entropy: {
    code: 11,
    ptrs: [
      { at: 0, len: (a) => n(a, 3) * n(a, 4), access: 'r' },
      { at: 1, len: (a) => n(a, 3) * n(a, 4), access: 'r' },
      { at: 2, len: (a) => n(a, 3) * n(a, 4), access: 'w' },
    ],
    encode: (a, off) => [off(0), off(1), off(2), n(a, 3), n(a, 4), 0, NONE, 0, 0],
    returns: 'loss',
    checkAt: 5,
  },
  softmax_cross_entropy_backward: {
    code: 12,
    ptrs: [{ at: 0, len: (a) => n(a, 3), access: 'r' }, { at: 1, len: (a) => n(a, 3), access: 'r' }, { at: 2, len: (a) => n(a, 3), access: 'w' }],
    encode: (a, off) => [off(0), off(1), off(2), n(a, 3), fb(a, 4)],
  },
  sgd: {
    code: 13,
    ptrs: [
      { at: 0, len: (a) => n(a, 3), access: 'rw' },
      { at: 1, len: (a) => n(a, 3), access: 'r' },
      { at: 2, len: (a) => (n(a, 5) !== 0 ? n(a, 3) : 0), access: 'rw' },
    ],
    dynamic: [4],
    encode: (a, off) => [off(0), off(1), off(2), n(a, 3), fb(a, 5), fb(a, 6), flag(a, 7)],
  },
  adam: {
    code: 14,
    ptrs: [
      { at: 0, len: (a) => n(a, 4), access: 'rw' },
      { at: 1, len: (a) => n(a, 4), access: 'r' },
      { at: 2, len: (a) => n(a, 4), access: 'rw' },
      { at: 3, len: (a) => n(a, 4), access: 'rw' },
    ],
    dynamic: [5, 11, 12],
    encode: (a, off) => [off(0), off(1), off(2), off(3), n(a, 4), fb(a, 6), fb(a, 7), fb(a, 8), fb(a, 9), flag(a, 10)],
  },
  rmsprop: {
    code: 15,
    ptrs: [{ at: 0, len: (a) => n(a, 3), access: 'rw' }, { at: 1, len: (a) => n(a, 3), access: 'r' }, { at: 2, len: (a) => n(a, 3), access: 'rw' }],
    dynamic: [4],
    encode: (a, off) => [off(0), off(1), off(2), n(a, 3), fb(a, 5), fb(a, 6), fb(a, 7)],
  },
  adagrad: {
    code: 16,
    ptrs: [{ at: 0, len: (a) => n(a, 3), access: 'rw' }, { at: 1, len: (a) => n(a, 3), access: 'r' }, { at: 2, len: (a) => n(a, 3), access: 'rw' }],
    dynamic: [4],
    encode: (a, off) => [off(0), off(1), off(2), n(a, 3), fb(a, 5), fb(a, 6)],
  },
  axpy: {
    code: 17,
    ptrs: [{ at: 1, len: (a) => n(a, 3), access: 'r' }, { at: 2, len: (a) => n(a, 3), access: 'rw' }],
    encode: (a, off) => [fb(a, 0), off(1), off(2), n(a, 3)],
  },
  scale_inplace: {
    code: 18,
    ptrs: [{ at: 0, len: (a) => n(a, 3), access: 'rw' }],
    encode: (a, off) => [off(0), fb(a, 1), fb(a, 2), n(a, 3)],
  },
  add: binary(19),
  sub: binary(20),
  mul: binary(21),
  count_nonfinite: {
    code: 22,
    ptrs: [{ at: 0, len: (a) => n(a, 1), access: 'r' }],
    encode: (a, off) => [off(0), n(a, 1), 0],
    returns: 'check',
  },
};

/** The interpreter's COPY op: loads a captured constant (a value JS wrote between kernels) into place. */
export const COPY = 0;
/** The interpreter's fused step of a dense chain with MSE and plain SGD (chain.ts): emitted for a whole trace, never traced. */
export const DENSE_CHAIN_SGD = 23;

/** Kernels that read no tensor memory of the step (allocation, lookups of codes, thread settings): run, not recorded. */
export const PASS_THROUGH = new Set(['alloc_f32', 'free_f32', 'dense_activation_code', 'thread_count', 'thread_pool_size', 'thread_limit']);

/** Header layout (program.rs). */
export const HEADER = 12;
export const MAGIC = 0x4b4e5047;
export const VERSION = 3;
/** The input slots' words: x offset, x length, y offset, y length (offset NONE: no slot). */
export const H_SLOTS = 8;
export const H_LR = 4;
export const H_BC1 = 5;
export const H_BC2 = 6;

const FAULTS = ['', 'bad header', 'arena size mismatch', 'unknown opcode', 'truncated op', 'range outside the arena', 'output overlaps another range', 'bad attribute', 'trailing words', 'NaN or Infinity', 'an input overlaps the arena or has not its slot\'s length'];
/** A fault code of program_run as words: kind and op index. */
export function describeFault(code: number): { kind: number; at: number; text: string } {
  const kind = code & 15, at = code >>> 4;
  return { kind, at, text: `${FAULTS[kind] ?? `fault ${kind}`} at op ${at}` };
}
export const FAULT_NONFINITE = 9;
