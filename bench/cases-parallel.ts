/**
 * Benchmark cases for data-parallel training, for the suite in bench/ (tinybench):
 * one training step of an MLP 784-512-10 (SGD + momentum, cross-entropy on class labels) at a
 * given batch size, run in-thread (on one thread, and on the wasm thread pool when init() started
 * one: the other way to use the cores), with DataParallel on 1 and 2 workers (an awaited step()
 * per iteration), and DataParallel.fit over `fitBatches` batches per iteration (fit sends the next
 * batch to the workers before the current one is done, as a training loop would). All cases of one
 * batch size share the model, weights and data, so their ratios (2 workers / 1 worker, /
 * in-thread) are the numbers to report (target: 2 workers ≥ 1.7× one worker at batch ≥ 256).
 *
 *   import { Bench } from 'tinybench';
 *   import { addParallelCases, parallelRows } from './cases-parallel.js';
 *   const bench = new Bench({ time: 2000 });
 *   const cases = addParallelCases(bench, { batches: [256, 512] });
 *   await bench.run();
 *   console.table(parallelRows(bench, cases));
 *
 * Or standalone: `npx tsx bench/cases-parallel.ts [--quick]`.
 */
import { Bench, type Task } from 'tinybench';
import { init, nn, optim, setNumThreads } from '../ts/index.js';
import { DataParallel, type ParallelTransport } from '../ts/parallel/index.js';
import { IN, inThreadStep, parallelData as data, parallelOptimizer as optimizer, parallelSpec } from './parallel-model.js';

export interface ParallelCaseOptions {
  /** Batch sizes (default [256, 512]). */
  batches?: number[];
  /** Worker counts (default [1, 2]); in-thread training is always included. */
  workers?: number[];
  /** Default 'message' (DataParallel's default). */
  transport?: ParallelTransport;
  /** Hidden width (default 512: the 784-512-10). */
  hidden?: number;
  /** Batches per fit() iteration; 0 leaves the fit cases out. Default 8. */
  fitBatches?: number;
  /** Threads of this thread's wasm pool (init({ threads })); > 1 adds an in-thread case on all of them. Default 1. */
  poolThreads?: number;
}

/** What a case measures: training steps on `batch` samples, `samples` samples per iteration. */
export interface ParallelCase {
  task: string;
  batch: number;
  samples: number;
  /** 0 for in-thread training. */
  workers: number;
  /** wasm threads of the in-thread case (1 for DataParallel: each replica is one thread). */
  threads: number;
  transport: ParallelTransport | 'in-thread';
  /** 'step': one awaited step per iteration; 'fit': DataParallel.fit over several batches. */
  mode: 'step' | 'fit';
}

export interface ParallelRow extends ParallelCase {
  msPerStep: number;
  samplesPerSec: number;
  /** samples/s relative to in-thread training and to DataParallel on 1 worker (same batch and mode). */
  vsInThread: number;
  vsOneWorker: number | null;
}

/**
 * Adds the cases to a tinybench Bench and returns their descriptions. Trainers and workers are
 * created in each task's beforeAll and closed in its afterAll (the run, not the warm-up), so only
 * one case's workers exist at a time.
 */
