/**
 * The eager-overhead rows alone (the full suite runs them too): µs per small op and per XOR step.
 *
 *   node --import tsx bench/overhead.ts [--quick]
 */
import { execSync } from 'node:child_process';
import { init } from '../ts/index.js';
import { overheadCases } from './cases-overhead.js';
import { runGroup } from './harness.js';

const quick = process.argv.includes('--quick');
await init({ threads: 1 });
const load = () => execSync('uptime').toString().trim();
console.log(`load before: ${load()}`);
const g = quick ? { timeMs: 150, iterations: 3, warmupMs: 30, warmupIterations: 2, rounds: 1 } : { timeMs: 600, iterations: 5, warmupMs: 150, warmupIterations: 3, rounds: 3 };
for (const m of await runGroup(overheadCases(quick), g)) {
  console.log(`${m.row.padEnd(30)} ${((m.medianMs * 1000) / m.work).toFixed(3).padStart(8)} µs  (${m.samples} samples)${m.error ? `  ERROR ${m.error}` : ''}`);
}
console.log(`load after: ${load()}`);
process.exit(0);
