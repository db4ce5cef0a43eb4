/**
 * linearChain (ts/ops/dense-chain.ts) and Sequential's use of it: the same bits as `linear` layer
 * after layer — outputs and every gradient, accumulation and frozen layers included — one graph
 * node, hidden layers freed with the output, and errors that name the op and the shapes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KnobsError, ShapeError, init, linear, linearChain, memoryStats, nn, noGrad, releasePool, tensor, tidy, type Tensor } from '../ts/index.js';
import type { DenseActivation } from '../ts/ops/dense.js';
import { countKernelCalls } from '../ts/backend/count-kernels.js';

beforeAll(() => init());

const bits = (t: Tensor | null) => (t === null ? null : Array.from(new Uint32Array(t.toFloat32Array().buffer)));

const DIMS3 = [[3, 5], [5, 4], [4, 2]];
/** Layers [3→5, 5→4, 4→2] (or `dims`) with fixed weights; `grads` says which weights/biases require grad. */
function layers(grads: boolean[] = [true, true, true], dims = DIMS3) {
  return dims.map(([i, o], l) => {
    const lin = new nn.Linear(i, o, { seed: 40 + l });
    lin.weight.requireGrad(grads[l]);
    lin.bias!.requireGrad(grads[l]);
    return lin;
  });
}

/** Output and gradients of a two-step backward (the second adds to the first), chained or layer by layer. */
function run(chain: boolean, acts: DenseActivation[], grads: boolean[], xGrad: boolean, rows: number[][] | number[], dims = DIMS3) {
  const ls = layers(grads, dims);
  const x = tensor(rows as number[][], undefined, { requiresGrad: xGrad });
  const out = tidy(() => {
    const fwd = () => (chain ? linearChain(x, ls, acts) : ls.reduce((h, l, i) => linear(h, l.weight, l.bias, acts[i]), x));
    const y = fwd();
    y.sum().backward();
    fwd().mul(tensor(0.5)).sum().backward();
    return bits(y);
  });
  const res = { out, x: bits(x.grad), params: ls.flatMap((l) => [bits(l.weight.grad), bits(l.bias!.grad)]), op: '' };
  x.dispose();
  for (const l of ls) l.dispose();
  return res;
}

