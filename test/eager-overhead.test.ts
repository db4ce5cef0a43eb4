/**
 * The safety nets that issue 16's per-op cuts reworked: the finalizer backstop (now registered
 * lazily, only for tensors outside every tidy()), scope ownership (an array per scope and an
 * owner pointer per tensor instead of a Set), shared frozen shapes, and the autograd record.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, init, keep, matmul, memoryStats, nn, noGrad, optim, tensor, tidy, zeros, type Tensor } from '../ts/index.js';
import { clearGrad as clearGradOf } from '../ts/autograd.js';
import * as K from '../ts/index.js';
import { unscopedTensors } from '../ts/scope.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

beforeAll(async () => {
  await init();
});

/** Collects garbage until the finalizer has run (its callbacks come in a later task). */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('finalizer backstop', () => {
  it('frees tensors made outside tidy() and dropped without dispose()', async () => {
    const before = memoryStats().liveBlocks;
    const base = unscopedTensors();
    (() => {
      for (let i = 0; i < 300; i++) zeros([16]);
    })();
    expect(memoryStats().liveBlocks).toBe(before + 300);
    expect(unscopedTensors()).toBe(base + 300);
    await collectUntil(() => memoryStats().liveBlocks === before);
    expect(memoryStats().liveBlocks).toBe(before);
    expect(unscopedTensors()).toBe(base);
  });

  it('frees a tensor kept out of a tidy() and then dropped', async () => {
    const before = memoryStats().liveBlocks;
    tidy(() => {
      keep(zeros([8]));
    });
    expect(memoryStats().liveBlocks).toBe(before + 1);
    await collectUntil(() => memoryStats().liveBlocks === before);
    expect(memoryStats().liveBlocks).toBe(before);
  });

  it('does not free what is still referenced, and dispose after registration is counted once', async () => {
    const base = unscopedTensors();
    const t = zeros([4]);
    await Promise.resolve(); // the registration runs at the end of the job
    gc();
    await new Promise((r) => setTimeout(r, 10));
    expect(t.isDisposed).toBe(false);
    expect(t.toArray()).toEqual([0, 0, 0, 0]);
    t.dispose();
    t.dispose();
    expect(unscopedTensors()).toBe(base);
  });
});

