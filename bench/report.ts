/** Turns measured medians into the results table (ratios knobs / peer), JSON and markdown. */
import type { Lib, Measured } from './harness.js';
import type { ParallelRow } from './cases-parallel.js';

const PEERS: Lib[] = ['tfjs-wasm', 'tfjs-cpu', 'brain.js'];

export interface Row {
  case: string;
  unit: 'GFLOP/s' | 'samples/s' | 'iterations/s';
  /** Throughput per library (median time per call → work / time). */
  value: Partial<Record<Lib, number>>;
  /** knobs / peer, from the same run. */
  ratio: Partial<Record<Lib, number>>;
  /** knobs on its thread pool / peer ('knobs threads' cases). */
  threadRatio?: Partial<Record<Lib, number>>;
  /** compileStep / peer ('knobs compiled' cases). */
  compiledRatio?: Partial<Record<Lib, number>>;
  /** CompiledStep.steps / peer ('knobs compiled loop' cases: many steps per call). */
  loopRatio?: Partial<Record<Lib, number>>;
  /** fit() / peer for the epoch case. */
  fitRatio?: Partial<Record<Lib, number>>;
  errors?: string[];
}

export interface Input {
  quick: boolean;
  machine: Record<string, unknown>;
  peers: Record<string, unknown>;
  gemm: Measured[];
  train: Measured[];
  /** Eager per-op overhead (bench/cases-overhead.ts): `work` ops per call, shown as µs per op. */
  overhead: Measured[];
  /** Tiny networks (bench/cases-tiny.ts), iterations/s. */
  tiny: Measured[];
  brainEpochSamples: number;
  rounds: number;
  memory: Record<string, unknown>[];
  parallel: ParallelRow[];
  /** Every round's rows (parallel holds each task's best round). */
  parallelRounds: ParallelRow[][];
  parallelError: string | null;
  seconds: number;
}

export interface Result extends Omit<Input, 'gemm' | 'train' | 'overhead' | 'tiny'> {
  gemm: Row[];
  train: Row[];
  tiny: Row[];
  overhead: { case: string; usPerOp: number; error?: string }[];
  raw: { gemm: Measured[]; train: Measured[]; tiny: Measured[]; overhead: Measured[] };
  notes: string[];
}

function rows(ms: Measured[], unit: Row['unit']): Row[] {
  const out = new Map<string, Row>();
  for (const m of ms) {
    let r = out.get(m.row);
    if (!r) out.set(m.row, (r = { case: m.row, unit, value: {}, ratio: {} }));
    if (m.error) (r.errors ??= []).push(`${m.lib}: ${m.error}`);
    const perSec = m.work / (m.medianMs / 1000);
    r.value[m.lib] = unit === 'GFLOP/s' ? perSec / 1e9 : perSec;
  }
  for (const r of out.values()) {
    for (const p of PEERS) {
      const k = r.value.knobs, v = r.value[p];
      if (k !== undefined && v !== undefined) r.ratio[p] = k / v;
      const t = r.value['knobs threads'];
      if (t !== undefined && v !== undefined) (r.threadRatio ??= {})[p] = t / v;
      const c = r.value['knobs compiled'];
      if (c !== undefined && v !== undefined) (r.compiledRatio ??= {})[p] = c / v;
      const l = r.value['knobs compiled loop'];
      if (l !== undefined && v !== undefined) (r.loopRatio ??= {})[p] = l / v;
      const f = r.value['knobs fit()'];
      if (f !== undefined && v !== undefined) (r.fitRatio ??= {})[p] = f / v;
    }
  }
  return [...out.values()];
}

