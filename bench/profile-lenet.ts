/**
 * LeNet-5 inference (batch 64, eval, no grad) op by op, and the whole forward beside tfjs-wasm's,
 * in CPU time (process.cpuUsage) as well as wall time: on a machine shared with other jobs the
 * CPU time of a one-thread run is what moves with a change, the wall time also with the load.
 *   node --import tsx bench/profile-lenet.ts [--reps 200] [--no-tf] [--gemm auto|pre|plain]
 */
import { gemmPacking, init, nn, noGrad, tensor, tidy, type Tensor } from '../ts/index.js';
import { gemmArg } from './gemm-arg.js';
import { lenet } from '../examples/mnist-mlp.js';
import { mnistLike } from './data.js';
import { loadPeers } from './peers.js';
import { tfForward, tfWeights } from './cases-cnn.js';

await init({ threads: 1, gemm: gemmArg() });
console.log(`gemm packing: ${gemmPacking()}`);
const arg = (name: string, d: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : d);
const reps = arg('--reps', 200);
const B = 64;
const m = lenet(1);
m.eval();
const d = mnistLike(B, 42);
const x = tensor(d.x, [B, 1, 28, 28]);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function time(fn: () => void): { cpu: number; wall: number } {
  for (let r = 0; r < 10; r++) fn();
  const c0 = cpu(), w0 = performance.now();
  for (let r = 0; r < reps; r++) fn();
  return { cpu: (cpu() - c0) / reps, wall: (performance.now() - w0) / reps };
}
const layers = m.layers;
for (let i = 0; i < layers.length; i++) {
  // The input of layer i, computed once; then layer i alone.
  const h = noGrad(() => layers.slice(0, i).reduce((a: Tensor, l) => l.forward(a), x));
  const t = time(() => tidy(() => noGrad(() => void layers[i].forward(h).data[0])));
  console.log(`${String(i).padStart(2)} ${layers[i].constructor.name.padEnd(10)} cpu ${t.cpu.toFixed(3)} ms  wall ${t.wall.toFixed(3)} ms`);
  if (h !== x) h.dispose();
}
// Each Conv2d + ReLU + 2×2 max pool: as Sequential runs it (one fused kernel) and as two calls
// (conv + ReLU fused, then the pool), alternating so that both see the same load.
for (const i of [0, 3]) {
  const conv = layers[i] as nn.Conv2d, pool = layers[i + 2];
  const h = noGrad(() => layers.slice(0, i).reduce((a: Tensor, l) => l.forward(a), x));
  const apart = { cpu: 0, wall: 0 }, fused = { cpu: 0, wall: 0 };
  for (let round = 0; round < 5; round++) {
    for (const [acc, fn] of [[apart, () => pool.forward(conv.forwardWith(h, 'relu'))], [fused, () => conv.forwardPooled(h, 'relu')!]] as const) {
      const t = time(() => tidy(() => noGrad(() => void fn().data[0])));
      acc.cpu += t.cpu / 5;
      acc.wall += t.wall / 5;
    }
  }
  console.log(`${String(i).padStart(2)} conv+relu+pool apart cpu ${apart.cpu.toFixed(3)} ms  fused cpu ${fused.cpu.toFixed(3)} ms  (wall ${apart.wall.toFixed(3)} → ${fused.wall.toFixed(3)})`);
  if (h !== x) h.dispose();
}
const k = time(() => tidy(() => noGrad(() => void m.forward(x).data[0])));
console.log(`knobs Sequential forward (fused conv+relu+pool): cpu ${k.cpu.toFixed(3)} ms  wall ${k.wall.toFixed(3)} ms = ${((B / k.cpu) * 1000).toFixed(0)} samples/s of CPU`);
if (!process.argv.includes('--no-tf')) {
  const { tf } = await loadPeers();
  await tf.setBackend('wasm');
  const v = tfWeights(tf);
  const tx = tf.tensor4d(d.x, [B, 28, 28, 1]);
  const t = time(() => tf.tidy(() => tfForward(tf, v, tx).dataSync()[0]));
  console.log(`tfjs-wasm forward: cpu ${t.cpu.toFixed(3)} ms  wall ${t.wall.toFixed(3)} ms   knobs/tfjs-wasm (cpu) ${(t.cpu / k.cpu).toFixed(2)}×  (wall) ${(t.wall / k.wall).toFixed(2)}×`);
}
process.exit(0);
