/**
 * Issue 9's core defects, each reproduced as the report gave it: sizes that wrapped at the wasm
 * boundary, allocations that failed as an opaque trap, a graph freed under backward(), leaks on
 * error paths, init() options silently ignored, fits that interleaved or did nothing.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataLoader, KnobsError, ShapeError, TensorDataset, crossEntropy, empty, evaluate, fit, full, init, memoryStats, nn, optim, predict, rand, randn, releasePool, tensor, tidy, zeros } from '../ts/index.js';
import { DataParallel } from '../ts/parallel/index.js';
import { _setUnscopedWarning, unscopedTensors } from '../ts/scope.js';
import { trainInWorker } from '../ts/worker/index.js';

beforeAll(async () => {
  await init();
});

/** Runs fn, which must throw `Err` with every pattern in its message; memory's books must not move. */
function expectCleanError(fn: () => unknown, Err: typeof KnobsError, ...patterns: RegExp[]): void {
  const before = memoryStats();
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(Err);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
  const after = memoryStats();
  expect(after.liveBytes).toBe(before.liveBytes);
  expect(after.liveBlocks).toBe(before.liveBlocks);
}

describe('sizes at the wasm boundary', () => {
  it('an element count of 2^32 is a ShapeError, not a 4-byte tensor that overwrites others', () => {
    const x = tensor([1, 2, 3, 4]);
    const y = full([8], 7);
    x.dispose();
    releasePool();
    expectCleanError(() => zeros([65536, 65536]), ShapeError, /^zeros: shape \[65536,65536\] has 4294967296 elements/, /at most 536870911/);
    expectCleanError(() => zeros([1e6, 1e6]), ShapeError, /^zeros:/);
    // Broadcasting to such a shape is caught the same way.
    const a = zeros([65536, 1]), b = zeros([1, 65536]);
    expectCleanError(() => a.add(b), ShapeError, /^add: shape \[65536,65536\]/);
    expect(Array.from(y.toFloat32Array())).toEqual(new Array(8).fill(7));
    for (const t of [y, a, b]) t.dispose();
  });

  it('running out of wasm memory is a KnobsError naming the sizes; the books balance and the library keeps working', () => {
    const held = [];
    let error: unknown = null;
    const before = memoryStats();
    // 1.5 GiB blocks (never touched, so no RAM is used): the third cannot fit in 4 GiB.
    try {
      for (let i = 0; i < 4; i++) held.push(empty([3 * 2 ** 27]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KnobsError);
    expect((error as Error).message).toMatch(/^alloc: out of wasm memory: 1610612736 bytes requested; wasm memory is \d+ bytes of at most 4294967296/);
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(memoryStats().liveBytes).toBe(before.liveBytes + held.length * 3 * 2 ** 29);
    for (const t of held) t.dispose();
    releasePool();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    const s = tidy(() => tensor([1, 2, 3]).mul(2).sum().item());
    expect(s).toBe(12);
  });
});

describe('autograd and tidy', () => {
  it('backward() on a loss returned out of tidy() says the graph was freed (it used to do nothing)', () => {
    const model = new nn.Linear(3, 1, { seed: 1 });
    const x = tensor([[1, 2, 3]]), y = tensor([[1]]);
    const loss = tidy(() => model.forward(x).sub(y).pow(2).mean());
    expect(() => loss.backward()).toThrow(/^backward: the graph behind this tensor was freed: .* was disposed\. This happens when the loss is returned out of tidy\(\)/);
    expect(model.weight.grad).toBeNull();
    // Inside the tidy, the same step works.
    tidy(() => model.forward(x).sub(y).pow(2).mean().backward());
    expect(model.weight.grad).not.toBeNull();
    for (const t of [loss, x, y]) t.dispose();
    model.dispose();
  });

  it('tidy(async fn) is a KnobsError and frees what the function made before its first await', async () => {
    const before = memoryStats();
    expect(() => tidy((async () => zeros([1000]).add(1)) as unknown as () => void)).toThrow(/^tidy: fn must be synchronous/);
    await Promise.resolve();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    _setUnscopedWarning(50_000);
  });

  it('warns once when tensors made outside tidy() pile up, and not for a tidy loop', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const base = unscopedTensors();
    _setUnscopedWarning(base + 200);
    const w = tensor([[1, 2], [3, 4]]);
    for (let i = 0; i < 500; i++) tidy(() => w.matmul(w).relu().sum().item());
    expect(warn).not.toHaveBeenCalled();
    expect(unscopedTensors()).toBe(base + 1);
    const leaked = [];
    for (let i = 0; i < 300; i++) leaked.push(w.matmul(w));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/tensors are alive that were made outside any tidy\(\) scope.*Wrap each training step in tidy/);
    for (const t of leaked) t.dispose();
    w.dispose();
    expect(unscopedTensors()).toBe(base);
  });
});

