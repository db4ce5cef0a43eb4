/**
 * The one place that talks to the wasm instance: loading it, allocating and freeing its memory,
 * and handing out fresh views. Views must be re-made after anything that can allocate, because
 * growing wasm memory detaches every ArrayBuffer view of the old buffer.
 */
import { checkOptions } from '../options.js';
import * as plainKernels from '../../wasm-pkg/knobs_core.js';
import { KnobsError } from '../errors.js';
import { importHidden, isNode } from '../runtime.js';
import { loadWasmBytes, type WasmSource } from './load-wasm.js';
import { checkGemmChoice, setGemmPacking, type GemmChoice, type GemmPacking } from './gemm-packing.js';
import { chooseBuild, wasmUrl, type SimdBuild, type SimdChoice } from './simd.js';
import type { ThreadsBuild } from './threads-build.js';
import { resolveThreads, startWorkers, type ThreadsChoice } from './threads.js';

export type Kernels = typeof plainKernels;
// The threads build's glue differs only in how it is instantiated (shared memory, per-thread
// stacks); its kernels are the same functions.
let kernels: Kernels = plainKernels;
// The table init() loaded; `kernels` differs from it while _swapKernels has a recording table in.
let loadedKernels: Kernels = plainKernels;

let memory: WebAssembly.Memory | null = null;
let heapCache: Float32Array = new Float32Array(0);
let sharedMemory = false;
let pending: Promise<void> | null = null;
let build: SimdBuild | 'custom' | null = null;
let packing: GemmPacking | null = null;

export interface InitOptions {
  /** The wasm module: bytes, a compiled module, or a URL. Default: the file shipped in the package. */
  wasm?: WasmSource;
  /**
   * Which packaged build (see backend/simd.ts): 'simd128' (default: the same bits on every
   * machine), 'relaxed' (fused multiply-add matmul, faster; an error where relaxed SIMD is
   * unsupported), or 'auto': relaxed where supported. Ignored when `wasm` is given. Workers
   * (trainInWorker, DataParallel) load the default build unless given a module.
   */
  simd?: SimdChoice;
  /**
   * Threads for large matmuls (and the layers built on them): 1 (default), a count, or 'auto'
   * (the machine's cores, at most 8). More than 1 loads the threads build (SIMD128 on shared
   * memory) and starts that many − 1 workers that take parts of each matmul; results are the
   * same bits as with 1. Needs SharedArrayBuffer: always there in Node, and in browsers on
   * cross-origin isolated pages; 'auto' falls back to 1 without it, a number is an error.
   * Not with simd: 'relaxed' or a custom `wasm`.
   */
  threads?: ThreadsChoice;
  /**
   * How matmul packs its left operand for large products (see backend/gemm-packing.ts): 'auto'
   * (default) times both ways once at init (~60 ms of CPU, mostly V8 optimizing the GEMM kernels,
   * which the first large matmul pays otherwise; ~30 ms more of waiting) and keeps the faster for
   * this CPU; 'pre' (pre-broadcast, faster on the AMD EPYC measured) or 'plain' (faster on the
   * Intel Xeon measured) skip the timing. Results are the same bits either way. The relaxed build
   * always packs plain. See gemmPacking().
   */
  gemm?: GemmChoice;
}

/** Set by `import 'knobs/threads'` (ts/threads.ts); Node loads it on demand. */
let threadsBuild: ThreadsBuild | null = null;

export function registerThreadsBuild(b: ThreadsBuild): void {
  threadsBuild = b;
}

