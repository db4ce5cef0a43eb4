/**
 * knobs on one thread and on its wasm thread pool, side by side: every knobs case runs twice,
 * as 'knobs' (and 'knobs fit()') with setNumThreads(1) and as 'knobs threads' with all the
 * threads init() started (the pool stays; only how many of its threads a matmul may use
 * changes between cases).
 */
import { setNumThreads } from '../ts/index.js';
import type { Case } from './harness.js';

/** `make` is called twice: cases keep their tensors in closures, so each run needs its own. */
export function withThreads(make: () => Case[], pool: number): Case[] {
  if (pool <= 1) return make();
  const on = (c: Case, n: number) => () => {
    setNumThreads(n);
    return c.enter?.();
  };
  // 'knobs fit()' and the compiled ones too: without an enter of its own it would run on whatever the previous case set.
  const one = make().map((c) => (c.lib === 'knobs' || c.lib === 'knobs fit()' || c.lib === 'knobs compiled' || c.lib === 'knobs compiled loop' ? { ...c, enter: on(c, 1) } : c));
  const many = make()
    .filter((c) => c.lib === 'knobs')
    .map((c) => ({ ...c, lib: 'knobs threads' as const, enter: on(c, pool) }));
  return [...one, ...many];
}
