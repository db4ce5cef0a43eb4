/**
 * Scratch measurement for data-parallel training (not part of the benchmark suite):
 * samples/s of an MLP 784-512-10 (SGD + momentum, cross-entropy) trained in-thread, and with
 * DataParallel on 1 and 2 workers over both transports (a loop of awaited step() calls), and
 * DataParallel.fit over the same batches (which sends the next batch ahead). Also times the pieces that decide the
 * design: the gradient exchange, and the optimizer update + weight broadcast the main-thread-update
 * alternative would need.
 *
 *   npx tsx bench/parallel-probe.ts [--batches 256,512] [--steps 20] [--repeats 7] [--workers 1,2] [--no-fit]
 *     [--transports shared,message] [--hidden 512] [--max-foreign 0.1] [--max-minutes 20]
 *
 * Rounds during which other processes used more than --max-foreign cores are dropped (and
 * counted) and repeated, so a shared machine's other jobs do not pass for a slow configuration.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { init, nn, optim, zeros, type Tensor } from '../ts/index.js';
import { DataParallel, type StepTimings } from '../ts/parallel/index.js';
import { heap } from '../ts/backend/wasm.js';
import { IN, inThreadStep, parallelData as data, parallelOptimizer as optimizer, parallelSpec } from './parallel-model.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '256,512' },
    steps: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '7' },
    workers: { type: 'string', default: '1,2' },
    transports: { type: 'string', default: 'shared,message' },
    hidden: { type: 'string', default: '512' },
    'max-foreign': { type: 'string', default: '0.1' },
    fit: { type: 'boolean', default: true },
    'no-fit': { type: 'boolean', default: false },
    'max-minutes': { type: 'string', default: '20' },
  },
});
const batches = values.batches!.split(',').map(Number);
const steps = Number(values.steps);
const repeats = Number(values.repeats);
const workerCounts = values.workers!.split(',').map(Number);
const transports = values.transports!.split(',') as ('shared' | 'message')[];
const H = Number(values.hidden);
const maxForeign = Number(values['max-foreign']);
const withFit = values.fit! && !values['no-fit'];
const maxMinutes = Number(values['max-minutes']);

await init();
const spec = parallelSpec(H);
const state = nn.fromSpec(spec).stateDict();

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

/**
 * CPU time the whole machine spent busy (Linux /proc/stat, in seconds), to tell how much of it went
 * to processes other than this one during a measurement: other people's jobs on a shared 2-core
 * machine would otherwise pass for a slow configuration.
 */
function machineBusySeconds(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    return (f.reduce((a, b) => a + b, 0) - idle) / 100;
  } catch {
    return NaN;
  }
}

/** Runs fn; returns its value and the CPU (in cores) used meanwhile by everything but this process. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; foreign: number }> {
  const b0 = machineBusySeconds(), c0 = process.cpuUsage(), t0 = performance.now();
  const value = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const own = (c.user + c.system) / 1e6;
  return { value, foreign: (machineBusySeconds() - b0 - own) / wall };
}

type Runner = { name: string; run(B: number, steps: number): Promise<number>; close(): Promise<void>; timings?: () => Promise<StepTimings[]> };

function inThread(): Runner {
  const model = nn.fromSpec<nn.Sequential>(spec);
  model.loadStateDict(state);
  const opt = new optim.SGD(model.parameters(), optimizer);
  return {
    name: 'in-thread',
    async run(B, n) {
      const { x, y } = data(B);
      const step = () => inThreadStep(model, opt, x, y, B);
      step();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) step();
      return (n * B) / ((performance.now() - t0) / 1000);
    },
    async close() {
      opt.dispose();
      model.dispose();
    },
  };
}

/** DataParallel.fit over `n` batches (one epoch, no shuffle): the replicas get the next batch while finishing one. */
async function parallelFit(workers: number, transport: 'shared' | 'message'): Promise<Runner> {
  const dp = await DataParallel.create({ spec, state, workers, optimizer, transport, maxBatch: Math.max(...batches), inputShape: [IN] });
  return {
    name: `${workers} worker${workers > 1 ? 's' : ''} ${transport} fit`,
    async run(B, n) {
      const { x, y } = data(B * n);
      await dp.fit(x.subarray(0, B * IN), y.subarray(0, B), { epochs: 1, batchSize: B, shuffle: false });
      await dp.timings({ reset: true });
      const t0 = performance.now();
      await dp.fit(x, y, { epochs: 1, batchSize: B, shuffle: false });
      return (n * B) / ((performance.now() - t0) / 1000);
    },
    close: () => dp.close(),
    timings: () => dp.timings({ reset: true }),
  };
}

async function parallel(workers: number, transport: 'shared' | 'message'): Promise<Runner> {
  const dp = await DataParallel.create({ spec, state, workers, optimizer, transport, maxBatch: Math.max(...batches), inputShape: [IN] });
  return {
    name: `${workers} worker${workers > 1 ? 's' : ''} ${transport}`,
    async run(B, n) {
      const { x, y } = data(B);
      await dp.step(x, y);
      await dp.timings({ reset: true });
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await dp.step(x, y);
      return (n * B) / ((performance.now() - t0) / 1000);
    },
    close: () => dp.close(),
    timings: () => dp.timings({ reset: true }),
  };
}

