/**
 * Where an eager tiny-net step spends its time (issue 16): wasm calls and tensors per step, and
 * CPU time per phase — tidy's own cost, forward, loss, zeroGrad, backward (topological sort
 * included), optimizer step — measured by ablation (see below). Under load compare CPU times.
 *
 *   node --import tsx bench/profile-eager.ts [--steps 200000] [--net xor|street1|street4]
 */
import { execSync } from 'node:child_process';
import { countKernelCalls } from '../ts/backend/count-kernels.js';
import { init, tensor, tidy, type Tensor } from '../ts/index.js';
import { knobsTiny, STREET1, STREET4, XOR, type TinyNet } from './cases-tiny.js';

await init({ threads: 1 });
const arg = (name: string, d: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : d);
const steps = Number(arg('--steps', '200000'));
const net: TinyNet = { xor: XOR, street1: STREET1, street4: STREET4 }[arg('--net', 'xor')] ?? XOR;
const { model, opt, loss } = knobsTiny(net);
const xs: Tensor[] = [], ys: Tensor[] = [];
for (let r = 0; r < net.x.length; r += net.batch) {
  xs.push(tensor(net.x.slice(r, r + net.batch)));
  ys.push(tensor(net.y.slice(r, r + net.batch)));
}
const plain = (k: number) =>
  tidy(() => {
    const l = loss.forward(model.forward(xs[k]), ys[k]);
    opt.zeroGrad();
    l.backward();
    opt.step();
  });

// Phases by ablation: the step cut after each phase, each variant timed in CPU time; a phase
// costs the difference between consecutive variants. (Timers inside a microsecond step would
// cost as much as a phase, and wall time on a loaded machine says more about the load.)
const variants: [string, (k: number) => void][] = [
  ['tidy', () => tidy(() => undefined)],
  ['forward', (k) => tidy(() => void model.forward(xs[k]))],
  ['loss', (k) => tidy(() => void loss.forward(model.forward(xs[k]), ys[k]))],
  ['zeroGrad', (k) => tidy(() => {
    loss.forward(model.forward(xs[k]), ys[k]);
    opt.zeroGrad();
  })],
  ['backward', (k) => tidy(() => {
    const l = loss.forward(model.forward(xs[k]), ys[k]);
    opt.zeroGrad();
    l.backward();
  })],
  ['step', plain],
];
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let i = 0; i < 20_000; i++) plain(i % xs.length);

// Counts: wasm calls through a counting table (only counting: the fused paths, e.g. the foreach
// optimizer step, stay on as in an untraced step), tensors by the ids handed out.
const N0 = 100;
const { result: [id0, id1], calls } = countKernelCalls(() => {
  const a = tensor([0]);
  for (let i = 0; i < N0; i++) plain(i % xs.length);
  return [a, tensor([0])];
}, false);
const perStep = [...calls].map(([k, v]) => `${k} ${v / N0}`).join(', ');
console.log(`${net.row}: ${[...calls.values()].reduce((a, b) => a + b, 0) / N0} wasm calls per step (${perStep}); ${(id1.id - id0.id - 1) / N0} tensors made per step`);
id0.dispose();
id1.dispose();

console.log(`load: ${execSync('uptime').toString().trim()}`);
let c0 = cpuUs(), w0 = performance.now();
for (let i = 0; i < steps; i++) plain(i % xs.length);
const cpuPlain = (cpuUs() - c0) / steps, wallPlain = ((performance.now() - w0) * 1000) / steps;
console.log(`step (untimed): ${cpuPlain.toFixed(3)} µs CPU, ${wallPlain.toFixed(3)} µs wall`);

// Rounds alternate the variants, and each keeps its best round: load from other processes
// lands on all of them alike, and the least disturbed round is the closest to the true cost.
const best = variants.map(() => Infinity);
const per = Math.max(1000, Math.floor(steps / 5));
for (let round = 0; round < 5; round++) {
  variants.forEach(([, fn], v) => {
    const c = cpuUs();
    for (let i = 0; i < per; i++) fn(i % xs.length);
    best[v] = Math.min(best[v], (cpuUs() - c) / per);
  });
}
let prev = 0;
variants.forEach(([name], v) => {
  const phase = name === 'tidy' ? best[v] : best[v] - prev;
  console.log(`  ${name.padEnd(9)} ${phase.toFixed(3)} µs CPU${name === 'tidy' ? ' (an empty tidy)' : ''}`);
  prev = best[v];
});
console.log(`  = the whole step, best round: ${best[best.length - 1].toFixed(3)} µs CPU`);
console.log(`load: ${execSync('uptime').toString().trim()}`);
process.exit(0);