/** True when this module runs from TypeScript sources (vitest, tsx) rather than the built .js. */
const fromSources = /\.[cm]?ts(?:[?#].*)?$/.test(import.meta.url);

async function getThreadsBuild(): Promise<ThreadsBuild> {
  if (threadsBuild) return threadsBuild;
  if (!isNode) {
    throw new KnobsError("init: threads > 1 needs the threads build, which a browser app ships only when it imports 'knobs/threads': add `import 'knobs/threads'` before init()");
  }
  // A name bundlers do not follow, so browser builds never ship the threads build unasked.
  const file = fromSources ? './threads-build.ts' : './threads-build.js';
  threadsBuild = (await importHidden<typeof import('./threads-build.js')>(new URL(file, import.meta.url).href)).threadsBuild;
  return threadsBuild;
}

/** The options of the call that loaded (or is loading) the core, for later calls to be checked against. */
let initOptions: InitOptions | null = null;

const INIT_KEYS = ['wasm', 'simd', 'threads', 'gemm'] as const;

/**
 * A later init() may leave out options (it then only waits for the core), but an option it gives
 * must equal the first call's: there is one wasm instance per thread, so other options cannot be
 * applied, and silently ignoring them would run something other than what was asked.
 */
function checkSameOptions(options: InitOptions): void {
  const first = initOptions ?? {};
  const show = (x: unknown) => (x === undefined ? 'the default' : typeof x === 'string' || typeof x === 'number' ? JSON.stringify(x) : 'a module or bytes');
  const conflict = (key: string, had: unknown, asked: unknown) =>
    new KnobsError(
      `init: knobs is already ${memory ? 'initialised' : 'initialising'} with ${key}: ${show(had)}; this call asks for ${key}: ${show(asked)}. ` +
        `Call init() once with the options you want${key === 'threads' ? ' (setNumThreads(n) changes how many of the started threads are used)' : ''}`,
    );
  // wasm: a custom core cannot be compared with another (a Module posted to a worker is a new
  // object each time); what must agree is whether the packaged build is used, and a URL.
  if (options.wasm !== undefined && (first.wasm === undefined || (typeof options.wasm === 'string' && typeof first.wasm === 'string' && options.wasm !== first.wasm))) {
    throw conflict('wasm', first.wasm, options.wasm);
  }
  if (options.simd !== undefined && options.simd !== (first.simd ?? 'simd128') && !(memory && options.simd === build)) throw conflict('simd', first.simd, options.simd);
  if (options.threads !== undefined && options.threads !== (first.threads ?? 1) && !(memory && options.threads === kernels.thread_pool_size())) {
    throw conflict('threads', first.threads, options.threads);
  }
  if (options.gemm !== undefined && options.gemm !== (first.gemm ?? 'auto') && !(memory && options.gemm === packing)) throw conflict('gemm', first.gemm, options.gemm);
}

/** Loads the wasm core once; later calls return the same promise (their options must agree with the first call's). */
export function init(options: InitOptions = {}): Promise<void> {
  if (options === null) return Promise.reject(new KnobsError('init: options must be an object, got null'));
  try {
    checkOptions('init', options, INIT_KEYS);
    if (options.gemm !== undefined) checkGemmChoice(options.gemm);
  } catch (e) {
    return Promise.reject(e);
  }
  if (memory || pending) {
    try {
      checkSameOptions(options);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  if (memory) return Promise.resolve();
  if (!pending) {
    initOptions = { ...options };
    pending = (async () => {
      const threads = await resolveThreads(options.threads);
      if (threads > 1) {
        if (options.wasm !== undefined) throw new KnobsError('init: threads > 1 loads the packaged threads build; it cannot be combined with a custom `wasm`');
        if (options.simd === 'relaxed') throw new KnobsError("init: the threads build is SIMD128; simd: 'relaxed' cannot be combined with threads > 1");
        const tb = await getThreadsBuild();
        const module = await WebAssembly.compile(await loadWasmBytes(tb.wasmUrl()) as BufferSource);
        const out = tb.kernels.initSync({ module });
        await startWorkers(module, out.memory, threads - 1, () => tb.kernels.thread_pool_size(), tb.newBrowserWorker);
        kernels = loadedKernels = tb.kernels as unknown as Kernels;
        sharedMemory = true;
        packing = await setGemmPacking(kernels, out.memory, options.gemm ?? 'auto');
        memory = out.memory;
        build = 'simd128';
        return;
      }
      const chosen = options.wasm === undefined ? await chooseBuild(options.simd ?? 'simd128') : 'custom';
      const bytes = await loadWasmBytes(chosen === 'custom' ? options.wasm : wasmUrl(chosen));
      const out = plainKernels.initSync({ module: bytes });
      packing = await setGemmPacking(plainKernels, out.memory, options.gemm ?? 'auto');
      memory = out.memory;
      build = chosen;
    })();
    pending.catch(() => {
      pending = null;
      initOptions = null;
    });
  }
  return pending;
}

export function isInitialized(): boolean {
  return memory !== null;
}

/** The wasm build in use: 'relaxed' or 'simd128', 'custom' for a module given to init(), null before. */
export function simdBuild(): SimdBuild | 'custom' | null {
  return build;
}

/**
 * How matmul packs its left operand on this machine: 'pre' (pre-broadcast) or 'plain', as
 * init({ gemm }) set or measured it; null before init(). Always 'plain' on the relaxed build.
 */
export function gemmPacking(): GemmPacking | null {
  return packing;
}

/** Threads that large matmuls run on now (1 unless init() was given `threads`; see setNumThreads). */
export function getNumThreads(): number {
  return memory ? kernels.thread_count() : 1;
}

/**
 * Uses at most `n` of the threads init() started (like torch.set_num_threads, but the pool
 * itself is fixed at init). 1 runs every kernel on the calling thread; results do not change.
 */
export function setNumThreads(n: number): void {
  const k = K();
  const pool = k.thread_pool_size();
  if (!Number.isInteger(n) || n < 1 || n > pool) {
    throw new KnobsError(`setNumThreads: n must be an integer from 1 to ${pool} (the threads init() started), got ${JSON.stringify(n)}`);
  }
  k.thread_limit(n);
}

/**
 * @internal For ts/compile (traced steps): installs another kernel table, e.g. a proxy that
 * records every call of one eagerly run step, and returns the one it replaced. Swapping the
 * table keeps K() itself untouched. `recording` false: a table that only watches (a profiler's
 * counter), for which the fused paths stay on (see _kernelsRecording).
 */
export function _swapKernels(k: Kernels, recording = true): Kernels {
  const prev = kernels;
  kernels = k;
  swappedForRecording = recording && k !== loadedKernels;
  return prev;
}

let swappedForRecording = false;
/**
 * @internal Whether a recording table (compileStep's trace) is installed. Fused paths whose
 * kernels it may not know (e.g. the foreach optimizers) take the per-tensor kernels then,
 * which compute the same bits.
 */
export function _kernelsRecording(): boolean {
  return swappedForRecording;
}

/** The kernels, or a clear error if `init()` has not finished. */
export function K(): Kernels {
  if (!memory) throw new KnobsError('knobs: the wasm core is not loaded; call `await init()` first');
  return kernels;
}

/** A Float32Array over all of wasm memory, re-made when memory has grown. */
export function heap(): Float32Array {
  // Growth detaches a non-shared memory's old buffer, which empties every view of it: testing the
  // length spares the `memory.buffer` getter (~20 ns, several calls per step). Shared memory (the
  // threads build) never detaches, so there the view's length is compared with memory's size, read
  // by a wasm call (~6 ns; a shared memory's `buffer` getter costs ~40). The loaded table, not
  // K(): a recording table (compileStep's trace) must not see it.
  if (heapCache.length === 0 || (sharedMemory && heapCache.length !== loadedKernels.memory_pages() * 16384)) heapCache = new Float32Array(memory!.buffer);
  return heapCache;
}

export function wasmMemoryBytes(): number {
  return memory ? memory.buffer.byteLength : 0;
}

// ---- allocation: a free list per size. Training steps allocate the same sizes every step,
// so after the first step every allocation is a pop and wasm memory stops growing. ----
const pool = new Map<number, number[]>();
// Sizes below SMALL index an array instead: every tensor of a tiny network is that small, and a
// Map lookup on each alloc and free cost more than the elementwise op itself.
const SMALL = 4096;
// Filled up front so the array stays dense (a sparse one falls back to dictionary elements).
const small: (number[] | undefined)[] = new Array(SMALL).fill(undefined);
const freeList = (n: number): number[] | undefined => (n < SMALL ? small[n] : pool.get(n));
let pooledFloats = 0;
let liveFloats = 0;
let liveBlocks = 0;

/**
 * Floats one block (one tensor) may hold: 2^29 − 1, i.e. < 2 GiB, the most a Rust allocation can
 * be on wasm32 (isize::MAX bytes). Sizes reach wasm as u32: without this check a larger count would
 * wrap to a small block and writes would run over other tensors.
 */
export const MAX_ELEMENTS = 2 ** 29 - 1;

/**
 * While set, allocations beyond `left` floats throw before anything is allocated: loadModel builds
 * a model from a spec it has not yet matched to the weights, and a hostile spec must not be able to
 * grow memory past what the weights file declares.
 */
let budget: { left: number; what: string } | null = null;

/** What an allocation past withAllocationLimit's limit throws. */
export class AllocationLimitError extends KnobsError {}

export function withAllocationLimit<T>(floats: number, what: string, fn: () => T): T {
  const outer = budget;
  budget = { left: outer ? Math.min(outer.left, floats) : floats, what };
  try {
    return fn();
  } finally {
    const used = (outer ? Math.min(outer.left, floats) : floats) - budget.left;
    budget = outer;
    if (outer) outer.left -= used;
  }
}

export function allocF32(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ELEMENTS) throw new KnobsError(`alloc: cannot allocate ${n} floats (one block holds at most ${MAX_ELEMENTS}, 2 GiB, in wasm32)`);
  if (budget) {
    if (n > budget.left) throw new AllocationLimitError(`${budget.what}: building the model needs more than the ${budget.left * 4} bytes left of its limit (a block of ${n * 4} bytes)`);
    budget.left -= n;
  }
  const list = freeList(n);
  let ptr: number;
  if (list && list.length > 0) {
    pooledFloats -= n;
    ptr = list.pop()!;
  } else {
    // K() only here: a pooled block implies a loaded core (before init() every list is empty).
    ptr = allocFresh(K(), n);
  }
  // Counted only once the block exists, so a failed allocation leaves the books balanced.
  liveFloats += n;
  liveBlocks++;
  return ptr;
}

/**
 * A new block from the wasm allocator. When memory cannot grow, the core returns 0; freeing the
 * pool's idle blocks and trying once more often makes room, else the error names the sizes.
 */
function allocFresh(k: Kernels, n: number): number {
  let ptr = tryAlloc(k, n);
  if (ptr === 0 && pooledFloats > 0) {
    releasePool();
    ptr = tryAlloc(k, n);
  }
  if (ptr === 0) {
    const max = memoryMaxBytes();
    throw new KnobsError(
      `alloc: out of wasm memory: ${n * 4} bytes requested; wasm memory is ${wasmMemoryBytes()} bytes of at most ${max} ` +
        `(tensors alive: ${liveBytesNow()} bytes). Dispose tensors you no longer need (tidy() around each step).`,
    );
  }
  return ptr;
}

function tryAlloc(k: Kernels, n: number): number {
  try {
    return k.alloc_f32(n);
  } catch (e) {
    // An older core traps ("unreachable") when memory cannot grow instead of returning 0.
    if (e instanceof WebAssembly.RuntimeError) return 0;
    throw e;
  }
}

const liveBytesNow = (): number => liveFloats * 4;

/** The most wasm memory this instance can have: 4 GiB (2 GiB for the shared memory of the threads build). */
function memoryMaxBytes(): number {
  return build !== null && kernels !== plainKernels ? 2 ** 31 : 2 ** 32;
}

export function freeF32(ptr: number, n: number): void {
  liveFloats -= n;
  liveBlocks--;
  let list = freeList(n);
  if (!list) {
    list = [];
    if (n < SMALL) small[n] = list;
    else pool.set(n, list);
  }
  list.push(ptr);
  pooledFloats += n;
}

/** Returns pooled blocks to the wasm allocator (memory itself never shrinks in wasm). */
export function releasePool(): void {
  const k = K();
  for (const [n, list] of pool) for (const p of list) k.free_f32(p, n);
  pool.clear();
  small.forEach((list, n) => {
    if (list) for (const p of list) k.free_f32(p, n);
  });
  small.fill(undefined);
  pooledFloats = 0;
}

export interface MemoryStats {
  /** Size of wasm linear memory. */
  wasmBytes: number;
  /** Blocks and bytes held by live (undisposed) tensors and optimizer state. */
  liveBlocks: number;
  liveBytes: number;
  /** Bytes kept in the free list for reuse. */
  pooledBytes: number;
}

export function memoryStats(): MemoryStats {
  return { wasmBytes: wasmMemoryBytes(), liveBlocks, liveBytes: liveBytesNow(), pooledBytes: pooledFloats * 4 };
}