/** What the main-thread-update alternative adds per step, on top of the exchange both designs need. */
function mainUpdateCosts(): { sgdMs: number; copyMs: number } {
  const model = nn.fromSpec(spec);
  const params = model.parameters();
  const grads = params.map((p) => zeros(p.shape));
  params.forEach((p, i) => (p.grad = grads[i]));
  const opt = new optim.SGD(params, optimizer);
  const reps = 200;
  opt.step();
  let t0 = performance.now();
  for (let i = 0; i < reps; i++) opt.step();
  const sgdMs = (performance.now() - t0) / reps;
  // Reading the weights out of wasm memory into a buffer the workers could receive.
  const n = params.reduce((s, p) => s + p.size, 0);
  const out = new Float32Array(n);
  t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    let o = 0;
    for (const p of params as Tensor[]) {
      out.set(heap().subarray(p.ptr >>> 2, (p.ptr >>> 2) + p.size), o);
      o += p.size;
    }
  }
  const copyMs = (performance.now() - t0) / reps;
  opt.dispose();
  model.dispose();
  return { sgdMs, copyMs };
}

console.log(`cores: ${cpus().length}, load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`);
console.log(`model 784-${H}-10, SGD momentum: samples/s over ${steps} steps, median of ${repeats} undisturbed interleaved rounds`);
const costs = mainUpdateCosts();
console.log(`main-thread update alternative, extra serial work per step: SGD ${costs.sgdMs.toFixed(3)} ms + weights out of wasm ${costs.copyMs.toFixed(3)} ms (+ a copy into each worker)`);

// Every configuration stays alive and they take turns, `repeats` rounds in a rotating order, so a
// burst of load from elsewhere on the machine hits all of them alike instead of one block.
const runners: Runner[] = [inThread()];
for (const t of transports) for (const w of workerCounts) runners.push(await parallel(w, t));
if (withFit) for (const t of transports) for (const w of workerCounts) runners.push(await parallelFit(w, t));
for (const B of batches) {
  const runs: Record<string, number[]> = {};
  for (const r of runners) await r.run(B, 3);
  const phases: Record<string, StepTimings[]> = {};
  const dropped: Record<string, number> = {};
  // Rounds go on until every configuration has `repeats` undisturbed measurements (or --max-minutes).
  const deadline = performance.now() + maxMinutes * 60_000;
  for (let rep = 0; runners.some((r) => (runs[r.name]?.length ?? 0) < repeats) && performance.now() < deadline; rep++) {
    for (let k = 0; k < runners.length; k++) {
      const r = runners[(k + rep) % runners.length];
      if ((runs[r.name]?.length ?? 0) >= repeats) continue;
      const { value, foreign } = await measured(() => r.run(B, steps));
      const t = r.timings ? await r.timings() : [];
      if (process.env.PROBE_DEBUG) console.log(r.name, value.toFixed(0), 'foreign', foreign.toFixed(2));
      // A round during which other processes took more than --max-foreign cores is not counted.
      if (foreign > maxForeign) {
        dropped[r.name] = (dropped[r.name] ?? 0) + 1;
        continue;
      }
      (runs[r.name] ??= []).push(value);
      if (r.timings) (phases[r.name] ??= []).push(...t);
    }
  }
  const base = median(runs['in-thread'] ?? [NaN]);
  console.log(`\nbatch ${B}` + (Object.keys(dropped).length ? ` (rounds dropped for load from other processes: ${JSON.stringify(dropped)})` : ''));
  for (const [k, v] of Object.entries(runs)) {
    const m = median(v), best = Math.max(...v);
    const one = runs[k.replace(/^\d+ workers?/, '1 worker')];
    const vs = (f: (a: number[]) => number) => (one ? (f(v) / f(one)).toFixed(2) : ' n/a');
    console.log(
      `  ${k.padEnd(20)} median ${m.toFixed(0).padStart(6)} samples/s (×${(m / base).toFixed(2)} in-thread, ×${vs(median)} 1 worker)` +
        `  best ${best.toFixed(0).padStart(6)} (×${(best / Math.max(...(runs['in-thread'] ?? [NaN]))).toFixed(2)}, ×${vs((a) => Math.max(...a))})  [${v.map((s) => s.toFixed(0)).join(', ')}]`,
    );
  }
  console.log('  per-step means over all replicas and rounds, ms: compute | exchange (incl. waiting for the slower replica) = publish + wait | reduce | update');
  for (const [k, list] of Object.entries(phases)) {
    const mean = (f: (t: StepTimings) => number) => (list.reduce((s, t) => s + f(t), 0) / list.length).toFixed(2);
    console.log(`  ${k.padEnd(20)} ${mean((t) => t.compute)} | ${mean((t) => t.exchange)} = ${mean((t) => t.publish)} + ${mean((t) => t.exchange - t.publish)} | ${mean((t) => t.reduce)} | ${mean((t) => t.update)}`);
  }
}
for (const r of runners) await r.close();
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
