/**
 * The one place that talks to the wasm instance: loading it, allocating and freeing its memory,
 * and handing out fresh views. Views must be re-made after anything that can allocate, because
 * growing wasm memory detaches every ArrayBuffer view of the old buffer.
 */
import * as kernels from '../../wasm-pkg/knobs_core.js';
import { KnobsError } from '../errors.js';
import { loadWasmBytes, type WasmSource } from './load-wasm.js';
import { chooseBuild, wasmUrl, type SimdBuild, type SimdChoice } from './simd.js';

export type Kernels = typeof kernels;

let memory: WebAssembly.Memory | null = null;
let heapCache: Float32Array = new Float32Array(0);
let pending: Promise<void> | null = null;
let build: SimdBuild | 'custom' | null = null;

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
}

/** Loads the wasm core once; later calls return the same promise. */
export function init(options: InitOptions = {}): Promise<void> {
  if (memory) return Promise.resolve();
  if (!pending) {
    pending = (async () => {
      const chosen = options.wasm === undefined ? await chooseBuild(options.simd ?? 'simd128') : 'custom';
      const bytes = await loadWasmBytes(chosen === 'custom' ? options.wasm : wasmUrl(chosen));
      const out = kernels.initSync({ module: bytes });
      memory = out.memory;
      build = chosen;
    })();
    pending.catch(() => (pending = null));
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

/** The kernels, or a clear error if `init()` has not finished. */
export function K(): Kernels {
  if (!memory) throw new KnobsError('knobs: the wasm core is not loaded; call `await init()` first');
  return kernels;
}

/** A Float32Array over all of wasm memory, re-made when memory has grown. */
export function heap(): Float32Array {
  if (heapCache.buffer !== memory!.buffer) heapCache = new Float32Array(memory!.buffer);
  return heapCache;
}

export function wasmMemoryBytes(): number {
  return memory ? memory.buffer.byteLength : 0;
}

// ---- allocation: a free list per size. Training steps allocate the same sizes every step,
// so after the first step every allocation is a pop and wasm memory stops growing. ----
const pool = new Map<number, number[]>();
let pooledFloats = 0;
let liveFloats = 0;
let liveBlocks = 0;

export function allocF32(n: number): number {
  const k = K();
  liveFloats += n;
  liveBlocks++;
  const list = pool.get(n);
  if (list && list.length > 0) {
    pooledFloats -= n;
    return list.pop()!;
  }
  return k.alloc_f32(n);
}

export function freeF32(ptr: number, n: number): void {
  liveFloats -= n;
  liveBlocks--;
  let list = pool.get(n);
  if (!list) pool.set(n, (list = []));
  list.push(ptr);
  pooledFloats += n;
}

/** Returns pooled blocks to the wasm allocator (memory itself never shrinks in wasm). */
export function releasePool(): void {
  const k = K();
  for (const [n, list] of pool) for (const p of list) k.free_f32(p, n);
  pool.clear();
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
  return { wasmBytes: wasmMemoryBytes(), liveBlocks, liveBytes: liveFloats * 4, pooledBytes: pooledFloats * 4 };
}
