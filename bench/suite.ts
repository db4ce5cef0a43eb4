/**
 * The suite's body, shared by the Node runner (run.ts) and the browser page (browser-page.ts):
 * every case on every peer that loaded, in one process, and the summary with ratios.
 */
import { Bench } from 'tinybench';
import * as knobs from '../ts/index.js';
import { memoryStats, nn, setNumThreads, tensor } from '../ts/index.js';
import { addParallelCases, parallelRows, type ParallelRow } from './cases-parallel.js';
import { gemmCases, gemmShapes } from './cases-gemm.js';
import { cnnCases, convCases } from './cases-cnn.js';
import { overheadCases } from './cases-overhead.js';
import { TINY_NETS, tinyCases } from './cases-tiny.js';
import { epochCases, knobsMlp, knobsStep, stepCases } from './cases-train.js';
import { CLASSES, IN, head, mnistLike, type Samples } from './data.js';
import { runGroup, type Measured } from './harness.js';
import type { Peers } from './peers.js';
import { summarise, type Result } from './report.js';
import { withThreads } from './threads.js';

export interface SuiteOptions {
  quick: boolean;
  peers: Peers;
  machine: Record<string, unknown>;
  log: (s: string) => void;
  /** Threads of knobs' pool (init({ threads })); with more than 1 every knobs case also runs on all of them. */
  threads: number;
  /** Called before summarising, e.g. to record the load after the run. */
  finish?: () => Record<string, unknown>;
}

/** wasm memory after 10 and after `total` knobs training steps (the same step the cases time). */
function memoryAfterSteps(data: Samples, h: number, b: number, total: number) {
  const { model, opt } = knobsMlp(h);
  const loss = new nn.CrossEntropyLoss();
  const d = head(data, b);
  const x = tensor(d.x, [b, IN]), y = tensor(d.oneHot, [b, CLASSES]);
  let after10 = 0;
  for (let i = 1; i <= total; i++) {
    knobsStep(model, opt, loss, x, y);
    if (i === 10) after10 = memoryStats().wasmBytes;
  }
  const afterN = memoryStats().wasmBytes;
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
  return { model: `784-${h}-10 b${b}`, after10Steps: after10, [`after${total}Steps`]: afterN, steps: total, grew: afterN !== after10 };
}

