/**
 * The recurrent rows: an LSTM training step at hidden 128 and 512 and a GRU step at hidden 128
 * (input 64, batch 32, 25 steps), knobs on 1 thread vs TensorFlow.js 4.22 layers
 * (tf.layers.lstm / tf.layers.gru + trainOnBatch) on its wasm and cpu backends, side by side.
 *
 *   node --import tsx bench/rnn.ts [--quick] [--only lstm128,gru128,lstm512] [--simd relaxed] [--no-tf]
 *
 * knobs runs the default SIMD128 build; `--simd relaxed` runs its relaxed-SIMD build instead
 * (fused multiply-add GEMM, init({ simd: 'relaxed' })), a row named knobs-relaxed. `--no-tf`
 * skips the tfjs rows (e.g. for that second pass).
 *
 * A tfjs-cpu step at hidden 512 takes minutes: that case runs exactly one timed call, unwarmed;
 * the other 512 cases one warm-up and two (--quick) or three timed calls.
 */
import { cpus, loadavg } from 'node:os';
import { init } from '../ts/index.js';
import { rnnStepCases, type RnnKind } from './cases-rnn.js';
import { runGroup, type GroupOptions, type Lib, type Measured } from './harness.js';
import { ensureInstalled, loadPeers } from './peers.js';

const quick = process.argv.includes('--quick');
const oi = process.argv.indexOf('--only');
const only = oi > 0 ? process.argv[oi + 1].split(',') : null;
const relaxed = process.argv.includes('--simd') && process.argv[process.argv.indexOf('--simd') + 1] === 'relaxed';
const knobsLib: Lib = relaxed ? 'knobs-relaxed' : 'knobs';
await init({ threads: 1, simd: relaxed ? 'relaxed' : 'simd128' });
const noPeers = { tf: null, tfBackends: [] as string[], notes: [] as string[] };
const peers = process.argv.includes('--no-tf') ? noPeers : ensureInstalled(console.log) ? await loadPeers() : { ...noPeers, notes: ['peers not installed'] };
for (const n of peers.notes) console.log(`bench: ${n}`);
const normal: GroupOptions = quick ? { timeMs: 200, iterations: 2, warmupMs: 50, warmupIterations: 1, rounds: 1 } : { timeMs: 1000, iterations: 5, warmupMs: 200, warmupIterations: 2, rounds: 2 };
const slow: GroupOptions = { timeMs: 0, iterations: quick ? 2 : 3, warmupMs: 0, warmupIterations: 1, rounds: 1 };
// tfjs-cpu at hidden 512: minutes per call, so exactly one timed call and no warm-up.
const capped: GroupOptions = { timeMs: 0, iterations: 1, warmupMs: 0, warmupIterations: 0, rounds: 1 };
const rows: [string, RnnKind, number, GroupOptions, GroupOptions][] = [
  ['lstm128', 'lstm', 128, normal, normal],
  ['gru128', 'gru', 128, normal, normal],
  ['lstm512', 'lstm', 512, slow, capped],
];
console.log(`bench rnn: ${cpus()[0]?.model ?? 'cpu'}, ${knobsLib} 1 thread, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}${quick ? ', --quick' : ''}`);
const print = (m: Measured, knobs: Measured | undefined) => {
  const ratio = !knobs || m === knobs ? '' : `   knobs is ${(m.medianMs / knobs.medianMs).toFixed(1)}× faster`;
  console.log(`${m.row.padEnd(28)} ${m.lib.padEnd(10)} ${m.medianMs.toFixed(1).padStart(9)} ms/step  ${((m.work / m.medianMs) * 1000).toFixed(0).padStart(6)} samples/s  (${m.samples} samples)${m.error ? `  ERROR ${m.error}` : ''}${ratio}`);
};
for (const [name, kind, hidden, g, gCpu] of rows) {
  if (only && !only.includes(name)) continue;
  const cases = rnnStepCases(kind, 64, hidden, 32, 25, peers.tf, peers.tfBackends, knobsLib);
  // tfjs-cpu in its own group, after the others have printed (its options may cap it).
  const got = await runGroup(cases.filter((c) => c.lib !== 'tfjs-cpu'), g);
  const knobs = got.find((m) => m.lib === knobsLib);
  for (const m of got) print(m, knobs);
  const cpu = cases.filter((c) => c.lib === 'tfjs-cpu');
  if (cpu.length) for (const m of await runGroup(cpu, gCpu)) print(m, knobs);
}
console.log(`load average after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
process.exit(0);