describe('scopes', () => {
  it('a returned tensor moves to the enclosing scope and is freed when that one ends', () => {
    const before = memoryStats().liveBlocks;
    let inner: Tensor | null = null;
    tidy(() => {
      inner = tidy(() => add(zeros([2]), 1));
      expect(inner.isDisposed).toBe(false);
      expect(memoryStats().liveBlocks).toBe(before + 1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(memoryStats().liveBlocks).toBe(before);
  });

  it('keep() inside a nested tidy survives both scopes, and an error frees the rest', () => {
    const before = memoryStats().liveBlocks;
    let kept: Tensor | null = null;
    expect(() =>
      tidy(() => {
        tidy(() => {
          kept = keep(zeros([3]));
          zeros([5]);
        });
        zeros([7]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(kept!.isDisposed).toBe(false);
    expect(memoryStats().liveBlocks).toBe(before + 1);
    kept!.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
  });

  it('a long scope that creates and disposes keeps nothing alive and frees what is left at its end', () => {
    const before = memoryStats().liveBlocks;
    const a = tensor([1, 2]);
    const last = tidy(() => {
      let alive: Tensor[] = [];
      for (let i = 0; i < 5000; i++) {
        const t = add(a, i);
        if (i % 7 === 0) alive.push(t);
        else t.dispose();
      }
      expect(memoryStats().liveBlocks).toBe(before + 1 + alive.length);
      const kept = alive[alive.length - 1];
      alive = [];
      return kept;
    });
    expect(last.toArray()).toEqual([1 + 4998, 2 + 4998]);
    expect(memoryStats().liveBlocks).toBe(before + 2);
    last.dispose();
    a.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
  });
});

describe('tensor objects', () => {
  it('shares a frozen shape between tensors and still refuses to let it change', () => {
    const a = tensor([1, 2, 3, 4], [2, 2]);
    const b = add(a, a);
    expect(Object.isFrozen(b.shape)).toBe(true);
    expect(() => (b.shape as number[]).push(1)).toThrow(TypeError);
    const dims = [2, 2];
    const c = tensor([1, 2, 3, 4], dims);
    dims[0] = 4; // the caller's array is copied, not adopted
    expect(c.shape).toEqual([2, 2]);
    for (const t of [a, b, c]) t.dispose();
  });

  it('reads the right values after wasm memory grows (the cached view is re-made)', () => {
    const t = tensor([1.5, -2, 3.25]);
    const before = memoryStats().wasmBytes;
    const big: Tensor[] = [];
    while (memoryStats().wasmBytes === before) big.push(zeros([1 << 20]));
    expect(t.toArray()).toEqual([1.5, -2, 3.25]);
    expect(tidy(() => t.sum().item())).toBe(2.75);
    expect(big[big.length - 1].data.length).toBe(1 << 20);
    for (const b of big) b.dispose();
    t.dispose();
  });

  it('records the graph only when an input requires grad and grad mode is on', () => {
    tidy(() => {
      const a = tensor([1, 2], [1, 2], { requiresGrad: true });
      const b = tensor([3, 4], [1, 2]);
      const w = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      expect(add(b, b).backwardFn).toBeNull();
      expect(add(b, b).parents).toHaveLength(0);
      expect(noGrad(() => add(a, b)).requiresGrad).toBe(false);
      const y = matmul(add(a, b), w).sum();
      expect(y.requiresGrad).toBe(true);
      y.backward();
      // d/da Σ (a+b)·w = row sums of w
      expect(a.grad!.toArray()).toEqual([[6, 15]]);
    });
  });
});

describe('zeroGrad keeps the gradient buffer for the next backward', () => {
  const xorStep = (model: nn.Sequential, opt: optim.SGD, x: Tensor, y: Tensor) =>
    tidy(() => {
      opt.zeroGrad();
      new nn.MSELoss().forward(model.forward(x), y).backward();
    });

  it('the next backward writes a fresh gradient (not added to the old one), through the fused linear and through other ops', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3, { seed: 1 }), new nn.Sigmoid(), new nn.Linear(3, 1, { seed: 2 }), new nn.Sigmoid());
    const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tensor([[0], [1], [1], [0]]);
    xorStep(model, opt, x, y);
    const once = model.parameters().map((p) => Array.from(p.grad!.toFloat32Array()));
    expect(once.flat().some((v) => v !== 0)).toBe(true);
    const blocks = memoryStats().liveBlocks;
    for (let i = 0; i < 3; i++) xorStep(model, opt, x, y);
    // The same parameters and data: the same gradient, with no block more or less.
    expect(model.parameters().map((p) => Array.from(p.grad!.toFloat32Array()))).toEqual(once);
    expect(memoryStats().liveBlocks).toBe(blocks);
    opt.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);

    // A leaf reached by a generic op (reshape's backward copies its gradient in: the spare is used).
    const w = tensor([1, 2, 3], [3], { requiresGrad: true });
    for (let i = 0; i < 3; i++) {
      tidy(() => K.mul(w.reshape([1, 3]), tensor([[4, 5, 6]])).sum().backward());
      expect(Array.from(w.grad!.toFloat32Array())).toEqual([4, 5, 6]);
      clearGradOf(w);
      expect(w.grad).toBeNull();
    }
    for (const t of [w, x, y]) t.dispose();
    opt.dispose();
    model.dispose();
  });

  it('a gradient set by hand is disposed by zeroGrad, never reused; disposing a parameter frees its spare', () => {
    const before = memoryStats().liveBlocks;
    const lin = new nn.Linear(2, 2, { seed: 3 });
    const mine = tensor([[1, 1], [1, 1]]);
    lin.weight.grad = mine;
    lin.zeroGrad();
    expect(mine.isDisposed).toBe(true);
    tidy(() => lin.forward(tensor([[1, 2]])).sum().backward());
    lin.zeroGrad();
    // Weight and bias, each with its spare gradient.
    expect(memoryStats().liveBlocks).toBe(before + 4);
    lin.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
  });
});

describe('Sequential fuses Linear + activation only when both run their own class forward', () => {
  it('a forward replaced on the instance or overridden by a subclass runs (not fused), with the same values', () => {
    tidy(() => {
      const x = tensor([[0.5, -1], [2, 0.25]]);
      const plain = new nn.Sequential(new nn.Linear(2, 3, { seed: 5 }), new nn.ReLU());
      const expected = plain.forward(x).toArray();
      const seen: string[] = [];
      const probed = new nn.Sequential(new nn.Linear(2, 3, { seed: 5 }), new nn.ReLU());
      const relu = probed.layers[1];
      relu.forward = (h: Tensor) => {
        seen.push('probe');
        return nn.ReLU.prototype.forward.call(relu, h);
      };
      expect(probed.forward(x).toArray()).toEqual(expected);
      class LoudSigmoid extends nn.Sigmoid {
        override forward(h: Tensor): Tensor {
          seen.push('subclass');
          return super.forward(h);
        }
      }
      const sub = new nn.Sequential(new nn.Linear(2, 3, { seed: 5 }), new LoudSigmoid());
      const fusedSig = new nn.Sequential(new nn.Linear(2, 3, { seed: 5 }), new nn.Sigmoid());
      expect(sub.forward(x).toArray()).toEqual(fusedSig.forward(x).toArray());
      expect(seen).toEqual(['probe', 'subclass']);
      for (const m of [plain, probed, sub, fusedSig]) m.dispose();
    });
  });
});