describe('linearChain has the bits of linear layer after layer', () => {
  const rows = [[0.5, -1, 2], [1.5, 0.25, -0.75]];
  for (const acts of [['relu', 'none', 'sigmoid'], ['tanh', 'sigmoid', 'relu']] as DenseActivation[][]) {
    for (const [grads, xGrad, what] of [
      [[true, true, true], false, 'all layers trained'],
      [[true, true, true], true, 'input requiring grad too'],
      [[false, true, true], false, 'first layer frozen'],
      [[false, false, true], false, 'only the last layer trained'],
      [[true, false, true], true, 'a frozen middle layer'],
    ] as [boolean[], boolean, string][]) {
      it(`${acts.join('-')}, ${what}: output and gradients, accumulated over two backward calls`, () => {
        const want = run(false, acts, grads, xGrad, rows);
        expect(want.params.some((p) => p === null)).toBe(grads.includes(false));
        expect(run(true, acts, grads, xGrad, rows)).toEqual(want);
      });
    }
  }
  // Two layers take one dense_pair_forward / dense_pair_backward call each (outside a recording
  // table): the same bits, whether x's gradient is made, added to (second backward) or not wanted.
  for (const rows2 of [[[0.5, -1, 2]], [[0.5, -1, 2], [1.5, 0.25, -0.75], [-2, 1, 0.5], [0.1, 0.2, 0.3]]]) {
    for (const acts of [['relu', 'none'], ['sigmoid', 'tanh']] as DenseActivation[][]) {
      for (const [grads, xGrad] of [[[true, true], false], [[true, true], true], [[false, true], false], [[true, false], true]] as [boolean[], boolean][]) {
        it(`two layers 3-4-1 (${acts.join('-')}), batch ${rows2.length}, trained ${grads.join('/')}, x grad ${xGrad}: one call per direction, the same bits`, () => {
          const dims = [[3, 4], [4, 1]];
          const want = run(false, acts, grads, xGrad, rows2, dims);
          const { result: got, calls } = countKernelCalls(() => run(true, acts, grads, xGrad, rows2, dims), false);
          expect(got).toEqual(want);
          expect(calls.get('dense_pair_forward')).toBe(2);
          expect(calls.get('dense_forward')).toBeUndefined();
          // The first backward runs as the pair; the second too unless x holds a gradient to add to.
          // A frozen first layer with x needing no gradient backpropagates through layer 1 only.
          const down = xGrad || grads[0];
          expect(calls.get('dense_pair_backward') ?? 0).toBe(down ? (xGrad ? 1 : 2) : 0);
          // A recording table (compileStep's trace) sees the per-layer calls, with the same bits.
          const { result: rec, calls: recCalls } = countKernelCalls(() => run(true, acts, grads, xGrad, rows2, dims), true);
          expect(rec).toEqual(want);
          expect(recCalls.get('dense_pair_forward') ?? 0).toBe(0);
          expect(recCalls.get('dense_pair_backward') ?? 0).toBe(0);
          expect(recCalls.get('dense_forward')).toBe(4);
        });
      }
    }
  }

  it('a tiny pair keeps its backward scratch in the output\'s block (none made by backward); a wider pair makes its own, same bits', () => {
    const x = tensor([[0.5, -1, 2]]);
    const ls = layers([true, true], [[3, 4], [4, 1]]);
    const before = memoryStats().liveBlocks, bytes = memoryStats().liveBytes;
    tidy(() => {
      const y = linearChain(x, ls, ['relu', 'none']);
      // gz and the hidden gradient (2 × the widest layer, 4 floats), the hidden layer, the output.
      expect(memoryStats().liveBytes - bytes).toBe((2 * 4 + 4 + 1) * 4);
      const s = y.sum();
      const blocks = memoryStats().liveBlocks;
      // With the pool emptied every block backward makes is a fresh alloc_f32: the four
      // parameter gradients and sum's gradient of y, and no scratch.
      releasePool();
      const { calls } = countKernelCalls(() => s.backward(), false);
      expect(calls.get('dense_pair_backward')).toBe(1);
      expect(calls.get('alloc_f32')).toBe(5);
      // Only the parameters' gradients are new.
      expect(memoryStats().liveBlocks).toBe(blocks + 4);
    });
    for (const l of ls) l.zeroGrad();
    expect(memoryStats().liveBlocks).toBe(before + 4);
    for (const l of ls) l.dispose();
    x.dispose();
    const rows = [[0.5, -1, 2], [1.5, 0.25, -0.75]];
    const wide = [[3, 40], [40, 2]];
    for (const xGrad of [false, true]) expect(run(true, ['tanh', 'none'], [true, true], xGrad, rows, wide)).toEqual(run(false, ['tanh', 'none'], [true, true], xGrad, rows, wide));
  });

  it('a 1-D input [k] gives [n], as linear does', () => {
    expect(run(true, ['relu', 'relu', 'none'], [true, true, true], true, [0.5, -1, 2])).toEqual(run(false, ['relu', 'relu', 'none'], [true, true, true], true, [0.5, -1, 2]));
  });
  it('an empty batch gives an empty output of the right shape', () => {
    const ls = layers();
    tidy(() => {
      expect([...linearChain(tensor(new Float32Array(0), [0, 3]), ls, ['relu', 'relu', 'none']).shape]).toEqual([0, 2]);
    });
    for (const l of ls) l.dispose();
  });
});

describe('linearChain memory', () => {
  it('keeps the hidden layers in the output\'s block (one block, freed with it), with or without grad', () => {
    const ls = layers();
    const x = tensor([[1, 2, 3]]);
    const before = memoryStats().liveBlocks, bytes = memoryStats().liveBytes;
    const y = linearChain(x, ls, ['relu', 'relu', 'none']);
    expect(y.op).toBe('linearChain');
    expect(memoryStats().liveBlocks).toBe(before + 1);
    expect(memoryStats().liveBytes - bytes).toBe((5 + 4 + 2) * 4);
    y.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
    const z = noGrad(() => linearChain(x, ls, ['relu', 'relu', 'none']));
    expect(z.requiresGrad).toBe(false);
    expect(memoryStats().liveBlocks).toBe(before + 1);
    expect(memoryStats().liveBytes - bytes).toBe((5 + 4 + 2) * 4);
    z.dispose();
    tidy(() => linearChain(x, ls, ['relu', 'relu', 'none']).sum().backward());
    for (const l of ls) l.zeroGrad();
    expect(memoryStats().liveBlocks).toBe(before + 6); // each parameter's spare gradient
    x.dispose();
    for (const l of ls) l.dispose();
  });
});

