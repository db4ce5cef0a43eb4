/**
 * bench/rnn.ts's LSTM/GRU training step taken apart phase by phase (input projection, recurrence,
 * backward through time, weight gradients, the rest), in CPU time (process.cpuUsage) as well as
 * wall time, beside the arithmetic of each phase at the GEMM rate measured in the same run: what
 * a phase costs above its FLOPs at that rate is overhead worth removing.
 *
 * With --tf, the same step on tfjs-wasm (bench/cases-rnn.ts's case) is timed the same way, so
 * the two libraries compare in CPU time, which a loaded machine disturbs less than wall time.
 *
 *   node --import tsx bench/profile-rnn.ts [--hidden 128,512] [--kind lstm|gru] [--threads 1] [--simd simd128|relaxed] [--reps 20] [--tf] [--tf-reps 3] [--gemm auto|pre|plain]
 */
import { loadavg } from 'node:os';
import { empty, gemmPacking, init, nn, optim, tensor, tidy, type Tensor } from '../ts/index.js';
import { gemmArg } from './gemm-arg.js';
import { K } from '../ts/backend/wasm.js';
import { knobsRnnStep, rnnStepCases } from './cases-rnn.js';
import { loadPeers } from './peers.js';

const arg = (name: string, d: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : d);
const threads = Number(arg('--threads', '1'));
const reps = Number(arg('--reps', '20'));
const kind = arg('--kind', 'lstm') as 'lstm' | 'gru';
const hiddens = arg('--hidden', '128,512').split(',').map(Number);
const withTf = process.argv.includes('--tf');
const tfReps = Number(arg('--tf-reps', '3'));
const simd = arg('--simd', 'simd128') as 'simd128' | 'relaxed' | 'auto';
await init({ threads, simd, gemm: gemmArg() });
console.log(`gemm packing: ${gemmPacking()}`);
const peers = withTf ? await loadPeers() : null;
const [I, B, T] = [64, 32, 25];

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function time(fn: () => void, n = reps): { cpu: number; wall: number } {
  for (let r = 0; r < Math.min(3, n); r++) fn();
  const c0 = cpuMs(), w0 = performance.now();
  for (let r = 0; r < n; r++) fn();
  return { cpu: (cpuMs() - c0) / n, wall: (performance.now() - w0) / n };
}
const k = K();
const buf = (n: number) => {
  const t = empty([n]);
  t.data.fill(0.01);
  return t;
};