export async function runSuite(o: SuiteOptions): Promise<Result> {
  const t0 = performance.now();
  const { quick, peers, log } = o;
  const g = quick
    ? { timeMs: 150, iterations: 3, warmupMs: 30, warmupIterations: 2, rounds: 1 }
    : { timeMs: 600, iterations: 5, warmupMs: 150, warmupIterations: 3, rounds: 3 };

  log(`bench: GEMM (${quick ? 'quick' : 'full'})…`);
  const gemm = await runGroup(withThreads(() => gemmCases(gemmShapes(quick), peers.tf, peers.tfBackends), o.threads), g);
  log('bench: Conv2d 3×3 64→64…');
  // 2.4 GFLOP a forward: few calls. tfjs-cpu (seconds a call) only in the full run.
  gemm.push(...(await runGroup(withThreads(() => convCases(peers.tf, peers.tfBackends, !quick), o.threads), { ...g, iterations: 2, warmupIterations: 1, rounds: quick ? 1 : 2 })));

  const N = quick ? 1000 : 10_000;
  const data = mnistLike(N, 42);
  const stepShapes: [number, number][] = quick ? [[40, 100]] : [[40, 100], [512, 100], [512, 256]];
  log('bench: training steps…');
  const steps: Measured[] = [];
  for (const [h, b] of stepShapes) {
    // brain.js only on 784-40-10: per-sample training of 784-512-10 in plain JS takes seconds a call.
    steps.push(...(await runGroup(withThreads(() => stepCases(h, b, data, peers, h === 40), o.threads), g)));
  }
  log('bench: tiny networks…');
  const tiny: Measured[] = [];
  for (const net of TINY_NETS) tiny.push(...(await runGroup(withThreads(() => tinyCases(net, peers), o.threads), g)));
  // The LSTM step against tf.layers.lstm runs apart (bench/rnn.ts): tfjs-cpu takes minutes per round there.
  log('bench: epoch…');
  const brainSamples = quick ? 100 : 1000;
  const epochs = await runGroup(withThreads(() => epochCases(40, 100, data, peers, brainSamples), o.threads), { ...g, iterations: quick ? 1 : 3, warmupIterations: 1 });

  log('bench: CNN (LeNet-5)…');
  // tfjs-cpu takes seconds per LeNet training step: few calls, and fewer rounds than the rest.
  const cnn = await runGroup(withThreads(() => cnnCases(data, peers.tf, peers.tfBackends), o.threads), { ...g, iterations: 2, warmupIterations: 1, rounds: quick ? 1 : 2 });

  log('bench: eager per-op overhead…');
  // One thread: these ops are far below the size the pool splits.
  if (o.threads > 1) setNumThreads(1);
  const overhead = await runGroup(overheadCases(quick), g);

  log('bench: memory…');
  // On the pool's threads where there is one (what a training run with init({ threads }) does).
  if (o.threads > 1) setNumThreads(o.threads);
  const memory = [memoryAfterSteps(data, 40, 100, 1000), ...(quick ? [] : [memoryAfterSteps(data, 512, 256, 1000)])];

  log('bench: DataParallel…');
  // Rounds as for the other groups (the cases' own ratios come from one Bench each round); each
  // task's best round is kept and the ratios are recomputed from those, every round is kept too.
  let parallel: ParallelRow[] = [];
  const parallelRounds: ParallelRow[][] = [];
  let parallelError: string | null = null;
  try {
    for (let r = 0; r < g.rounds; r++) {
      const pb = new Bench({ time: quick ? 200 : 1500, warmupTime: quick ? 50 : 300 });
      const pc = addParallelCases(pb, { batches: quick ? [256] : [256, 512], poolThreads: o.threads });
      await pb.run();
      parallelRounds.push(parallelRows(pb, pc));
      const failed = pb.tasks.filter((t) => t.result?.error).map((t) => `${t.name}: ${t.result!.error!.message}`);
      if (failed.length) parallelError = failed.join('; ');
    }
    const best = parallelRounds[0].map((row, i) => ({ ...row, msPerStep: Math.min(...parallelRounds.map((rs) => rs[i].msPerStep)) }));
    const sps = (row: ParallelRow) => (row.batch / row.msPerStep) * 1000;
    parallel = best.map((row) => {
      const base = best.find((d) => d.batch === row.batch && d.workers === 0 && d.threads === 1);
      const one = best.find((d) => d.batch === row.batch && d.workers === 1 && d.mode === row.mode);
      return { ...row, samplesPerSec: sps(row), vsInThread: base ? sps(row) / sps(base) : NaN, vsOneWorker: one && row.workers > 0 ? sps(row) / sps(one) : null };
    });
  } catch (e) {
    parallelError = (e as Error).message;
  }
  if (parallelError) log(`bench: DataParallel cases failed: ${parallelError}`);

  // Which of knobs' wasm builds ran (relaxed-SIMD or SIMD128), where this knobs can say.
  const which = (knobs as Record<string, unknown>).simdBuild;
  const knobsBuild = typeof which === 'function' ? String(which()) : 'simd128 (the only build)';
  return summarise({
    quick,
    machine: { ...o.machine, knobsBuild, knobsThreads: o.threads, ...(o.finish ? o.finish() : {}) },
    peers: { tfjs: peers.tf ? '4.22.0' : null, tfBackends: peers.tfBackends, tfWasmBuild: peers.tfWasmBuild, brain: peers.brain ? '1.6.1' : null, notes: peers.notes },
    gemm,
    train: [...steps, ...epochs, ...cnn],
    overhead,
    tiny,
    brainEpochSamples: brainSamples,
    rounds: g.rounds,
    memory,
    parallel,
    parallelRounds,
    parallelError,
    seconds: (performance.now() - t0) / 1000,
  });
}
