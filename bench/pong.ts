/**
 * Pong policy-gradient training speed (issue 15): frames per second of knobs' rl.Reinforce, of
 * the same learner on TensorFlow.js 4.22's wasm backend (bench/cases-pong.ts), and of numpy (read
 * from test/fixtures/pong-numpy-reference.json, written by scripts/pong-numpy-reference.py on the
 * same machine), side by side. Frames per CPU second is the figure to compare on a shared machine
 * (wall time also counts other processes); both are printed, with the load average.
 *
 * knobs feeds the pixels' first layer their nonzeros (Reinforce's sparseInput); numpy and tfjs
 * stay dense, as pg-pong is.
 *
 *   node --import tsx bench/pong.ts [--quick] [--only=pixels|state]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { init } from '../ts/index.js';
import { knobsPongTrainer, pongRow, tfPongTrainer, type PongObservation, type PongTrainer } from './cases-pong.js';
import { ensureInstalled, loadPeers } from './peers.js';

const quick = process.argv.includes('--quick');
await init({ threads: 1 });
const peers = ensureInstalled(console.log) ? await loadPeers() : { tf: null, tfBackends: [] as string[], notes: ['peers not installed'] };
for (const n of peers.notes) console.log(`bench: ${n}`);
const tfWasm = peers.tf && peers.tfBackends.includes('wasm') ? peers.tf : null;

interface Timed {
  frames: number;
  wallS: number;
  cpuS: number;
}

/** One warm-up update, then updates until both `minUpdates` and `minCpuS` are reached. */
function time(t: PongTrainer, minUpdates: number, minCpuS: number): Timed {
  t.update();
  const w0 = performance.now(), c0 = process.cpuUsage();
  let frames = 0, updates = 0, cpuS = 0, checked = w0;
  while (updates < minUpdates || cpuS < minCpuS) {
    frames += t.update();
    updates++;
    // process.cpuUsage() is a system call: at most every 50 ms of wall time (and once minUpdates are done).
    const now = performance.now();
    if (now - checked >= 50 || updates === minUpdates) {
      checked = now;
      const c = process.cpuUsage(c0);
      cpuS = (c.user + c.system) / 1e6;
    }
  }
  const c = process.cpuUsage(c0);
  cpuS = (c.user + c.system) / 1e6;
  t.dispose();
  return { frames, wallS: (performance.now() - w0) / 1000, cpuS };
}

interface NumpyRow {
  observation: PongObservation;
  envs: number;
  framesPerSecondWall: number;
  framesPerCpuSecond: number;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'pong-numpy-reference.json'), 'utf8')) as { speed: NumpyRow[]; loadAverageBefore: number[]; numpy: string };

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const configs = ([['pixels', 1], ['pixels', 10], ['state', 1], ['state', 10]] as [PongObservation, number][]).filter(([o]) => !only || o === only);
const fmt = (x: number) => Math.round(x).toLocaleString('en').padStart(8);
console.log(`bench pong: load average before ${loadavg().map((v) => v.toFixed(1)).join(' ')}; numpy ${fixture.numpy} figures from the fixture (load then ${fixture.loadAverageBefore.join(' ')})`);
console.log(`${'row'.padEnd(26)} ${'lib'.padEnd(10)} frames/CPU-s  frames/s wall   knobs ×`);
for (const [obs, envs] of configs) {
  const row = pongRow(obs, envs);
  const minUpdates = quick ? 1 : envs === 1 ? 10 : 3;
  const minCpu = quick ? 0 : 3;
  const k = time(knobsPongTrainer(obs, envs), minUpdates, minCpu);
  const kRate = k.frames / k.cpuS;
  console.log(`${row.padEnd(26)} ${'knobs'.padEnd(10)} ${fmt(kRate)}      ${fmt(k.frames / k.wallS)}`);
  if (tfWasm) {
    await tfWasm.setBackend('wasm');
    const t = time(tfPongTrainer(tfWasm, obs, envs), minUpdates, minCpu);
    const r = t.frames / t.cpuS;
    console.log(`${row.padEnd(26)} ${'tfjs-wasm'.padEnd(10)} ${fmt(r)}      ${fmt(t.frames / t.wallS)}   ${(kRate / r).toFixed(1)}×`);
  }
  const np = fixture.speed.find((s) => s.observation === obs && s.envs === envs);
  if (np) console.log(`${row.padEnd(26)} ${'numpy'.padEnd(10)} ${fmt(np.framesPerCpuSecond)}      ${fmt(np.framesPerSecondWall)}   ${(kRate / np.framesPerCpuSecond).toFixed(1)}×`);
}
console.log(`bench pong: load average after ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
process.exit(0);