describe('linearChain errors name the op and the shapes, before anything is allocated', () => {
  it('refuses mismatched layers, a bad activation, a disposed weight and a bad input', () => {
    const ls = layers();
    const x = tensor([[1, 2, 3]]), narrow = tensor([[1, 2]]), deep = tensor([[[1, 2, 3]]]);
    const before = memoryStats().liveBlocks;
    expect(() => linearChain(x, [ls[0], ls[2]], ['relu', 'none'])).toThrow(new ShapeError('linearChain: layer 1 weight [4,2] does not fit its input of 5 features (layer 0\'s output) (expected [5, out])'));
    expect(() => linearChain(narrow, ls, ['relu', 'relu', 'none'])).toThrow(/^linearChain: layer 0 weight \[3,5\] does not fit its input \[1,2\]/);
    expect(() => linearChain(x, ls, ['relu', 'gelu' as DenseActivation, 'none'])).toThrow(new KnobsError("linearChain: unknown activation 'gelu' for layer 1"));
    expect(() => linearChain(x, ls, ['relu'])).toThrow(/^linearChain: needs at least one layer and one activation per layer, got 3 layers and 1 activations/);
    expect(() => linearChain(x, [], [])).toThrow(/^linearChain: needs at least one layer/);
    expect(() => linearChain(deep, ls, ['relu', 'relu', 'none'])).toThrow(/^linearChain: input must be \[batch, in\] or \[in\], got \[1,1,3\]/);
    const gone = new nn.Linear(5, 4, { seed: 1 });
    gone.dispose();
    expect(() => linearChain(x, [ls[0], gone], ['relu', 'none'])).toThrow(/^linearChain: layer 1 weight \[5,4\] \(from rand\) was used after dispose\(\)/);
    expect(memoryStats().liveBlocks).toBe(before);
    for (const t of [x, narrow, deep, ...ls]) t.dispose();
  });
});

describe('Sequential runs its Linear (+ activation) runs as one linearChain', () => {
  const make = () => new nn.Sequential(new nn.Linear(3, 4, { seed: 11 }), new nn.ReLU(), new nn.Linear(4, 4, { seed: 12 }), new nn.Sigmoid(), new nn.Linear(4, 1, { seed: 13 }));

  it('a training step is the same bits as the layers one by one (linear with the activation fused, as before), and the output is one node', () => {
    const a = make(), b = make();
    const [l0, , l2, , l4] = b.layers as nn.Linear[];
    const byLayer = (x: Tensor) => linear(linear(linear(x, l0.weight, l0.bias, 'relu'), l2.weight, l2.bias, 'sigmoid'), l4.weight, l4.bias);
    const x = tensor([[1, 0, 1], [0, 1, 1]]), y = tensor([[1], [0]]);
    for (const m of [a, b]) {
      for (let i = 0; i < 3; i++) {
        tidy(() => {
          const out = m === a ? a.forward(x) : byLayer(x);
          expect(out.op).toBe(m === a ? 'linearChain' : 'linear');
          m.zeroGrad();
          new nn.MSELoss().forward(out, y).backward();
          for (const p of m.parameters()) p.data.set(p.toFloat32Array().map((v, j) => v - 0.1 * p.grad!.data[j]));
        });
      }
    }
    expect(a.parameters().map(bits)).toEqual(b.parameters().map(bits));
    for (const t of [x, y]) t.dispose();
    a.dispose();
    b.dispose();
  });

  it('re-plans when a layer\'s forward is replaced or restored, and a misfit input gets linear\'s own error', () => {
    const m = make();
    tidy(() => {
      const x = tensor([[1, 0, 1]]);
      expect(m.forward(x).op).toBe('linearChain');
      const lin = m.layers[2] as nn.Linear;
      lin.forwardWith = (h: Tensor, act: DenseActivation) => nn.Linear.prototype.forwardWith.call(lin, h, act);
      // Layers 0-1 alone are no chain; 2-3 run through the replaced forwardWith, 4 alone.
      expect(m.forward(x).op).toBe('linear');
      const sig = m.layers[3];
      sig.forward = (h: Tensor) => nn.Sigmoid.prototype.forward.call(sig, h);
      delete (lin as { forwardWith?: unknown }).forwardWith;
      // Linear 2 is no longer followed by a fusable activation: the chain is 0-1-2 alone, 3, then 4.
      expect(m.forward(x).op).toBe('linear');
      delete (sig as { forward?: unknown }).forward;
      expect(m.forward(x).op).toBe('linearChain');
      expect(() => m.forward(tensor([[1, 2]]))).toThrow('linear: input [1,2] does not fit weight [3,4] (expected [batch, 3])');
    });
    m.dispose();
  });
});

describe('linearChain backward after a weight was disposed', () => {
  it('refuses with an error naming the layer before any parameter gradient is made, and leaks nothing', () => {
    const before = memoryStats().liveBlocks;
    const ls = layers();
    tidy(() => {
      const y = linearChain(tensor([[1, 2, 3]]), ls, ['relu', 'relu', 'none']).sum();
      ls[1].weight.dispose();
      expect(() => y.backward()).toThrow("backward: the graph behind this tensor was freed: layer 1's weight [5,4] of linearChain was disposed");
    });
    expect(ls.map((l) => l.weight.grad ?? l.bias!.grad)).toEqual([null, null, null]);
    for (const l of ls) l.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
  });
});