describe('error paths leak nothing', () => {
  it('randn with a NaN seed, 5000 times: a KnobsError each time and no memory kept', () => {
    const before = memoryStats();
    for (let i = 0; i < 5000; i++) expect(() => randn([4096], { seed: NaN })).toThrow(/^randn: seed must be a finite number, got NaN/);
    expect(memoryStats()).toEqual(before);
  });

  it('tensor() of a BigInt64Array or non-numbers, zeros() of a non-shape: clear errors, no memory kept', () => {
    expectCleanError(() => tensor(new BigInt64Array(4096) as unknown as Float32Array), KnobsError, /^tensor: data must be numbers .* got a BigInt64Array/);
    expectCleanError(() => tensor([1, 'a', 3] as unknown as number[]), KnobsError, /^tensor: data\[1\] is "a", not a number/);
    expectCleanError(() => zeros('abc' as unknown as number[]), ShapeError, /^zeros: shape must be an array of non-negative integers, got "abc"/);
    expectCleanError(() => zeros(5 as unknown as number[]), ShapeError, /^zeros: shape must be an array .* got 5/);
    const x = zeros([2, 3]);
    expectCleanError(() => crossEntropy(x, null as unknown as number[]), KnobsError, /^crossEntropy: target must be a Tensor or an array of 2 class labels, got null/);
    x.dispose();
  });
});

describe('init() options', () => {
  it('a second init() with other options is rejected (it was silently ignored); the same or no options are fine', async () => {
    await expect(init({ threads: 2 })).rejects.toThrow(/^init: knobs is already initialised with threads: the default; this call asks for threads: 2.*setNumThreads/);
    await expect(init({ simd: 'relaxed' })).rejects.toThrow(/^init: knobs is already initialised with simd: the default; this call asks for simd: "relaxed"/);
    await expect(init({ threds: 2 } as never)).rejects.toThrow(/^init: unknown option 'threds' \(allowed: wasm, simd, threads, gemm\)/);
    await expect(init()).resolves.toBeUndefined();
    await expect(init({ simd: 'simd128', threads: 1 })).resolves.toBeUndefined();
  });
});

describe('fit() that would interleave or do nothing', () => {
  const data = (n: number) => new TensorDataset({ data: new Float32Array(n * 2).map((_, i) => (i % 7) / 7), shape: [n, 2] }, { data: new Float32Array(n), shape: [n, 1] });

  it('two concurrent fits on one model: the second is rejected, the first completes', async () => {
    const model = new nn.Linear(2, 1, { seed: 1 });
    const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
    const opts = { epochs: 2, optimizer: opt, loss: 'mse' as const, verbose: false as const };
    const first = fit(model, new DataLoader(data(64), { batchSize: 8 }), opts);
    await expect(fit(model, new DataLoader(data(64), { batchSize: 8 }), opts)).rejects.toThrow(/^fit: this model is already being trained by another fit\(\) call/);
    expect((await first).epoch).toEqual([0, 1]);
    // Once the first is done, the model trains again.
    expect((await fit(model, new DataLoader(data(16), { batchSize: 8 }), opts)).epoch).toEqual([0, 1]);
    model.dispose();
  });

  it('an empty dataset and an optimizer over another model are errors (they returned NaN / changed nothing)', async () => {
    const model = new nn.Linear(2, 1, { seed: 1 });
    const other = new nn.Linear(2, 1, { seed: 2 });
    const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
    await expect(fit(model, new DataLoader(data(0), { batchSize: 8 }), { epochs: 1, optimizer: opt, loss: 'mse', verbose: false })).rejects.toThrow(/^fit: the training data has no samples/);
    await expect(fit(model, new DataLoader(data(4), { batchSize: 8, dropLast: true }), { epochs: 1, optimizer: opt, loss: 'mse', verbose: false })).rejects.toThrow(/^fit: the loader yields no batches \(4 samples, batchSize 8, dropLast\)/);
    await expect(fit(other, new DataLoader(data(8), { batchSize: 8 }), { epochs: 1, optimizer: opt, loss: 'mse', verbose: false })).rejects.toThrow(/^fit: the optimizer updates 2 tensors, none of which is a parameter of this model/);
    model.dispose();
    other.dispose();
  });
});