console.log(`profile ${kind}: input ${I}, batch ${B}, ${T} steps, ${threads} thread(s), ${simd}, load ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
for (const H of hiddens) {
  const G = kind === 'lstm' ? 4 : 3;
  const N = T * B;
  // The GEMM rate on a square product large enough to be compute-bound: the yardstick.
  const sq = 512, a = buf(sq * sq), bm = buf(sq * sq), c = buf(sq * sq);
  const gemm = time(() => k.matmul(a.ptr, bm.ptr, c.ptr, sq, sq, sq, false), Math.max(5, reps));
  const rate = (2 * sq ** 3) / gemm.cpu / 1e6; // GFLOP/s of CPU time
  [a, bm, c].forEach((t) => t.dispose());

  const x = buf(N * I), wih = buf(I * G * H), bih = buf(G * H), xi = buf(N * G * H), whh = buf(G * H * H), bhh = buf(G * H);
  // ys, cs [T+1, B, H]: h0 (c0) in row 0, as the fused ops lay them out.
  const h0 = buf(B * H), c0 = buf(B * H), ys = buf(N * H + B * H), cs = buf(N * H + B * H), acts = buf(N * 4 * H);
  const dys = buf(N * H), dcs = buf(N * H), dxi = buf(N * G * H), dh0 = buf(B * H), dc0 = buf(B * H), dwhh = buf(G * H * H), dbhh = buf(G * H);
  const dwih = buf(I * G * H), dbih = buf(G * H), gz = buf(N * G * H);
  const phases: [string, number, () => void][] = [
    ['input projection x·W_ihᵀ (one GEMM)', 2 * N * I * G * H, () => k.dense_forward(x.ptr, wih.ptr, bih.ptr, true, xi.ptr, N, I, G * H, 0)],
    [
      'recurrence (T× h·W_hhᵀ + gates)',
      2 * N * H * G * H,
      kind === 'lstm'
        ? () => k.lstm_sequence(xi.ptr, whh.ptr, bhh.ptr, true, h0.ptr, c0.ptr, ys.ptr, cs.ptr, acts.ptr, T, B, H)
        : () => k.gru_sequence(xi.ptr, whh.ptr, bhh.ptr, true, h0.ptr, ys.ptr, acts.ptr, T, B, H),
    ],
    ['  of which T× h·W_hhᵀ GEMM alone', 2 * N * H * G * H, () => {
      for (let s = 0; s < T; s++) k.matmul_nt(h0.ptr, whh.ptr, xi.ptr, B, H, G * H, true);
    }],
    [
      // h0 needs no gradient (as in the training step): the first step's dG·W_hh is skipped.
      'BPTT ((T−1)× dG·W_hh + gates) + dW_hh',
      2 * (2 * N - B) * H * G * H,
      kind === 'lstm'
        ? () => k.lstm_sequence_backward(whh.ptr, ys.ptr, cs.ptr, acts.ptr, dys.ptr, dcs.ptr, dxi.ptr, dh0.ptr, dc0.ptr, dwhh.ptr, dbhh.ptr, true, T, B, H, false, false)
        : () => k.gru_sequence_backward(whh.ptr, ys.ptr, acts.ptr, dys.ptr, dxi.ptr, dh0.ptr, dwhh.ptr, dbhh.ptr, true, T, B, H, false, false),
    ],
    ['  of which (T−1)× dG·W_hh GEMM alone', 2 * (N - B) * H * G * H, () => {
      for (let s = 1; s < T; s++) k.matmul(dxi.ptr, whh.ptr, dh0.ptr, B, G * H, H, false);
    }],
    ['  of which dW_hh (one GEMM over T·B rows)', 2 * N * H * G * H, () => k.matmul_tn(dxi.ptr, ys.ptr, dwhh.ptr, G * H, N, H, false)],
    ['dW_ih, db_ih (one GEMM over T·B rows)', 2 * N * I * G * H, () => k.dense_backward(x.ptr, wih.ptr, xi.ptr, dxi.ptr, gz.ptr, 0, dwih.ptr, dbih.ptr, N, I, G * H, 0, false, true, true, false)],
  ];
  let flops = 0, sum = 0;
  console.log(`\n${kind} h${H}: GEMM ${sq}³ ${gemm.cpu.toFixed(2)} ms CPU = ${rate.toFixed(1)} GFLOP/s`);
  for (const [name, f, fn] of phases) {
    const t = time(fn);
    // Indented rows are parts of the row above, not more work.
    if (!name.startsWith(' ')) {
      flops += f;
      sum += t.cpu;
    }
    console.log(`  ${name.padEnd(40)} cpu ${t.cpu.toFixed(2).padStart(8)} ms  wall ${t.wall.toFixed(2).padStart(8)} ms   ${(f / 1e6).toFixed(0).padStart(5)} MFLOP → ${(f / t.cpu / 1e6).toFixed(1).padStart(5)} GFLOP/s`);
  }
  [x, wih, bih, xi, whh, bhh, h0, c0, ys, cs, acts, dys, dcs, dxi, dh0, dc0, dwhh, dbhh, dwih, dbih, gz].forEach((t) => t.dispose());

  const rnn = kind === 'lstm' ? new nn.LSTM(I, H, { batchFirst: true, seed: 1 }) : new nn.GRU(I, H, { batchFirst: true, seed: 1 });
  const opt = new optim.SGD(rnn.parameters(), { lr: 0.01 });
  const xs = tensor(Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.37)), [B, T, I]);
  const y = tensor(Float32Array.from({ length: B * T * H }, (_, i) => 0.5 * Math.cos(i * 0.11)), [B, T, H]);
  const step = time(() => knobsRnnStep(rnn, opt, xs, y));
  const fwd = time(() => tidy(() => void ((rnn as nn.LSTM).forward(xs)[0] as Tensor).data[0]));
  console.log(`  ${'sum of the kernel phases'.padEnd(40)} cpu ${sum.toFixed(2).padStart(8)} ms                     ${(flops / 1e6).toFixed(0).padStart(5)} MFLOP = ${(flops / 1e6 / rate).toFixed(2)} ms at ${rate.toFixed(1)} GFLOP/s`);
  console.log(`  ${'forward only (nn, eager)'.padEnd(40)} cpu ${fwd.cpu.toFixed(2).padStart(8)} ms  wall ${fwd.wall.toFixed(2).padStart(8)} ms`);
  console.log(`  ${'whole training step (bench/rnn.ts)'.padEnd(40)} cpu ${step.cpu.toFixed(2).padStart(8)} ms  wall ${step.wall.toFixed(2).padStart(8)} ms   rest (layout, loss, SGD, JS) ${(step.cpu - sum).toFixed(2)} ms`);
  xs.dispose();
  y.dispose();
  opt.dispose();
  rnn.dispose();
  if (peers?.tf && peers.tfBackends.includes('wasm')) {
    const c = rnnStepCases(kind, I, H, B, T, peers.tf, ['wasm']).find((x) => x.lib === 'tfjs-wasm')!;
    await c.enter?.();
    await c.setup?.();
    await c.fn();
    const c0 = cpuMs(), w0 = performance.now();
    for (let r = 0; r < tfReps; r++) await c.fn();
    const tcpu = (cpuMs() - c0) / tfReps, twall = (performance.now() - w0) / tfReps;
    await c.teardown?.();
    console.log(`  ${'tfjs-wasm step (trainOnBatch)'.padEnd(40)} cpu ${tcpu.toFixed(2).padStart(8)} ms  wall ${twall.toFixed(2).padStart(8)} ms   tfjs-wasm/knobs: ${(tcpu / step.cpu).toFixed(1)}× in CPU time, ${(twall / step.wall).toFixed(1)}× in wall time (${tfReps} calls)`);
  }
}
console.log(`\nload average after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
process.exit(0);
