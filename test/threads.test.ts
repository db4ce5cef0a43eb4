/**
 * The wasm thread pool (init({ threads })): large matmuls are split by rows over wasm instances
 * in worker_threads sharing one memory. It must give the same bits as one thread for every
 * layout the layers use, match a float64 reference, really run parts on the workers, keep
 * memory flat across training steps, reject bad thread counts clearly, and keep working when its
 * workers are gone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bits } from './helpers/bits.js';
import { K, memoryStats } from '../ts/backend/wasm.js';
import { resolveThreads, startWorkers, stopWorkers } from '../ts/backend/threads.js';
import { KnobsError, conv2d, full, getNumThreads, init, matmul, mul, nn, noGrad, optim, randn, setNumThreads, simdBuild, sum, tensor, tidy } from '../ts/index.js';
import * as ref from './helpers/reference.js';

beforeAll(() => init({ threads: 2 }));

/** Runs `f` with the kernels limited to `n` threads, then gives the pool back. */
function on<T>(n: number, f: () => T): T {
  setNumThreads(n);
  try {
    return f();
  } finally {
    setNumThreads(2);
  }
}


/** Multiplies n×n matrices until a pool worker has run a part of one (the wasm-side counter). */
function expectWorkersTakeParts(n: number): void {
  const a = randn([n, n], { seed: n }), b = randn([n, n], { seed: n + 1 });
  const before = K().thread_worker_parts();
  // A part of such a product takes milliseconds, so a spinning or woken worker usually claims one
  // in the first call. On a loaded machine the OS may not run the worker's thread for a while
  // (a fixed count of calls failed once with two suites on 2 cores): keep multiplying until it
  // does, for up to 30 s — the claim is that workers take parts, not how soon.
  const deadline = Date.now() + 30_000;
  while (K().thread_worker_parts() === before && Date.now() < deadline) tidy(() => void matmul(a, b));
  expect(K().thread_worker_parts()).toBeGreaterThan(before);
  a.dispose();
  b.dispose();
}

/** An MLP's parameters after `steps` SGD steps on fixed data: every layout of the dense kernels. */
function train(steps: number): Float32Array[] {
  const model = new nn.Sequential(new nn.Linear(784, 64, { seed: 1 }), new nn.ReLU(), new nn.Linear(64, 10, { seed: 2 }));
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = randn([128, 784], { seed: 3 });
  const y = Array.from({ length: 128 }, (_, i) => (i * 7) % 10);
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      opt.zeroGrad();
      lossFn.forward(model.forward(x), y).backward();
      opt.step();
    });
  }
  const out = model.parameters().map((p) => p.data.slice());
  x.dispose();
  opt.dispose();
  model.dispose();
  return out;
}

