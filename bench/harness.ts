/** Runs a group of cases in one tinybench Bench and returns each case's median time per call. */
import { Bench } from 'tinybench';

export type Lib = 'knobs' | 'knobs fit()' | 'tfjs-wasm' | 'tfjs-cpu' | 'brain.js';

export interface Case {
  /** Row of the results table (e.g. 'gemm 256x256x256'); one case per library per row. */
  row: string;
  lib: Lib;
  /** Units of work per call: FLOPs for GEMM, samples for training. */
  work: number;
  fn: () => unknown;
  /** State is built once (warm-up and run share it) and freed after the run. */
  setup?: () => unknown;
  teardown?: () => unknown;
  /** Runs before the warm-up and again before the run (tinybench warms every task up first,
   * then runs them all), e.g. to select the tfjs backend the case's tensors live on. */
  enter?: () => unknown;
}

export interface Measured {
  row: string;
  lib: Lib;
  work: number;
  medianMs: number;
  samples: number;
  error?: string;
}

export interface GroupOptions {
  timeMs: number;
  /** Minimum calls per case, for cases slower than timeMs. */
  iterations: number;
  warmupMs: number;
  warmupIterations: number;
}

export async function runGroup(cases: Case[], o: GroupOptions): Promise<Measured[]> {
  const bench = new Bench({ time: o.timeMs, iterations: o.iterations, warmupTime: o.warmupMs, warmupIterations: o.warmupIterations });
  const key = (c: Case) => `${c.row} :: ${c.lib}`;
  for (const c of cases) {
    let ready = false;
    bench.add(key(c), c.fn, {
      beforeAll: async () => {
        if (c.enter) await c.enter();
        if (!ready && c.setup) await c.setup();
        ready = true;
      },
      afterAll: async (mode) => {
        if (mode === 'warmup') return;
        if (c.teardown) await c.teardown();
        ready = false;
      },
    });
  }
  await bench.run();
  return cases.map((c) => {
    const t = bench.getTask(key(c));
    const r = t?.result as { latency?: { p50?: number; samples?: number[] }; error?: Error } | undefined;
    return {
      row: c.row,
      lib: c.lib,
      work: c.work,
      medianMs: r?.latency?.p50 ?? NaN,
      samples: r?.latency?.samples?.length ?? 0,
      ...(r?.error ? { error: String(r.error.message ?? r.error) } : {}),
    };
  });
}
