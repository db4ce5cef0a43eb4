// Scratch probe for the matmul kernel: GFLOP/s of wasm builds on square and training shapes.
// Not a benchmark of record (peer comparisons live in bench/); it guides kernel work.
//
//   node bench/gemm-probe.mjs                 both builds in wasm-pkg/ (simd128, relaxed)
//   node bench/gemm-probe.mjs --quick         fewer shapes
//   node bench/gemm-probe.mjs --cpu-time      time by this process's CPU time, not the wall clock:
//                                             on a machine loaded past its cores, waiting for a
//                                             core then does not count (one thread, so CPU = work)
//   node bench/gemm-probe.mjs A=dir1/x.wasm B=dir2/y.wasm    A/B any builds (glue from each dir)
//   node bench/gemm-probe.mjs --packing       the SIMD128 build twice, A packed pre-broadcast vs
//                                             plain (init's `gemm` option, `gemm_packing`)
//
// Builds are measured in alternation, shape by shape, so that load from other processes on
// this shared machine hits them alike; each number is the fastest of several samples.
import v8 from 'node:v8';
import { readFileSync, existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

// Node 20 only validates relaxed-SIMD modules with this flag; it must be set before compiling.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const cpuTime = args.includes('--cpu-time');
/** Milliseconds: wall clock, or this process's user + system CPU time (resolution 1 µs). */
const now = cpuTime ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
const pkg = new URL('../wasm-pkg/', import.meta.url).pathname;
let specs = args.filter((a) => a.includes('=')).map((a) => {
  const [label, file] = a.split('=');
  return { label, file: path.resolve(file) };
});
if (args.includes('--packing'))
  specs = [
    { label: 'pre', file: path.join(pkg, 'knobs_core_bg.wasm'), packing: 1 },
    { label: 'plain', file: path.join(pkg, 'knobs_core_bg.wasm'), packing: 2 },
  ];
if (specs.length === 0)
  specs = [
    { label: 'simd128', file: path.join(pkg, 'knobs_core_bg.wasm') },
    { label: 'relaxed', file: path.join(pkg, 'knobs_core_relaxed_bg.wasm') },
  ].filter((s) => existsSync(s.file));

const square = quick ? [64, 256, 1024] : [64, 96, 128, 192, 256, 384, 512, 768, 1024];
// [label, op, m, k, n]: the MLP of the book's MNIST chapter (784-40-10, batch 100) and its backward pass.
const shapes = [];
for (const n of square)
  for (const op of ['matmul', 'matmul_nt', 'matmul_tn'])
    if (op === 'matmul' || !quick || n === 256) shapes.push([`${op.padEnd(9)} n=${n}`, op, n, n, n]);
shapes.push(
  ['X·W1     100x784·784x40', 'matmul', 100, 784, 40],
  ['h·W2     100x40·40x10', 'matmul', 100, 40, 10],
  ['dO·W2ᵀ   100x10·(40x10)ᵀ', 'matmul_nt', 100, 10, 40],
  ['dh·W1ᵀ   100x40·(784x40)ᵀ', 'matmul_nt', 100, 40, 784],
  ['hᵀ·dO    (100x40)ᵀ·100x10', 'matmul_tn', 40, 100, 10],
  ['Xᵀ·dh    (100x784)ᵀ·100x40', 'matmul_tn', 784, 100, 40],
  ['tiny     1x1·1x1', 'matmul', 1, 1, 1],
  ['small    8x8·8x8', 'matmul', 8, 8, 8],
  ['small    17x33·33x9', 'matmul', 17, 33, 9],
);

const builds = [];
for (const { label, file, packing } of specs) {
  // A distinct URL gives a distinct module instance of the glue, so builds live side by side.
  const glueUrl = pathToFileURL(path.join(path.dirname(file), 'knobs_core.js')).href + '?build=' + label;
  const glue = await import(glueUrl);
  const { memory } = glue.initSync({ module: readFileSync(file) });
  if (packing) glue.gemm_packing(packing);
  builds.push({ label, glue, memory });
}

function calibrate(fn) {
  // Long enough for V8 to tier the kernel up from Liftoff to TurboFan, then ~10 ms per sample.
  const t0 = now();
  while (now() - t0 < 100) fn();
  let reps = 1;
  for (;;) {
    const s = now();
    for (let i = 0; i < reps; i++) fn();
    if (now() - s > 10) return reps;
    reps *= 2;
  }
}

console.log('shape'.padEnd(30) + builds.map((b) => `${b.label} GFLOP/s`.padStart(20) + 'µs'.padStart(10)).join(''));
for (const [label, op, m, k, n] of shapes) {
  const runs = builds.map(({ glue, memory }) => {
    const alloc = (len) => {
      const p = glue.alloc_f32(len);
      const v = new Float32Array(memory.buffer, p, len);
      for (let i = 0; i < len; i++) v[i] = Math.random() * 2 - 1;
      return p;
    };
    const [a, b, c] = [alloc(m * k), alloc(k * n), alloc(m * n)];
    const fn = () => glue[op](a, b, c, m, k, n, false);
    return { fn, reps: calibrate(fn), best: Infinity, free: () => [[a, m * k], [b, k * n], [c, m * n]].forEach(([p, l]) => glue.free_f32(p, l)) };
  });
  for (let round = 0; round < (quick ? 8 : 12); round++)
    for (const r of runs) {
      const t = now();
      for (let i = 0; i < r.reps; i++) r.fn();
      r.best = Math.min(r.best, (now() - t) / r.reps);
    }
  let line = label.padEnd(30);
  for (const r of runs) {
    line += ((2 * m * k * n) / (r.best * 1e6)).toFixed(2).padStart(20) + (r.best * 1e3).toFixed(2).padStart(10);
    r.free();
  }
  console.log(line);
}