export function addParallelCases(bench: Bench, opts: ParallelCaseOptions = {}): ParallelCase[] {
  const batches = opts.batches ?? [256, 512];
  const workerCounts = opts.workers ?? [1, 2];
  const transport = opts.transport ?? 'message';
  const H = opts.hidden ?? 512;
  const spec = parallelSpec(H);
  const cases: ParallelCase[] = [];
  const name = (B: number, who: string) => `mlp 784-${H}-10 b${B} train step: ${who}`;

  const pool = opts.poolThreads ?? 1;
  for (const B of batches) {
    const { x, y } = data(B);
    // In-thread: the same step as fit() takes, on one thread and on the pool.
    for (const threads of pool > 1 ? [1, pool] : [1]) {
      let model: nn.Sequential | null = null;
      let opt: optim.SGD | null = null;
      const inThread = name(B, threads > 1 ? `knobs in-thread on ${threads} wasm threads (pool)` : 'knobs in-thread');
      bench.add(
        inThread,
        () => inThreadStep(model!, opt!, x, y, B),
        {
          // Warm-up and run each start here, and no other task runs in between.
          beforeAll: async () => {
            if (pool > 1) setNumThreads(threads);
            if (model) return;
            await init();
            model = nn.fromSpec<nn.Sequential>(spec);
            opt = new optim.SGD(model.parameters(), optimizer);
          },
          afterAll: (mode) => {
            if (pool > 1) setNumThreads(1);
            if (mode === 'warmup') return;
            opt?.dispose();
            model?.dispose();
            model = opt = null;
          },
        },
      );
      cases.push({ task: inThread, batch: B, samples: B, workers: 0, threads, transport: 'in-thread', mode: 'step' });
    }

    // A trainer per case, created in its task's beforeAll and closed in its afterAll.
    const addTrainer = (task: string, w: number, iteration: (trainer: DataParallel) => Promise<unknown>) => {
      let trainer: DataParallel | null = null;
      bench.add(task, async () => void (await iteration(trainer!)), {
        beforeAll: async () => {
          if (trainer) return;
          await init();
          trainer = await DataParallel.create({ spec, workers: w, optimizer, transport, maxBatch: B, inputShape: [IN] });
        },
        afterAll: async (mode) => {
          if (mode === 'warmup') return;
          await trainer?.close();
          trainer = null;
        },
      });
    };
    const who = (w: number) => `knobs DataParallel ${w} worker${w > 1 ? 's' : ''} (${transport})`;

    for (const w of workerCounts) {
      const task = name(B, who(w));
      addTrainer(task, w, (t) => t.step(x, y));
      cases.push({ task, batch: B, samples: B, workers: w, threads: 1, transport, mode: 'step' });
    }

    const K = opts.fitBatches ?? 8;
    if (K > 0) {
      const big = data(B * K);
      for (const w of workerCounts) {
        const task = `mlp 784-${H}-10 b${B} fit ${K} batches: ${who(w)}`;
        addTrainer(task, w, (t) => t.fit(big.x, big.y, { epochs: 1, batchSize: B, shuffle: false }));
        cases.push({ task, batch: B, samples: B * K, workers: w, threads: 1, transport, mode: 'fit' });
      }
    }
  }
  return cases;
}

/** samples/s per case and the ratios, from a Bench that has run. */
export function parallelRows(bench: Bench, cases: ParallelCase[]): ParallelRow[] {
  const byName = new Map<string, Task>(bench.tasks.map((t) => [t.name, t]));
  const ms = (c: ParallelCase) => {
    const r = byName.get(c.task)?.result as { latency?: { p50?: number } } | undefined;
    return r?.latency?.p50 ?? NaN;
  };
  const rate = (c: ParallelCase) => (c.samples / ms(c)) * 1000;
  return cases.map((c) => {
    const base = cases.find((d) => d.batch === c.batch && d.workers === 0 && d.threads === 1);
    const one = cases.find((d) => d.batch === c.batch && d.workers === 1 && d.mode === c.mode);
    return {
      ...c,
      msPerStep: (ms(c) * c.batch) / c.samples,
      samplesPerSec: rate(c),
      vsInThread: base ? rate(c) / rate(base) : NaN,
      vsOneWorker: one && c.workers > 0 ? rate(c) / rate(one) : null,
    };
  });
}

/** Runs the cases on their own (a Bench of `timeMs` per task) and returns the rows. */
export async function runParallelCases(opts: ParallelCaseOptions & { timeMs?: number } = {}): Promise<ParallelRow[]> {
  const bench = new Bench({ time: opts.timeMs ?? 2000, warmupTime: 300 });
  const cases = addParallelCases(bench, opts);
  await bench.run();
  return parallelRows(bench, cases);
}

const isMain = typeof process !== 'undefined' && process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const quick = process.argv.includes('--quick');
  const rows = await runParallelCases(quick ? { batches: [256], timeMs: 300 } : {});
  console.table(
    rows.map((r) => ({
      case: r.task,
      'ms/step': r.msPerStep.toFixed(2),
      'samples/s': r.samplesPerSec.toFixed(0),
      '× in-thread': r.vsInThread.toFixed(2),
      '× 1 worker': r.vsOneWorker === null ? '' : r.vsOneWorker.toFixed(2),
    })),
  );
}