describe('thread pool', () => {
  it('starts the threads asked for, on the SIMD128 threads build', () => {
    expect(getNumThreads()).toBe(2);
    expect(K().thread_pool_size()).toBe(2);
    expect(simdBuild()).toBe('simd128');
  });

  it('workers take parts of large matmuls', () => expectWorkersTakeParts(512));

  it('matmul and its gradients on 2 threads are the same bits as on 1, and match a float64 reference', () => {
    for (const [m, k, n] of [[300, 200, 100], [100, 784, 40], [784, 100, 40], [64, 64, 64], [257, 33, 130]]) {
      const run = () =>
        tidy(() => {
          const a = randn([m, k], { seed: m, requiresGrad: true }), b = randn([k, n], { seed: n, requiresGrad: true });
          const c = matmul(a, b);
          sum(mul(c, c)).backward();
          return [c.data.slice(), a.grad!.data.slice(), b.grad!.data.slice(), a.data.slice(), b.data.slice()];
        });
      const one = on(1, run), two = run();
      for (let i = 0; i < 3; i++) expect(bits(two[i]), `[${m},${k}]·[${k},${n}] output ${i}`).toEqual(bits(one[i]));
      const want = ref.matmul(ref.arr([m, k], two[3]), ref.arr([k, n], two[4]));
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(two[0][i] - want.data[i]) / (1 + Math.abs(want.data[i])));
      expect(worst, `[${m},${k}]·[${k},${n}] vs float64`).toBeLessThan(1e-4);
    }
  });

  it('batched matmul and its broadcast gradients on 2 threads are the same bits as on 1, and match a float64 reference', () => {
    const shapes: [number[], number[]][] = [[[64, 16, 16], [64, 16, 16]], [[2, 4, 64, 32], [2, 4, 32, 64]], [[1, 100, 40], [6, 40, 70]], [[3, 1, 24, 40], [5, 40, 24]]];
    for (const [sa, sb] of shapes) {
      const what = `${JSON.stringify(sa)}·${JSON.stringify(sb)}`;
      const run = () =>
        tidy(() => {
          const a = randn(sa, { seed: sa[0], requiresGrad: true }), b = randn(sb, { seed: sb[0] + 1, requiresGrad: true });
          const c = matmul(a, b);
          sum(mul(c, c)).backward();
          return [c.data.slice(), a.grad!.data.slice(), b.grad!.data.slice(), a.data.slice(), b.data.slice()];
        });
      const one = on(1, run), two = run();
      for (let i = 0; i < 3; i++) expect(bits(two[i]), `${what} output ${i}`).toEqual(bits(one[i]));
      const want = ref.matmul(ref.arr(sa, two[3]), ref.arr(sb, two[4]));
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(two[0][i] - want.data[i]) / (1 + Math.abs(want.data[i])));
      expect(worst, `${what} vs float64`).toBeLessThan(1e-4);
    }
  });

  it('workers take parts of a batch of small matmuls', () => {
    // 256 products of 32×32: each is far below what one 2-D matmul would split, together they are not.
    const a = randn([256, 32, 32], { seed: 5 }), b = randn([256, 32, 32], { seed: 6 });
    const before = K().thread_worker_parts();
    for (let i = 0; i < 20 && K().thread_worker_parts() === before; i++) tidy(() => void matmul(a, b));
    expect(K().thread_worker_parts()).toBeGreaterThan(before);
    a.dispose();
    b.dispose();
  });

  it('conv2d forward and its three gradients on 2 threads are the same bits as on 1, and match a float64 reference', () => {
    // 16 images of 32 channels: the forward is Winograd's (kernels/winograd.rs), the backward's
    // columns of 288 rows are wide enough for the GEMM to split.
    const run = () =>
      tidy(() => {
        const x = randn([16, 32, 12, 12], { seed: 21, requiresGrad: true });
        const w = randn([24, 32, 3, 3], { seed: 22, std: 0.1, requiresGrad: true });
        const b = randn([24], { seed: 23, requiresGrad: true });
        const y = conv2d(x, w, b, { padding: 1 });
        y.backward(randn([...y.shape], { seed: 24 }));
        return [y, x.grad!, w.grad!, b.grad!].map((t) => t.toFloat32Array());
      });
    const one = on(1, run), two = run();
    one.forEach((a, i) => expect(bits(two[i]), `output ${i}`).toEqual(bits(a)));
    tidy(() => {
      const x = randn([16, 32, 12, 12], { seed: 21 }), w = randn([24, 32, 3, 3], { seed: 22, std: 0.1 }), b = randn([24], { seed: 23 });
      const want = ref.conv2d(ref.arr([...x.shape], x.toFloat32Array()), ref.arr([...w.shape], w.toFloat32Array()), ref.arr([24], b.toFloat32Array()), { padding: [1, 1] });
      two[0].forEach((v, i) => expect(Math.abs(v - want.data[i])).toBeLessThan(1e-4 * (1 + Math.abs(want.data[i]))));
    });
  });

  it('CNN inference (direct first conv, fused conv+relu, index-free max-pools) splits images over the pool with the same bits as on 1 thread', () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2, seed: 31 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5, { seed: 32 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten());
    model.eval();
    const x = randn([64, 1, 28, 28], { seed: 33 });
    const run = () => tidy(() => noGrad(() => model.forward(x).toFloat32Array()));
    const one = on(1, run);
    const before = K().thread_worker_parts();
    // A worker busy elsewhere (a loaded machine) may miss one call: a few tries, as for matmul above.
    for (let i = 0; i < 20 && K().thread_worker_parts() === before; i++) expect(bits(run())).toEqual(bits(one));
    expect(K().thread_worker_parts()).toBeGreaterThan(before);
    x.dispose();
    model.dispose();
  });

  it('training on 2 threads ends at the same weights as on 1', () => {
    const one = on(1, () => train(15));
    const two = train(15);
    expect(two.map(bits)).toEqual(one.map(bits));
  });

  it('views of the shared memory follow its growth (heap() compares the size, read from wasm)', () => {
    // A view made now (full() writes through it), before the growth below.
    const made: ReturnType<typeof full>[] = [full([4], 0)];
    const start = memoryStats().wasmBytes;
    // 16 MiB blocks until memory has grown; the last one lies (at least partly) in the new part.
    while (memoryStats().wasmBytes === start && made.length < 64) made.push(full([1 << 22], made.length));
    expect(memoryStats().wasmBytes).toBeGreaterThan(start);
    const last = made[made.length - 1];
    const d = last.data;
    expect(d.length).toBe(1 << 22);
    expect(d[(1 << 22) - 1]).toBe(made.length - 1);
    expect(d[0]).toBe(made.length - 1);
    for (const t of made) t.dispose();
  });

  it('memory does not grow across training steps on the pool', () => {
    const model = new nn.Sequential(new nn.Linear(784, 128, { seed: 1 }), new nn.ReLU(), new nn.Linear(128, 10, { seed: 2 }));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const lossFn = new nn.CrossEntropyLoss();
    const x = randn([200, 784], { seed: 4 });
    const y = Array.from({ length: 200 }, (_, i) => i % 10);
    const step = () => tidy(() => {
      opt.zeroGrad();
      lossFn.forward(model.forward(x), y).backward();
      opt.step();
    });
    for (let i = 0; i < 10; i++) step();
    const after10 = memoryStats();
    for (let i = 0; i < 190; i++) step();
    const after200 = memoryStats();
    expect(after200.wasmBytes).toBe(after10.wasmBytes);
    expect(after200.liveBlocks).toBe(after10.liveBlocks);
    x.dispose();
    opt.dispose();
    model.dispose();
  });

  it('rejects bad thread counts by name, and stays usable', async () => {
    for (const bad of [0, 3, 1.5, NaN]) expect(() => setNumThreads(bad)).toThrow(/setNumThreads: n must be an integer from 1 to 2/);
    for (const bad of [0, -1, 65, 2.5, 'four']) {
      await expect(resolveThreads(bad as number)).rejects.toThrow(/init: threads must be 'auto' or an integer from 1 to 64/);
    }
    await expect(resolveThreads('auto')).resolves.toBeGreaterThanOrEqual(1);
    // Where memory cannot be shared (a page that is not cross-origin isolated): 'auto' means 1,
    // a count says why it cannot be had.
    const sab = globalThis.SharedArrayBuffer;
    try {
      delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
      await expect(resolveThreads('auto')).resolves.toBe(1);
      await expect(resolveThreads(1)).resolves.toBe(1);
      await expect(resolveThreads(2)).rejects.toThrow(/init: threads: 2 needs wasm memory shared between workers, but SharedArrayBuffer is not available/);
    } finally {
      globalThis.SharedArrayBuffer = sab;
    }
    await expect(resolveThreads(undefined)).resolves.toBe(1);
    expect(getNumThreads()).toBe(2);
    const c = tidy(() => matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([5, 6, 7, 8], [2, 2])).data.slice());
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
    expect(new KnobsError('x')).toBeInstanceOf(Error);
  });

  it('a worker that cannot start fails init with a clear error, and the pool keeps working', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const notAModule = {} as WebAssembly.Module;
    await expect(startWorkers(notAModule, memory, 1, () => 1)).rejects.toThrow(/init: a thread pool worker failed to start/);
    expect(getNumThreads()).toBe(2);
    expectWorkersTakeParts(256);
  });

  // Last: it ends the pool. The caller takes every part no worker claims, so kernels still finish.
  it('keeps computing correctly after its workers are gone', () => {
    const a = randn([256, 256], { seed: 8 }), b = randn([256, 256], { seed: 9 });
    const before = tidy(() => matmul(a, b).data.slice());
    stopWorkers();
    const parts = K().thread_worker_parts();
    const after = tidy(() => matmul(a, b).data.slice());
    expect(bits(after)).toEqual(bits(before));
    expect(K().thread_worker_parts()).toBe(parts);
    a.dispose();
    b.dispose();
  });
});
