/**
 * The tiny-network rows of the suite alone (bench/cases-tiny.ts) and the ch.8 MLP step compiled
 * against eager, for a quick look without the full run. Prints iterations/s (samples/s for the
 * MLP) and the ratios. knobs on 1 thread.
 *
 *   node --import tsx bench/tiny.ts [--quick] [--no-peers]
 *
 * --no-peers: knobs rows only, without installing the peers (a worktree without bench/node_modules).
 * --gemm-rule: the compiled MLP's dense products on gemm's own path rule, not the path timed at
 * compile time (ts/compile/tune.ts): the A/B of that choice.
 */
import { init } from '../ts/index.js';
import { TINY_NETS, tinyCases } from './cases-tiny.js';
import { stepCases, stepRow } from './cases-train.js';
import { IN, mnistLike } from './data.js';
import { _setGemmPath } from '../ts/compile/tune.js';
import { runGroup, type Measured } from './harness.js';
import { ensureInstalled, loadPeers } from './peers.js';
import { execSync } from 'node:child_process';

const quick = process.argv.includes('--quick');
await init();
if (process.argv.includes('--gemm-rule')) {
  _setGemmPath('matmul_via', 100, IN, 40, 0);
  _setGemmPath('matmul_tn_via', IN, 100, 40, 0);
}
const peers = !process.argv.includes('--no-peers') && ensureInstalled(console.log) ? await loadPeers() : { tf: null, tfBackends: [], brain: null, notes: [] };
for (const n of peers.notes) console.log(`bench: ${n}`);
const load = () => execSync('uptime').toString().trim();
console.log(`load before: ${load()}`);
const g = quick ? { timeMs: 300, iterations: 3, warmupMs: 50, warmupIterations: 2, rounds: 1 } : { timeMs: 800, iterations: 5, warmupMs: 150, warmupIterations: 3, rounds: 3 };
const ms: Measured[] = [];
for (const net of TINY_NETS) ms.push(...(await runGroup(tinyCases(net, peers), g)));
ms.push(...(await runGroup(stepCases(40, 100, mnistLike(100, 42), peers, true).filter((c) => c.lib === 'knobs' || c.lib === 'knobs compiled'), g)));
for (const row of [...TINY_NETS.map((n) => n.row), stepRow(40, 100)]) {
  const v = Object.fromEntries(ms.filter((m) => m.row === row).map((m) => [m.lib, (m.work / m.medianMs) * 1000]));
  const r = (a: string, b: string) => (v[a] && v[b] ? `${a}/${b} ${(v[a] / v[b]).toFixed(2)}×` : '');
  console.log(`${row}: ${Object.entries(v).map(([l, x]) => `${l} ${x.toFixed(0)}/s`).join(', ')}`);
  console.log(`   ${[r('knobs compiled', 'knobs'), r('knobs', 'brain.js'), r('knobs compiled', 'brain.js'), r('knobs compiled loop', 'brain.js'), r('knobs compiled', 'tfjs-wasm')].filter(Boolean).join('; ')}`);
  for (const m of ms.filter((m) => m.row === row && m.error)) console.log(`  ${m.lib} error: ${m.error}`);
}
console.log(`load after: ${load()}`);
process.exit(0);