describe('trainInWorker with data an earlier call transferred away', () => {
  it('rejects at once with a clear error instead of hanging', async () => {
    const spec = nn.toSpec(new nn.Sequential(new nn.Linear(2, 2, { seed: 1 })));
    const pair = { x: { data: new Float32Array(16), shape: [8, 2] }, y: { data: new Float32Array(16), shape: [8, 2] } };
    await trainInWorker(spec, pair, { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 } });
    expect(pair.x.data.length).toBe(0);
    const t0 = Date.now();
    await expect(trainInWorker(spec, pair, { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 } })).rejects.toThrow(/^trainInWorker: data\.x\.data is detached .* pass transfer: false/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);
});

describe('unknown option keys are refused, naming the op and the key (a typo used to fall back to the default silently)', () => {
  const ds = () => new TensorDataset({ data: new Float32Array(8), shape: [4, 2] }, { data: new Float32Array(4), shape: [4, 1] });
  const rows: [string, () => unknown, RegExp][] = [
    ['fit', () => fit(new nn.Linear(2, 1), new DataLoader(ds()), { epochs: 1, optimizer: null as never, epoch: 3 } as never), /^fit: unknown option 'epoch' \(allowed: epochs, optimizer,/],
    ['evaluate', () => evaluate(new nn.Linear(2, 1), new DataLoader(ds()), { metric: ['accuracy'] } as never), /^evaluate: unknown option 'metric' \(allowed: loss, metrics\)/],
    ['predict', () => predict(new nn.Linear(2, 1), { data: new Float32Array(2), shape: [1, 2] }, { batch: 1 } as never), /^predict: unknown option 'batch' \(allowed: batchSize, compile\)/],
    ['Linear', () => new nn.Linear(2, 1, { bais: false } as never), /^Linear: unknown option 'bais' \(allowed: bias, seed\)/],
    ['randn', () => randn([2], { sd: 2 } as never), /^randn: unknown option 'sd' \(allowed: seed, requiresGrad, mean, std\)/],
    ['rand', () => rand([2], { min: 0 } as never), /^rand: unknown option 'min'/],
    ['tensor', () => tensor([1, 2], undefined, { requiresgrad: true } as never), /^tensor: unknown option 'requiresgrad' \(allowed: requiresGrad\)/],
    ['zeros', () => zeros([2], { grad: true } as never), /^zeros: unknown option 'grad'/],
  ];
  for (const [name, call, pattern] of rows) {
    it(name, async () => {
      const before = memoryStats().liveBlocks;
      let caught: unknown = null;
      try {
        await call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(KnobsError);
      expect((caught as Error).message).toMatch(pattern);
      expect(memoryStats().liveBlocks).toBeLessThanOrEqual(before + 2); // at most the Linear's own parameters
    });
  }
  it('trainInWorker and DataParallel.create (checked before a worker starts)', async () => {
    const spec = nn.toSpec(new nn.Sequential(new nn.Linear(2, 2, { seed: 1 })));
    const pair = { x: { data: new Float32Array(16), shape: [8, 2] }, y: { data: new Float32Array(16), shape: [8, 2] } };
    await expect(trainInWorker(spec, pair, { epochs: 1, optimizer: { type: 'SGD', lr: 0.1 }, batchsize: 4 } as never)).rejects.toThrow(/^trainInWorker: unknown option 'batchsize'/);
    expect(pair.x.data.length).toBe(16); // nothing was handed over
    await expect(DataParallel.create({ spec, optimizer: { type: 'SGD', lr: 0.1 }, worker: 2 } as never)).rejects.toThrow(/^DataParallel\.create: unknown option 'worker'/);
  });
});
