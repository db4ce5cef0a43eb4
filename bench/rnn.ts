/**
 * The recurrent rows alone (the full suite runs them too): an LSTM training step, knobs vs
 * TensorFlow.js 4.22 layers (tf.layers.lstm + trainOnBatch) on its wasm and cpu backends.
 *
 *   node --import tsx bench/rnn.ts [--hidden 128] [--quick]
 */
import { init } from '../ts/index.js';
import { lstmStepCases } from './cases-rnn.js';
import { runGroup } from './harness.js';
import { ensureInstalled, loadPeers } from './peers.js';

const quick = process.argv.includes('--quick');
const hi = process.argv.indexOf('--hidden');
const hidden = hi > 0 ? Number(process.argv[hi + 1]) : 128;
await init({ threads: 1 });
const peers = ensureInstalled(console.log) ? await loadPeers() : { tf: null, tfBackends: [] as string[], notes: ['peers not installed'] };
for (const n of peers.notes) console.log(`bench: ${n}`);
const g = quick ? { timeMs: 200, iterations: 2, warmupMs: 50, warmupIterations: 1, rounds: 1 } : { timeMs: 1000, iterations: 5, warmupMs: 200, warmupIterations: 2, rounds: 2 };
const got = await runGroup(lstmStepCases(64, hidden, 32, 25, peers.tf, peers.tfBackends), g);
const knobs = got.find((m) => m.lib === 'knobs')!;
for (const m of got) {
  const ratio = m === knobs ? '' : `   knobs is ${(m.medianMs / knobs.medianMs).toFixed(1)}× faster`;
  console.log(`${m.row.padEnd(28)} ${m.lib.padEnd(10)} ${m.medianMs.toFixed(1).padStart(8)} ms/step  ${((m.work / m.medianMs) * 1000).toFixed(0).padStart(6)} samples/s  (${m.samples} samples)${m.error ? `  ERROR ${m.error}` : ''}${ratio}`);
}
process.exit(0);
