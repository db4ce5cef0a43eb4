/**
 * The LeNet-5 rows of the suite alone (bench/cases-cnn.ts), for a quick look without the full
 * run: knobs on 1 thread and on its pool, tfjs-cpu for training, tfjs-wasm and tfjs-cpu for
 * inference. Prints samples/s and the ratios.
 *
 * Then the Conv2d 3×3 64→64 rows (GFLOP/s; tfjs-cpu only with --cpu-conv: seconds a call).
 *
 *   node --import tsx bench/cnn.ts [--threads N] [--no-conv] [--no-lenet] [--cpu-conv]
 */
import { getNumThreads, init } from '../ts/index.js';
import { cnnCases, cnnInferRow, cnnStepRow, convCases, convFwdRow, convGemmRow, convStepRow } from './cases-cnn.js';
import { mnistLike } from './data.js';
import { runGroup } from './harness.js';
import { ensureInstalled, loadPeers } from './peers.js';
import { withThreads } from './threads.js';

const ti = process.argv.indexOf('--threads');
await init({ threads: ti > 0 ? Number(process.argv[ti + 1]) : 'auto' });
const peers = ensureInstalled(console.log) ? await loadPeers() : null;
for (const n of peers?.notes ?? []) console.log(`bench: ${n}`);
const opts = { timeMs: 1000, iterations: 2, warmupMs: 200, warmupIterations: 1, rounds: 1 };
if (!process.argv.includes('--no-lenet')) {
  const ms = await runGroup(withThreads(() => cnnCases(mnistLike(64, 42), peers?.tf ?? null, peers?.tfBackends ?? []), getNumThreads()), opts);
  for (const row of [cnnStepRow, cnnInferRow]) {
    const sps = Object.fromEntries(ms.filter((m) => m.row === row).map((m) => [m.lib, (m.work / m.medianMs) * 1000]));
    const ratios = Object.entries(sps).filter(([l]) => l.startsWith('tfjs')).map(([l, v]) => `knobs/${l} ${(sps.knobs / v).toFixed(2)}×${sps['knobs threads'] ? `, threads/${l} ${(sps['knobs threads'] / v).toFixed(2)}×` : ''}`);
    console.log(`${row}: ${Object.entries(sps).map(([l, v]) => `${l} ${v.toFixed(0)}/s`).join(', ')}   ${ratios.join('; ')}`);
    for (const m of ms.filter((m) => m.row === row && m.error)) console.log(`  ${m.lib} error: ${m.error}`);
  }
}
if (!process.argv.includes('--no-conv')) {
  const ms = await runGroup(withThreads(() => convCases(peers?.tf ?? null, peers?.tfBackends ?? [], process.argv.includes('--cpu-conv')), getNumThreads()), opts);
  for (const row of [convFwdRow, convStepRow, convGemmRow]) {
    const g = Object.fromEntries(ms.filter((m) => m.row === row).map((m) => [m.lib, m.work / m.medianMs / 1e6]));
    console.log(`${row}: ${Object.entries(g).map(([l, v]) => `${l} ${v.toFixed(1)} GFLOP/s`).join(', ')}${g['tfjs-wasm'] ? `   knobs/tfjs-wasm ${(g.knobs / g['tfjs-wasm']).toFixed(2)}×` : ''}`);
    for (const m of ms.filter((m) => m.row === row && m.error)) console.log(`  ${m.lib} error: ${m.error}`);
  }
}
process.exit(0);
