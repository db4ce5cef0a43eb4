/**
 * The benchmark suite: knobs and its peers (TensorFlow.js 4.22 wasm/cpu backends, brain.js) side
 * by side in one process, same shapes, data and step counts. Prints a table of medians with
 * ratios knobs/peer and writes bench/results/latest.{json,md}.
 *
 *   node --import tsx bench/run.ts            full run (npm run bench)
 *   node --import tsx bench/run.ts --quick    CI smoke: small shapes, short times, no speed asserted
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { init, memoryStats, nn, tensor } from '../ts/index.js';
import { addParallelCases, parallelRows, type ParallelRow } from './cases-parallel.js';
import { gemmCases, gemmShapes } from './cases-gemm.js';
import { epochCases, knobsMlp, knobsStep, stepCases } from './cases-train.js';
import { CLASSES, IN, head, mnistLike } from './data.js';
import { runGroup, type Measured } from './harness.js';
import { ensureInstalled, loadPeers, type Peers } from './peers.js';
import { toMarkdown, toTable, summarise } from './report.js';

const quick = process.argv.includes('--quick');
const noPeers = process.argv.includes('--no-peers');
const here = dirname(fileURLToPath(import.meta.url));
const tStart = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - tStart) / 1000).toFixed(1)} s] ${s}`);

function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {}
  let nproc = cpus().length;
  try {
    nproc = Number(execSync('nproc').toString().trim());
  } catch {}
  return { nproc, cpu, node: process.version, date: new Date().toISOString(), platform: `${process.platform} ${process.arch}` };
}
function uptime(): string {
  try {
    return execSync('uptime').toString().trim();
  } catch {
    return 'n/a';
  }
}

const t0 = performance.now();
const loadBefore = uptime();
await init();
let peers: Peers = { tf: null, tfBackends: [], tfWasmBuild: null, brain: null, notes: [] };
if (noPeers) peers.notes.push('peers skipped (--no-peers)');
else if (ensureInstalled(log)) peers = await loadPeers();
else peers.notes.push('peers skipped: `npm --prefix bench install` failed (knobs-only run)');
for (const n of peers.notes) log(`bench: ${n}`);
if (peers.tfWasmBuild) log(`bench: tfjs wasm build: ${peers.tfWasmBuild}`);

const g = quick
  ? { timeMs: 150, iterations: 3, warmupMs: 30, warmupIterations: 2 }
  : { timeMs: 1000, iterations: 5, warmupMs: 200, warmupIterations: 3 };

// ---- GEMM ----
log(`bench: GEMM (${quick ? 'quick' : 'full'})…`);
const gemm = await runGroup(gemmCases(gemmShapes(quick), peers.tf, peers.tfBackends), g);

// ---- training ----
const N = quick ? 1000 : 10_000;
const data = mnistLike(N, 42);
const stepShapes: [number, number][] = quick ? [[40, 100]] : [[40, 100], [512, 100], [512, 256]];
log('bench: training steps…');
const steps: Measured[] = [];
for (const [h, b] of stepShapes) {
  // brain.js only on 784-40-10: per-sample training of 784-512-10 in plain JS takes seconds a call.
  steps.push(...(await runGroup(stepCases(h, b, data, peers, h === 40), g)));
}
log('bench: epoch…');
const brainSamples = quick ? 100 : 1000;
const epochs = await runGroup(epochCases(40, 100, data, peers, brainSamples), { ...g, iterations: quick ? 1 : 3, warmupIterations: 1 });

// ---- memory: wasm memory after 10 and after 1,000 knobs training steps ----
log('bench: memory…');
function memoryAfterSteps(h: number, b: number, total: number) {
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
const memory = [memoryAfterSteps(40, 100, 1000), ...(quick ? [] : [memoryAfterSteps(512, 256, 1000)])];

// ---- data-parallel (bench/cases-parallel.ts) ----
log('bench: DataParallel…');
let parallel: ParallelRow[] = [];
let parallelError: string | null = null;
try {
  const pb = new Bench({ time: quick ? 200 : 2000, warmupTime: quick ? 50 : 300 });
  const pc = addParallelCases(pb, { batches: quick ? [256] : [256, 512] });
  await pb.run();
  parallel = parallelRows(pb, pc);
} catch (e) {
  parallelError = (e as Error).message;
  log(`bench: DataParallel cases failed: ${parallelError}`);
}

const loadAfter = uptime();
const result = summarise({
  quick,
  machine: { ...machine(), loadBefore, loadAfter },
  peers: { tfjs: peers.tf ? '4.22.0' : null, tfBackends: peers.tfBackends, tfWasmBuild: peers.tfWasmBuild, brain: peers.brain ? '1.6.1' : null, notes: peers.notes },
  gemm,
  train: [...steps, ...epochs],
  brainEpochSamples: brainSamples,
  memory,
  parallel,
  parallelError,
  seconds: (performance.now() - t0) / 1000,
});
log('');
log(toTable(result));
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const base = quick ? 'quick' : 'latest';
writeFileSync(join(outDir, `${base}.json`), JSON.stringify(result, null, 2) + '\n');
writeFileSync(join(outDir, `${base}.md`), toMarkdown(result));
log(`bench: wrote bench/results/${base}.{json,md} in ${result.seconds.toFixed(0)} s`);
// Worker threads of DataParallel are closed by the cases; exit anyway in case a peer keeps a handle.
process.exit(0);
