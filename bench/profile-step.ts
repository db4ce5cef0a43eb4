/**
 * Where one compiled step spends its time (issue 16): the whole `step(x, y)`, the `program_run`
 * wasm call alone (same program, same arena), a header-only program (the cost of the call
 * itself), and each op alone as a one-op program. CPU time per call (process.cpuUsage), best of
 * 5 rounds; the load average is printed beside it. An eager step of a twin model is timed too,
 * and the compiled step on tensors from `inputs()` (no copy of the batch). The tiny nets of bench/cases-tiny.ts, and
 * with --mlp the ch.8 MLP 784-40-10 at batch 100 (CrossEntropyLoss, SGD) as well.
 *
 *   node --import tsx bench/profile-step.ts [--mlp | --mlp-only] [--gemm-rule] [--gemm auto|pre|plain]
 *
 * --gemm-rule: the MLP's dense products on gemm's own path rule instead of the path that
 * compile-time timing picks (ts/compile/tune.ts) — the A/B of that choice.
 */
import { execSync } from 'node:child_process';
import { K, heap } from '../ts/backend/wasm.js';
import { compileStep, empty, gemmPacking, init, nn, tensor, tidy, type Tensor } from '../ts/index.js';
import { gemmArg } from './gemm-arg.js';
import type { Optimizer } from '../ts/optim/optimizer.js';
import type { StepLoss } from '../ts/compile/step.js';
import { HEADER, KERNELS, MAGIC, NONE, VERSION } from '../ts/compile/kernels.js';
import { TINY_NETS, knobsTiny } from './cases-tiny.js';
import { knobsMlp, knobsStep } from './cases-train.js';
import { CLASSES, IN, mnistLike } from './data.js';
import { _setGemmPath } from '../ts/compile/tune.js';

await init({ gemm: gemmArg() });
const NAMES: Record<number, string> = Object.fromEntries(Object.entries(KERNELS).map(([k, v]) => [v.code, k]));
/** Words after the opcode (program.rs `arity`), from the encoders' output on dummy arguments. */
const ARITY: Record<number, number> = Object.fromEntries(Object.values(KERNELS).map((v) => [v.code, v.encode(new Array(20).fill(1), () => 0).length]));
ARITY[0] = 3;

/** Best-of-5 CPU nanoseconds per call of `fn(n)`'s n calls. */
function cpuPer(fn: (n: number) => void, n: number): number {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = process.cpuUsage();
    fn(n);
    const d = process.cpuUsage(t0);
    best = Math.min(best, ((d.user + d.system) / n) * 1000);
  }
  return best;
}

