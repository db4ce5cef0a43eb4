/**
 * @internal Counts the wasm kernel calls fn makes, by name, through a pass-through kernel table
 * (bench/profile-eager.ts, tests). `recording`: whether the table poses as a recording one
 * (compileStep's trace), for which fused paths take their per-tensor kernels (_kernelsRecording).
 */
import { _swapKernels, type Kernels } from './wasm.js';

export function countKernelCalls<T>(fn: () => T, recording: boolean): { result: T; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const real = _swapKernels(null as unknown as Kernels);
  // The target inherits from the table instead of being it: a module namespace is frozen, and a
  // proxy may not return a wrapper for a frozen own property.
  const counting = new Proxy(Object.create(real) as Kernels, {
    get(_t, key) {
      const f = (real as unknown as Record<string | symbol, unknown>)[key];
      if (typeof f !== 'function' || typeof key !== 'string') return f;
      return (...a: unknown[]) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (f as (...a: unknown[]) => unknown)(...a);
      };
    },
  });
  _swapKernels(counting, recording);
  try {
    return { result: fn(), calls };
  } finally {
    _swapKernels(real);
  }
}
