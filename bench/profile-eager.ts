/**
 * Where an eager tiny-net step spends its time (issue 16): wasm calls and tensors per step, and
 * CPU time per phase — forward, loss, zeroGrad, backward (topological sort included), optimizer
 * step, and tidy's own bookkeeping (the step in tidy minus its phases). Phases are timed inside
 * the step with performance.now(); the cost of the timer itself, measured on empty phases, is
 * subtracted. Under load compare the CPU-time total, not the wall time.
 *
 *   node --import tsx bench/profile-eager.ts [--steps 200000] [--net xor|street1|street4]
 */
import { execSync } from 'node:child_process';
import { _swapKernels, type Kernels } from '../ts/backend/wasm.js';
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

const PHASES = ['forward', 'loss', 'zeroGrad', 'backward', 'step', 'tidy'] as const;
const acc = new Float64Array(PHASES.length);
const timed = (k: number) => {
  const t0 = performance.now();
  let t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
  const tIn = tidy(() => {
    const tStart = performance.now();
    const h = model.forward(xs[k]);
    t1 = performance.now();
    const l = loss.forward(h, ys[k]);
    t2 = performance.now();
    opt.zeroGrad();
    t3 = performance.now();
    l.backward();
    t4 = performance.now();
    opt.step();
    t5 = performance.now();
    return tStart;
  });
  const tEnd = performance.now();
  acc[0] += t1 - tIn;
  acc[1] += t2 - t1;
  acc[2] += t3 - t2;
  acc[3] += t4 - t3;
  acc[4] += t5 - t4;
  acc[5] += tIn - t0 + (tEnd - t5);
};
// The timer's own cost per phase: the same seven reads around nothing.
const empty = () => {
  const t0 = performance.now();
  const tIn = tidy(() => performance.now());
  const t1 = performance.now(), t2 = performance.now(), t3 = performance.now(), t4 = performance.now(), t5 = performance.now();
  return t5 - t4 + (t4 - t3) + (t3 - t2) + (t2 - t1) + (t1 - tIn) + (tIn - t0);
};

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let i = 0; i < 20_000; i++) plain(i % xs.length);

// Counts: wasm calls through a counting table, tensors by the ids handed out.
const calls = new Map<string, number>();
const real = _swapKernels(null as unknown as Kernels);
_swapKernels(
  new Proxy(Object.create(real) as Kernels, {
    get(_t, key) {
      const f = (real as unknown as Record<string | symbol, unknown>)[key];
      if (typeof f !== 'function' || typeof key !== 'string') return f;
      return (...a: unknown[]) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (f as (...a: unknown[]) => unknown)(...a);
      };
    },
  }),
);
const id0 = tensor([0]);
const N0 = 100;
for (let i = 0; i < N0; i++) plain(i % xs.length);
const id1 = tensor([0]);
_swapKernels(real);
const perStep = [...calls].map(([k, v]) => `${k} ${v / N0}`).join(', ');
console.log(`${net.row}: ${[...calls.values()].reduce((a, b) => a + b, 0) / N0} wasm calls per step (${perStep}); ${(id1.id - id0.id - 1) / N0} tensors made per step`);
id0.dispose();
id1.dispose();

console.log(`load: ${execSync('uptime').toString().trim()}`);
let c0 = cpuUs(), w0 = performance.now();
for (let i = 0; i < steps; i++) plain(i % xs.length);
const cpuPlain = (cpuUs() - c0) / steps, wallPlain = ((performance.now() - w0) * 1000) / steps;
console.log(`step (untimed): ${cpuPlain.toFixed(3)} µs CPU, ${wallPlain.toFixed(3)} µs wall`);

let timer = 0;
for (let i = 0; i < steps; i++) timer += empty();
timer = ((timer / steps) * 1000) / PHASES.length;
c0 = cpuUs();
w0 = performance.now();
for (let i = 0; i < steps; i++) timed(i % xs.length);
const cpuTimed = (cpuUs() - c0) / steps;
const wallTimed = ((performance.now() - w0) * 1000) / steps;
// Scale wall-clock phases to CPU time: the share of each phase in the timed step's wall time.
const phaseWall = [...acc].map((a) => Math.max(0, (a * 1000) / steps - timer));
const sum = phaseWall.reduce((a, b) => a + b, 0);
for (let i = 0; i < PHASES.length; i++) {
  console.log(`  ${PHASES[i].padEnd(9)} ${phaseWall[i].toFixed(3)} µs wall  ≈ ${((phaseWall[i] / sum) * cpuPlain).toFixed(3)} µs CPU (${((phaseWall[i] / sum) * 100).toFixed(0)}%)`);
}
console.log(`  (timer ${timer.toFixed(3)} µs per phase subtracted; timed step ${cpuTimed.toFixed(3)} µs CPU, ${wallTimed.toFixed(3)} µs wall)`);
console.log(`load: ${execSync('uptime').toString().trim()}`);
process.exit(0);
