/**
 * Scratch measurement for data-parallel training (not part of the benchmark suite):
 * samples/s of an MLP 784-512-10 (SGD + momentum, cross-entropy) trained in-thread, and with
 * DataParallel on 1 and 2 workers over both transports. Also times the pieces that decide the
 * design: the gradient exchange, and the optimizer update + weight broadcast the main-thread-update
 * alternative would need.
 *
 *   npx tsx bench/parallel-probe.ts [--batches 256,512] [--steps 40] [--repeats 3] [--workers 1,2]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { crossEntropy, init, nn, optim, tensor, tidy, zeros, type Tensor } from '../ts/index.js';
import { DataParallel } from '../ts/parallel/index.js';
import { heap } from '../ts/backend/wasm.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '256,512' },
    steps: { type: 'string', default: '40' },
    repeats: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1,2' },
    transports: { type: 'string', default: 'shared,message' },
    hidden: { type: 'string', default: '512' },
  },
});
const batches = values.batches!.split(',').map(Number);
const steps = Number(values.steps);
const repeats = Number(values.repeats);
const workerCounts = values.workers!.split(',').map(Number);
const transports = values.transports!.split(',') as ('shared' | 'message')[];
const H = Number(values.hidden);
const IN = 784, OUT = 10;

await init();
const spec: nn.ModelSpec = {
  format: 'knobs.sequential',
  version: 1,
  layers: [
    { type: 'Linear', inFeatures: IN, outFeatures: H, bias: true, seed: 1 },
    { type: 'ReLU' },
    { type: 'Linear', inFeatures: H, outFeatures: OUT, bias: true, seed: 2 },
  ],
};
const state = nn.fromSpec(spec).stateDict();
const optimizer = { type: 'SGD' as const, lr: 0.01, momentum: 0.9 };

function data(rows: number): { x: Float32Array; y: Float32Array } {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const x = new Float32Array(rows * IN).map(() => rnd());
  const y = new Float32Array(rows).map(() => Math.floor(rnd() * OUT));
  return { x, y };
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

function inThread(B: number): number {
  const model = nn.fromSpec(spec);
  model.loadStateDict(state);
  const opt = new optim.SGD(model.parameters(), optimizer);
  const { x, y } = data(B);
  const run = () =>
    tidy(() => {
      const loss = crossEntropy(model.forward(tensor(x, [B, IN])), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    });
  for (let i = 0; i < 5; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) run();
  const dt = (performance.now() - t0) / 1000;
  opt.dispose();
  model.dispose();
  return (steps * B) / dt;
}

async function parallel(B: number, workers: number, transport: 'shared' | 'message'): Promise<number> {
  const dp = await DataParallel.create({ spec, state, workers, optimizer, transport, maxBatch: B });
  try {
    const { x, y } = data(B);
    for (let i = 0; i < 5; i++) await dp.step(x, y);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await dp.step(x, y);
    const dt = (performance.now() - t0) / 1000;
    return (steps * B) / dt;
  } finally {
    await dp.close();
  }
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
console.log(`model 784-${H}-10, SGD momentum, ${steps} timed steps after 5 warm-up, median of ${repeats} repeats (samples/s)`);
const costs = mainUpdateCosts();
console.log(`main-thread update alternative, extra serial work per step: SGD ${costs.sgdMs.toFixed(3)} ms + weights out of wasm ${costs.copyMs.toFixed(3)} ms (+ a copy into each worker)`);

for (const B of batches) {
  const rows: [string, number][] = [];
  const runs: Record<string, number[]> = {};
  const add = (k: string, v: number) => (runs[k] ??= []).push(v);
  for (let r = 0; r < repeats; r++) {
    add('in-thread', inThread(B));
    for (const t of transports) for (const w of workerCounts) add(`${w} worker${w > 1 ? 's' : ''} ${t}`, await parallel(B, w, t));
  }
  for (const [k, v] of Object.entries(runs)) rows.push([k, median(v)]);
  const base = runs['in-thread'] ? median(runs['in-thread']) : 1;
  console.log(`\nbatch ${B}`);
  for (const [k, v] of rows) {
    const oneKey = k.replace(/^\d+ workers?/, '1 worker');
    const one = runs[oneKey] ? median(runs[oneKey]) : NaN;
    console.log(`  ${k.padEnd(20)} ${v.toFixed(0).padStart(8)} samples/s  ×${(v / base).toFixed(2)} vs in-thread  ×${(v / one).toFixed(2)} vs 1 worker  [${runs[k].map((s) => s.toFixed(0)).join(', ')}]`);
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
