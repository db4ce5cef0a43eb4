/**
 * Conv on the thread pool: the bench's conv rows and LeNet-5 inference on 1 and 2 threads of one
 * pool (setNumThreads), wall and process CPU time (all threads) per call, interleaved rounds so
 * that a change in the machine's load hits both thread counts alike.
 *   node --import tsx bench/profile-conv-threads.ts [--reps 20] [--rounds 3]
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { conv2d, init, matmul, noGrad, setNumThreads, tensor, tidy } from '../ts/index.js';
import { lenet } from '../examples/mnist-mlp.js';
import { mnistLike, uniform } from './data.js';
import { CONV, convFlops } from './cases-cnn.js';

await init({ threads: 2 });
const arg = (name: string, d: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : d);
const reps = arg('--reps', 20), rounds = arg('--rounds', 3);
const { n, c, o, h, w, k } = CONV;
const x = tensor(uniform(n * c * h * w, 21), [n, c, h, w]);
const wt = tensor(uniform(o * c * k * k, 22, -0.05, 0.05), [o, c, k, k]);
const b = tensor(uniform(o, 23, -0.1, 0.1), [o]);
const xg = tensor(x.data, [n, c, h, w], { requiresGrad: true });
const wg = tensor(wt.data, [o, c, k, k], { requiresGrad: true });
const bg = tensor(b.data, [o], { requiresGrad: true });
const A = tensor(uniform(o * c * 9, 24), [o, c * 9]), Bm = tensor(uniform(c * 9 * n * h * w, 25), [c * 9, n * h * w]);
const net = lenet(1);
net.eval();
const lx = tensor(mnistLike(64, 42).x, [64, 1, 28, 28]);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/**
 * CPU ms of each OS thread of this process (Linux /proc; {} elsewhere): on a loaded machine the
 * wall time says little, but how the CPU time falls on the caller and the pool's worker shows
 * whether the work is shared (spin-waiting counts too, so equal shares are an upper bound).
 */
function threadCpu(): Record<string, number> {
  const dir = '/proc/self/task';
  if (!existsSync(dir)) return {};
  const tick = 10; // ms per clock tick (USER_HZ = 100 on Linux)
  const out: Record<string, number> = {};
  for (const tid of readdirSync(dir)) {
    try {
      const f = readFileSync(`${dir}/${tid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out[tid] = (Number(rest[11]) + Number(rest[12])) * tick;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}
const cases: [string, number, () => void][] = [
  ['conv fwd', convFlops, () => tidy(() => void conv2d(x, wt, b, { padding: 'same' }).data[0])],
  [
    'conv fwd+bwd',
    3 * convFlops,
    () =>
      tidy(() => {
        conv2d(xg, wg, bg, { padding: 'same' }).sum().backward();
        for (const t of [xg, wg, bg]) {
          t.grad?.dispose();
          t.grad = null;
        }
      }),
  ],
  ["gemm (conv's)", convFlops, () => tidy(() => void matmul(A, Bm).data[0])],
  ['lenet infer b64', 0, () => tidy(() => noGrad(() => void net.forward(lx).data[0]))],
];
for (let r = 0; r < rounds; r++) {
  for (const [name, flops, fn] of cases) {
    const line: string[] = [];
    const wall: number[] = [];
    for (const t of [1, 2]) {
      setNumThreads(t);
      for (let i = 0; i < 3; i++) fn();
      const c0 = cpu(), w0 = performance.now(), t0 = threadCpu();
      const reps_ = flops ? reps : reps * 10;
      for (let i = 0; i < reps_; i++) fn();
      const ms = (performance.now() - w0) / reps_, cms = (cpu() - c0) / reps_;
      const t1 = threadCpu();
      // The two busiest threads' CPU per call: the caller and the worker (the rest is V8's own).
      const busy = Object.keys(t1).map((id) => (t1[id] - (t0[id] ?? 0)) / reps_).sort((a, b) => b - a).slice(0, 2);
      wall.push(ms);
      line.push(`${t}T ${ms.toFixed(2)} ms (cpu ${cms.toFixed(2)}; busiest threads ${busy.map((v) => v.toFixed(1)).join(' + ')})${flops ? ` ${(flops / ms / 1e6).toFixed(1)} GFLOP/s` : ` ${((64 / ms) * 1000).toFixed(0)}/s`}`);
    }
    console.log(`${name.padEnd(16)} ${line.join('  |  ')}  speed-up ${(wall[0] / wall[1]).toFixed(2)}×`);
  }
}
process.exit(0);
