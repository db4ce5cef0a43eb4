/** Runs a group of cases in one tinybench Bench and returns each case's median time per call. */
import { Bench } from 'tinybench';

export type Lib = 'knobs' | 'knobs threads' | 'knobs fit()' | 'knobs compiled' | 'knobs compiled loop' | 'knobs-relaxed' | 'tfjs-wasm' | 'tfjs-cpu' | 'brain.js';

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
  /** Best (lowest) of the rounds' medians. */
  medianMs: number;
  /** Each round's median, in round order. */
  roundsMs: number[];
  samples: number;
  error?: string;
}

export interface GroupOptions {
  timeMs: number;
  /** Minimum calls per case, for cases slower than timeMs. */
  iterations: number;
  warmupMs: number;
  warmupIterations: number;
  /**
   * Rounds over all cases, each library's place in the order rotating per round. On a machine
   * shared with other jobs a burst of load then hits one round of every library instead of all
   * of one library's samples; the best round's median is reported, and every round is kept.
   */
  rounds: number;
}

async function runRound(cases: Case[], o: GroupOptions): Promise<Measured[]> {
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
    const r = bench.getTask(key(c))?.result as { latency?: { p50?: number; samples?: number[] }; error?: Error } | undefined;
    const ms = r?.latency?.p50 ?? NaN;
    return {
      row: c.row,
      lib: c.lib,
      work: c.work,
      medianMs: ms,
      roundsMs: [ms],
      samples: r?.latency?.samples?.length ?? 0,
      ...(r?.error ? { error: String(r.error.message ?? r.error) } : {}),
    };
  });
}

export async function runGroup(cases: Case[], o: GroupOptions): Promise<Measured[]> {
  const out = new Map<Case, Measured>();
  for (let r = 0; r < o.rounds; r++) {
    const order = cases.map((_, i) => cases[(i + r) % cases.length]);
    const got = await runRound(order, o);
    order.forEach((c, i) => {
      const m = got[i], prev = out.get(c);
      if (!prev) return void out.set(c, m);
      prev.roundsMs.push(m.medianMs);
      prev.samples += m.samples;
      if (!(prev.medianMs <= m.medianMs)) prev.medianMs = m.medianMs;
      if (m.error) prev.error ??= m.error;
    });
  }
  return cases.map((c) => out.get(c)!);
}