export function summarise(i: Input): Result {
  const notes = [
    `Medians of tinybench samples (time per call); throughput = work / median. Ratios are knobs / peer from the same process and run. ${i.rounds > 1 ? `Each group ran ${i.rounds} rounds with the libraries' order rotated; the best round's median is reported (all rounds are in raw.*.roundsMs), so a burst of load from other processes does not land on one library only.` : 'One round (quick).'}`,
    `knobs runs every case on one thread ("knobs", setNumThreads(1))${Number(i.machine.knobsThreads ?? 1) > 1 ? ` and on its wasm thread pool ("knobs ×${i.machine.knobsThreads} threads": init({ threads: 'auto' }), large matmuls split by rows over ${i.machine.knobsThreads} wasm instances sharing one memory; same bits as one thread)` : ' (no thread pool in this run)'}, in the same rounds.`,
    'knobs: nn.Sequential(Linear, ReLU, Linear) + CrossEntropyLoss + optim.SGD inside tidy() (Linear+ReLU run as one fused dense kernel); "knobs fit()" is fit() over a DataLoader for the epoch case.',
    `tfjs: optimizer.minimize with tf.losses.softmaxCrossEntropy and tf.train.sgd, same lr 0.01, same initial weights and data. tfjs-wasm build: ${String(i.peers.tfWasmBuild ?? 'not loaded')}${i.machine.runtime === 'node' ? ' (tfjs 4.22 never uses wasm threads in Node)' : ''}.`,
    `brain.js 1.6.1 (the npm "latest"; pure JS; the 2.0.0 betas need gpu.js → native gl): its own train() for one iteration, which is per-sample SGD (batch 1) with MSE on ReLU outputs — same data and sample count, not the same arithmetic. train() also runs its own error pass. Epoch: ${i.brainEpochSamples} of the samples, samples/s scaled. Only 784-40-10.`,
    "Conv2d rows (bench/cases-cnn.ts): 3×3, 64→64 channels, 32×32 'same', batch 32, bias; GFLOP/s from 2·N·O·H·W·C·9 FLOPs a forward, 3× that for forward+backward (input, weight and bias gradients; tfjs-wasm has no conv backward). The 'gemm … (conv's)' row is the forward's arithmetic as one plain GEMM, the reference for forward+backward.",
    "LeNet-5 rows (bench/cases-cnn.ts): the same network and initial weights in tfjs (NHWC, tf.conv2d/maxPool ops, SGD lr 0.01). tfjs 4.22's wasm backend cannot train a CNN (no Conv2DBackpropFilter kernel, tfjs issue #8474), so the training step has tfjs-cpu only; inference (batch 64, eval, no gradient) has both backends.",
    "tfjs-wasm's training steps are far slower than its forward GEMM suggests: the gradient's matMuls with a transposed operand (xᵀ·dy, dy·Wᵀ) do not take its XNNPACK path (seen with a one-off probe, not a suite case).",
    'DataParallel rows: bench/cases-parallel.ts (SGD momentum 0.9), run in the same rounds; each task\'s best round, ratios recomputed from those (every round in parallelRounds). The two ways to use the cores side by side: DataParallel (a replica per worker, gradients exchanged each step; "× 1 worker") and, where the run has a pool, in-thread training on the wasm thread pool (each matmul split by rows; "× in-thread" is its speed-up over one thread).',
    'Eager overhead rows (bench/cases-overhead.ts): knobs alone, one thread, each call repeating the op thousands of times; µs per op (per step for the XOR row: Sequential(Linear 2-3, Sigmoid, Linear 3-1, Sigmoid) + MSELoss + SGD on the 4 XOR samples inside tidy).',
    'Epoch cases copy every batch from JS arrays into the library (no shuffle), as a user loop would.',
    'Tiny rows (bench/cases-tiny.ts): iterations (optimizer steps) per second of XOR 2-3-1 (sigmoid, batch 4, MSE, SGD lr 0.5) and the book\'s ch.6 streetlight net 3-4-1 (ReLU hidden, linear output, MSE, SGD lr 0.2) at batch 1 and 4. "knobs": Sequential + MSELoss + SGD inside tidy(); "knobs compiled": compileStep (one wasm call per step); "knobs compiled loop": CompiledStep.steps (200 steps per wasm call, cycling over the batches, as brain.js\' train() loops over its samples). tfjs: same initial weights (copied), minimize + meanSquaredError. brain.js: its own initial weights, per-sample updates (at batch 1 each update is an iteration; at batch 4 one pass over the 4 samples is), its activation also on the output layer. "step mlp 784-40-10 b100" has a "knobs compiled" column too (1 thread).',
    'The machine may be shared with other jobs: see the load before/after (uptime).',
  ];
  const { gemm, train, tiny, overhead, ...rest } = i;
  const perOp = overhead.map((m) => ({ case: m.row, usPerOp: (m.medianMs * 1000) / m.work, ...(m.error ? { error: `${m.lib}: ${m.error}` } : {}) }));
  return { ...rest, gemm: rows(gemm, 'GFLOP/s'), train: rows(train, 'samples/s'), tiny: rows(tiny, 'iterations/s'), overhead: perOp, raw: { gemm, train, tiny, overhead }, notes };
}

