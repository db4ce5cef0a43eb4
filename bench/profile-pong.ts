/**
 * bench/pong.ts's knobs trainer (state observation, `--envs` games per update) taken apart phase
 * by phase: acting (the policy's forward and sampling, once per step for the games in play), the
 * environment's steps, the update (its backward and optimizer step inside it), and what is left of
 * trainEpisodes (bookkeeping). Phases are wall time (performance.now: a process.cpuUsage system
 * call per environment step would cost more than the step); the total is also given in CPU time,
 * with the load average, so the shares can be read against a loaded machine.
 *
 * With --kernels, the update's kernel calls alone at the shapes of one update (P = 2048 padded
 * rows), in CPU time: what the update costs above them is JS and autograd overhead.
 *
 *   node --import tsx bench/profile-pong.ts [--envs 10] [--updates 200] [--kernels]
 */
import { loadavg } from 'node:os';
import { empty, init } from '../ts/index.js';
import { K } from '../ts/backend/wasm.js';
import { denseActivationCode } from '../ts/backend/codes.js';
import { Tensor } from '../ts/tensor.js';
import { Pong, Reinforce } from '../ts/rl/index.js';
import { PONG_STEPS } from './cases-pong.js';

const arg = (name: string, d: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : d);
const envs = Number(arg('--envs', '10'));
const updates = Number(arg('--updates', '200'));
await init({ threads: 1 });

const phases: Record<string, number> = {};
/** Replaces obj[name] by a wrapper adding its wall time to phases[label]. */
function timed(obj: object, name: string, label: string): void {
  const o = obj as Record<string, (...a: unknown[]) => unknown>;
  const f = o[name].bind(obj);
  o[name] = (...a: unknown[]) => {
    const t0 = performance.now();
    try {
      return f(...a);
    } finally {
      phases[label] = (phases[label] ?? 0) + performance.now() - t0;
    }
  };
}

const games = Array.from({ length: envs }, () => new Pong({ seed: 1, observation: 'state', maxSteps: PONG_STEPS, pointsToWin: 1000 }));
const agent = new Reinforce(8, 3, { lr: 1e-3, seed: 1 });
for (const g of games) timed(g, 'step', 'environment');
// Private methods, wrapped by name: this script looks inside the trainer on purpose.
timed(agent, 'actAndKeep', 'acting');
timed(agent, 'learn', 'update');
timed(agent.optimizer, 'step', '  of which optimizer step');
const backward = Tensor.prototype.backward;
Tensor.prototype.backward = function (this: Tensor, ...a: Parameters<Tensor['backward']>) {
  const t0 = performance.now();
  try {
    return backward.apply(this, a);
  } finally {
    phases['  of which backward'] = (phases['  of which backward'] ?? 0) + performance.now() - t0;
  }
};
let episode = 0;
const play = () => agent.trainEpisodes(games, games.map(() => episode++)).reduce((a, s) => a + s.steps, 0);
for (let i = 0; i < 5; i++) play();
for (const k of Object.keys(phases)) delete phases[k];
const c0 = process.cpuUsage(), w0 = performance.now();
let frames = 0;
for (let i = 0; i < updates; i++) frames += play();
const wall = performance.now() - w0;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1000;
console.log(`profile pong: state, ${envs} games per update, ${updates} updates, load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
console.log(`${frames} frames: ${Math.round(frames / (cpu / 1000))} frames per CPU second; ${(cpu / updates).toFixed(3)} ms CPU and ${(wall / updates).toFixed(3)} ms wall per update`);
const update = phases.update ?? 0;
phases['rest of trainEpisodes'] = wall - (phases.acting ?? 0) - (phases.environment ?? 0) - update;
phases['  of which forward, losses, rest'] = update - (phases['  of which backward'] ?? 0) - (phases['  of which optimizer step'] ?? 0);
for (const name of ['acting', 'environment', 'update', '  of which backward', '  of which optimizer step', '  of which forward, losses, rest', 'rest of trainEpisodes']) {
  const v = phases[name] ?? 0;
  console.log(`${name.padEnd(34)} ${(v / updates).toFixed(3).padStart(7)} ms wall per update ${((100 * v) / wall).toFixed(1).padStart(5)}%`);
}
agent.dispose();

if (process.argv.includes('--kernels')) {
  const k = K();
  const P = 2048, d = 8, H = 200, A = 3;
  let seed = 1;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  // Random signs, half the hidden layer zero as after a relu: branches on them are unpredictable, as in training.
  const buf = (n: number, relu = false) => {
    const t = empty([n]);
    for (let i = 0; i < n; i++) t.data[i] = relu ? Math.max(0, rnd()) : rnd();
    return t;
  };
  const [x, w1, b1, h, gh, gz, gw1, gb1] = [buf(P * d), buf(d * H), buf(H), buf(P * H, true), buf(P * H), buf(P * H), buf(d * H), buf(H)];
  const [w2, b2, y, gy, gz2, gw2, gb2] = [buf(H * A), buf(A), buf(P * A), buf(P * A), buf(P * A), buf(H * A), buf(A)];
  const [relu, none] = [denseActivationCode('relu')!, denseActivationCode('none')!];
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const time = (name: string, macs: number, fn: () => void, n: number) => {
    for (let r = 0; r < 5; r++) fn();
    const t0 = cpuMs();
    for (let r = 0; r < n; r++) fn();
    const ms = (cpuMs() - t0) / n;
    console.log(`${name.padEnd(44)} ${(ms * 1000).toFixed(1).padStart(8)} µs CPU ${macs ? `${((2 * macs) / ms / 1e6).toFixed(1)} GFLOP/s` : ''}`);
  };
  console.log(`kernels of one update (${P} rows) and of one acting step (${envs} rows), CPU time:`);
  time('layer 1 backward (relu, dW1 = xᵀ·dZ, db1)', P * d * H, () => k.dense_backward(x.ptr, w1.ptr, h.ptr, gh.ptr, gz.ptr, 0, gw1.ptr, gb1.ptr, P, d, H, relu, false, true, true, false), 100);
  time('  relu_backward alone', 0, () => k.relu_backward(h.ptr, gh.ptr, gz.ptr, P * H), 100);
  time('layer 2 forward (h·W2 + b2)', P * H * A, () => k.dense_forward(h.ptr, w2.ptr, b2.ptr, true, y.ptr, P, H, A, none), 100);
  time('layer 2 backward (dH, dW2, db2)', 2 * P * H * A, () => k.dense_backward(h.ptr, w2.ptr, y.ptr, gy.ptr, gz2.ptr, gh.ptr, gw2.ptr, gb2.ptr, P, H, A, none, true, true, true, false), 100);
  time(`acting: layer 1 (${envs}×${d}·${d}×${H}, relu)`, envs * d * H, () => k.dense_forward(x.ptr, w1.ptr, b1.ptr, true, h.ptr, envs, d, H, relu), 5000);
  time(`acting: layer 2 (${envs}×${H}·${H}×${A})`, envs * H * A, () => k.dense_forward(h.ptr, w2.ptr, b2.ptr, true, y.ptr, envs, H, A, none), 5000);
}
process.exit(0);
