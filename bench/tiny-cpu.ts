/**
 * The tiny-network cases of the suite (bench/cases-tiny.ts) timed in process CPU time rather
 * than wall time, the libraries interleaved round by round: on a machine shared with other jobs
 * CPU time is the steadier figure. Prints the median ns per iteration of each case and the
 * ratios to brain.js.
 *
 *   node --import tsx bench/tiny-cpu.ts [--rounds 5] [--iterations 200000] [--libs 'knobs compiled,knobs compiled loop,brain.js']
 */
import { execSync } from 'node:child_process';
import { init } from '../ts/index.js';
import { TINY_NETS, tinyCases } from './cases-tiny.js';
import { loadPeers } from './peers.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const rounds = Number(arg('--rounds', '5'));
const iterations = Number(arg('--iterations', '200000'));
const libs = arg('--libs', 'knobs compiled,knobs compiled loop,brain.js').split(',');
await init();
const peers = await loadPeers();
console.log(`load before: ${execSync('uptime').toString().trim()}`);
for (const net of TINY_NETS) {
  const cases = tinyCases(net, { ...peers, tfBackends: [] }).filter((c) => libs.includes(c.lib));
  for (const c of cases) c.setup?.();
  const ns: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const calls = Math.max(1, Math.round(iterations / c.work));
      const t0 = process.cpuUsage();
      for (let i = 0; i < calls; i++) c.fn();
      const t = process.cpuUsage(t0);
      (ns[c.lib] ??= []).push(((t.user + t.system) * 1000) / (calls * c.work));
    }
  }
  for (const c of cases) c.teardown?.();
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const brain = ns['brain.js'] ? med(ns['brain.js']) : undefined;
  console.log(net.row);
  for (const [lib, v] of Object.entries(ns)) {
    console.log(`  ${lib}: ${med(v).toFixed(0)} ns/iteration [${v.map((x) => x.toFixed(0)).join(', ')}]${brain && lib !== 'brain.js' ? `, brain.js / this ${(brain / med(v)).toFixed(2)}×` : ''}`);
  }
}
console.log(`load after: ${execSync('uptime').toString().trim()}`);
process.exit(0);