const f = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? '—' : v >= 1000 ? v.toFixed(0) : v.toFixed(d));
const x = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`);

function tables(r: Result): { head: string[]; body: string[][] }[] {
  // Columns for knobs on its thread pool only when the run had one.
  const T = Number(r.machine.knobsThreads ?? 1);
  const th = T > 1;
  const kt = `knobs ×${T} threads`;
  const g = {
    head: ['GEMM (GFLOP/s)', 'knobs', ...(th ? [kt] : []), 'tfjs-wasm', 'tfjs-cpu', 'knobs/tfjs-wasm', ...(th ? [`${kt}/tfjs-wasm`] : []), 'knobs/tfjs-cpu'],
    body: r.gemm.map((row) => [
      row.case, f(row.value.knobs, 2), ...(th ? [f(row.value['knobs threads'], 2)] : []), f(row.value['tfjs-wasm'], 2), f(row.value['tfjs-cpu'], 2),
      x(row.ratio['tfjs-wasm']), ...(th ? [x(row.threadRatio?.['tfjs-wasm'])] : []), x(row.ratio['tfjs-cpu']),
    ]),
  };
  const t = {
    head: ['training (samples/s)', 'knobs', ...(th ? [kt] : []), 'knobs fit()', 'tfjs-wasm', 'tfjs-cpu', 'brain.js', 'knobs/tfjs-wasm', ...(th ? [`${kt}/tfjs-wasm`] : []), 'knobs/tfjs-cpu', 'knobs/brain.js', ...(th ? [`${kt}/brain.js`] : []), 'fit()/tfjs-wasm'],
    body: r.train.map((row) => [
      row.case, f(row.value.knobs), ...(th ? [f(row.value['knobs threads'])] : []), f(row.value['knobs fit()']), f(row.value['tfjs-wasm']), f(row.value['tfjs-cpu']), f(row.value['brain.js']),
      x(row.ratio['tfjs-wasm']), ...(th ? [x(row.threadRatio?.['tfjs-wasm'])] : []), x(row.ratio['tfjs-cpu']), x(row.ratio['brain.js']), ...(th ? [x(row.threadRatio?.['brain.js'])] : []), x(row.fitRatio?.['tfjs-wasm']),
    ]),
  };
  const tiny = {
    head: ['tiny nets (iterations/s; mlp row: samples/s)', 'knobs', 'knobs compiled', 'knobs compiled loop', 'tfjs-wasm', 'tfjs-cpu', 'brain.js', 'knobs/brain.js', 'compiled/brain.js', 'loop/brain.js', 'compiled/knobs', 'compiled/tfjs-wasm'],
    body: [...r.tiny, ...r.train.filter((row) => row.value['knobs compiled'] !== undefined)].map((row) => [
      row.case, f(row.value.knobs), f(row.value['knobs compiled']), f(row.value['knobs compiled loop']), f(row.value['tfjs-wasm']), f(row.value['tfjs-cpu']), f(row.value['brain.js']),
      x(row.ratio['brain.js']), x(row.compiledRatio?.['brain.js']), x(row.loopRatio?.['brain.js']), x(row.value.knobs ? row.value['knobs compiled']! / row.value.knobs : undefined), x(row.compiledRatio?.['tfjs-wasm']),
    ]),
  };
  const p = {
    head: ['DataParallel (samples/s)', 'ms/step', 'samples/s', '× in-thread', '× 1 worker'],
    body: r.parallel.map((row) => [row.task, f(row.msPerStep, 2), f(row.samplesPerSec), x(row.vsInThread), row.vsOneWorker === null ? '' : x(row.vsOneWorker)]),
  };
  const m = {
    head: ['knobs wasm memory', 'after 10 steps (bytes)', 'after 1000 steps (bytes)', 'grew'],
    body: r.memory.map((row) => [String(row.model), String(row.after10Steps), String(row[`after${row.steps}Steps`]), row.grew ? 'YES' : 'no']),
  };
  const o = {
    head: ['eager overhead (knobs)', 'µs per op'],
    body: r.overhead.map((row) => [row.case, f(row.usPerOp, 3)]),
  };
  return [g, t, tiny, o, p, m];
}

export function toTable(r: Result): string {
  const out: string[] = [];
  for (const { head, body } of tables(r)) {
    const w = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
    const line = (cells: string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  ');
    out.push(line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line), '');
  }
  const errs = [...[...r.gemm, ...r.train, ...r.tiny].flatMap((row) => row.errors ?? []), ...r.overhead.flatMap((row) => (row.error ? [row.error] : []))];
  if (errs.length) out.push('errors:', ...errs.map((e) => `  ${e}`));
  if (r.parallelError) out.push(`DataParallel failed: ${r.parallelError}`);
  return out.join('\n');
}

export function toMarkdown(r: Result): string {
  const m = r.machine as Record<string, string | number>;
  const out = [
    `# knobs benchmark${r.quick ? ' (quick)' : ''}`,
    '',
    `${m.date} · ${m.cpu} · nproc ${m.nproc} · Node ${m.node} · ${m.platform} · ${r.seconds.toFixed(0)} s`,
    '',
    `knobs ${m.commit ?? ''} (wasm build: ${m.knobsBuild}, thread pool: ${m.knobsThreads ?? 1}; uncommitted changes in ts/, wasm-pkg/, crates/ while measured: ${String(m.uncommitted ?? 'n/a').replace(/\n/g, ', ')})`,
    '',
    `Load before: \`${m.loadBefore}\`  `,
    `Load after: \`${m.loadAfter}\``,
    '',
    `Peers: tfjs ${r.peers.tfjs ?? 'not run'} (backends: ${(r.peers.tfBackends as string[]).join(', ') || 'none'}; wasm build: ${r.peers.tfWasmBuild ?? '—'}), brain.js ${r.peers.brain ?? 'not run'}.`,
    '',
  ];
  for (const { head, body } of tables(r)) {
    out.push(`| ${head.join(' | ')} |`, `|${head.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`), '');
  }
  out.push('Notes:', '', ...r.notes.map((n) => `- ${n}`), ...(r.peers.notes as string[]).map((n) => `- ${n}`), '');
  const errs = [...[...r.gemm, ...r.train, ...r.tiny].flatMap((row) => row.errors ?? []), ...r.overhead.flatMap((row) => (row.error ? [row.error] : []))];
  if (errs.length) out.push('Errors:', '', ...errs.map((e) => `- ${e}`), '');
  if (r.parallelError) out.push(`DataParallel failed: ${r.parallelError}`, '');
  return out.join('\n');
}