/** `eager` is one eager step of a twin model (same data), timed for comparison. */
function profile(row: string, model: nn.Module, loss: StepLoss, opt: Optimizer, x: Tensor, y: Tensor, N: number, eager: () => void): void {
  for (let i = 0; i < 3; i++) eager();
  const eagerNs = cpuPer((k) => {
    for (let i = 0; i < k; i++) eager();
  }, Math.ceil(N / 20));
  const cs = compileStep(model, loss, opt);
  for (let i = 0; i < 3; i++) cs.step(x, y);
  if (cs.mode !== 'compiled') throw new Error(`not compiled: ${cs.fallbackReason}`);
  const p = (cs as unknown as { program: { arena: Tensor; arenaFloats: number; words: number } }).program;
  const step = cpuPer((k) => {
    for (let i = 0; i < k; i++) cs.step(x, y);
  }, N);
  const slots = cs.inputs()!;
  slots.x.data.set(x.data);
  slots.y.data.set(y.data);
  const inPlace = cpuPer((k) => {
    for (let i = 0; i < k; i++) cs.step(slots.x, slots.y);
  }, N);
  slots.x.dispose();
  slots.y.dispose();
  const run = cpuPer((k) => {
    const kk = K();
    const pa = p.arena.ptr, pw = pa + p.arenaFloats * 4;
    for (let i = 0; i < k; i++) kk.program_run(pw, p.words, pa, p.arenaFloats, 0, 0);
  }, N);
  const blk = empty([4 + HEADER], 'profile');
  new Uint32Array(heap().buffer, blk.ptr + 16, HEADER).set([MAGIC, VERSION, 0, 4, 0, 0, 0, 0, NONE, 0, NONE, 0]);
  const nothing = cpuPer((k) => {
    const kk = K();
    for (let i = 0; i < k; i++) kk.program_run(blk.ptr + 16, HEADER, blk.ptr, 4, 0, 0);
  }, 100_000);
  blk.dispose();
  // Each op alone over a copy of the arena (rerun on their own outputs, the updates would drift
  // the parameters of the real one; the times do not depend on the values).
  const words = new Uint32Array(heap().buffer, p.arena.ptr + p.arenaFloats * 4, p.words).slice();
  const perOp: string[] = [];
  let pos = HEADER;
  for (let o = 0; o < words[2]; o++) {
    const len = ARITY[words[pos]] + 1;
    const arena = empty([p.arenaFloats + HEADER + len], 'profile');
    const h = heap();
    h.copyWithin(arena.ptr >>> 2, p.arena.ptr >>> 2, (p.arena.ptr >>> 2) + p.arenaFloats);
    const u = new Uint32Array(h.buffer, arena.ptr + p.arenaFloats * 4, HEADER + len);
    u.set(words.subarray(0, HEADER));
    u[2] = 1;
    u.set(words.subarray(pos, pos + len), HEADER);
    const t = cpuPer((k) => {
      const kk = K();
      for (let i = 0; i < k; i++) kk.program_run(arena.ptr + p.arenaFloats * 4, HEADER + len, arena.ptr, p.arenaFloats, 0, 0);
    }, Math.ceil(N / 4));
    perOp.push(`${NAMES[words[pos]] ?? 'copy'} ${(t - nothing).toFixed(0)}`);
    arena.dispose();
    pos += len;
  }
  const us = (ns: number) => (ns / 1000).toFixed(3);
  console.log(`${row}: eager step ${us(eagerNs)} µs; compiled step ${us(step)} µs (${(eagerNs / step).toFixed(2)}× eager; ${us(inPlace)} µs, ${(eagerNs / inPlace).toFixed(2)}×, with the batch written into inputs()) = program_run ${us(run)} µs (empty program ${us(nothing)} µs) + JS ${us(step - run)} µs; ${words[2]} ops, ${p.words} words`);
  console.log(`   per op (ns, the empty program's cost taken off): ${perOp.join(', ')}`);
  cs.dispose();
}

console.log(`load: ${execSync('uptime').toString().trim()}; gemm packing: ${gemmPacking()}`);
for (const net of process.argv.includes('--mlp-only') ? [] : TINY_NETS) {
  const n = knobsTiny(net), e = knobsTiny(net);
  const x = tensor(net.x.slice(0, net.batch)), y = tensor(net.y.slice(0, net.batch));
  profile(net.row, n.model, n.loss, n.opt, x, y, 200_000, () =>
    tidy(() => {
      const l = e.loss.forward(e.model.forward(x), y);
      e.opt.zeroGrad();
      l.backward();
      e.opt.step();
    }),
  );
  for (const m of [n, e]) {
    m.opt.dispose();
    m.model.dispose();
  }
  x.dispose();
  y.dispose();
}
if (process.argv.includes('--mlp') || process.argv.includes('--mlp-only')) {
  if (process.argv.includes('--gemm-rule')) {
    _setGemmPath('matmul_via', 100, IN, 40, 0);
    _setGemmPath('matmul_tn_via', IN, 100, 40, 0);
  }
  const { model, opt } = knobsMlp(40), e = knobsMlp(40), el = new nn.CrossEntropyLoss();
  const d = mnistLike(100, 42);
  const x = tensor(d.x.subarray(0, 100 * IN), [100, IN]), y = tensor(d.oneHot.subarray(0, 100 * CLASSES), [100, CLASSES]);
  profile('mlp 784-40-10 b100', model, new nn.CrossEntropyLoss(), opt, x, y, 400, () => knobsStep(e.model, e.opt, el, x, y));
}
console.log(`load: ${execSync('uptime').toString().trim()}`);
process.exit(0);
