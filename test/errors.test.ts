/** Bad input gets a clear error naming the op and the shapes, and the library stays usable. */
import { beforeAll, describe, expect, it } from 'vitest';
import { KnobsError, ShapeError, add, crossEntropy, relu, init, linear, matmul, memoryStats, mseLoss, nn, optim, tensor, tidy, zeros } from '../ts/index.js';
import { expectUsable } from './helpers/errors.js';

beforeAll(() => init());


describe('shape errors name the op and both shapes', () => {
  it('matmul inner dimensions', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow('matmul: inner dimensions differ: [2,3] · [4,5]');
    expectUsable();
  });
  it('batched matmul: batch dimensions, rank and scalars, checked before anything is allocated', () => {
    const [a234, a345, a256, a7, a32, s, v3] = [[2, 3, 4], [3, 4, 5], [2, 5, 6], [1, 1, 1, 1, 1, 2, 3], [3, 2], [], [3]].map((sh) => zeros(sh));
    const live = memoryStats().liveBlocks;
    expect(() => matmul(a234, a345)).toThrow('matmul: batch dimensions of [2,3,4] and [3,4,5] cannot be broadcast together ([2] vs [3])');
    expect(() => matmul(a234, a256)).toThrow('matmul: inner dimensions differ: [2,3,4] · [2,5,6] (4 vs 5)');
    expect(() => matmul(a7, a32)).toThrow('matmul: rank 7 is above the supported 6 ([1,1,1,1,1,2,3] · [3,2])');
    expect(() => matmul(s, v3)).toThrow('matmul: both operands need at least one dimension, got [] and [3]');
    expect(() => linear(a234, a32, null, 'gelu' as 'relu')).toThrow("linear: unknown activation 'gelu'");
    expect(memoryStats().liveBlocks).toBe(live);
    for (const t of [a234, a345, a256, a7, a32, s, v3]) t.dispose();
    expectUsable();
  });
  it('broadcasting', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast together');
    expectUsable();
  });
  it('losses', () => {
    expect(() => mseLoss(zeros([2, 1]), zeros([2]))).toThrow('mseLoss: prediction [2,1] and target [2] must have the same shape');
    expect(() => crossEntropy(zeros([3, 4]), [1, 2])).toThrow(/crossEntropy: logits \[3,4\] need 3 class labels/);
    expect(() => crossEntropy(zeros([2, 4]), [1, 4])).toThrow('crossEntropy: label 4 at index 1 is not a class index in [0, 4)');
    expectUsable();
  });
  it('tensor construction', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fill shape [2,2] (4 elements)');
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => zeros([2, -1])).toThrow(/invalid shape \[2,-1\]/);
  });
  it('a layer fed the wrong width', () => {
    const lin = new nn.Linear(3, 2, { seed: 1 });
    expect(() => lin.forward(zeros([5, 4]))).toThrow('linear: input [5,4] does not fit weight [3,2] (expected [batch, 3])');
    expectUsable();
  });
});

describe('non-finite values', () => {
  it('NaN or Infinity entering a loss is reported with its position', () => {
    expect(() => mseLoss(tensor([1, NaN]), tensor([1, 2]))).toThrow('mseLoss: prediction [2] contains NaN or Infinity (first at flat index 1: NaN)');
    expect(() => crossEntropy(tensor([[0, Infinity]]), [1])).toThrow(/crossEntropy: logits \[1,2\] contains NaN or Infinity/);
    expectUsable();
  });
});

describe('hyperparameters and state', () => {
  it('optimizers validate their settings', () => {
    const p = new nn.Linear(2, 2, { seed: 1 }).parameters();
    expect(() => new optim.SGD(p, { lr: -1 })).toThrow('SGD: lr must be in [0, Infinity), got -1');
    expect(() => new optim.SGD(p, { lr: NaN })).toThrow(/SGD: lr/);
    expect(() => new optim.SGD(p, { lr: 0.1, momentum: 1.5 })).toThrow('SGD: momentum must be in [0, 1), got 1.5');
    expect(() => new optim.Adam(p, { beta1: 1 })).toThrow(/Adam: beta1/);
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new nn.Dropout(1)).toThrow(/Dropout: p must be in \[0, 1\)/);
    expect(() => new nn.Linear(0, 3)).toThrow(/Linear: inFeatures must be a positive integer/);
  });
  it('loadStateDict is strict and atomic', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3, { seed: 1 }), new nn.ReLU(), new nn.Linear(3, 1, { seed: 2 }));
    const before = m.stateDict();
    expect(() => m.loadStateDict({ '0.weight': [[1, 2, 3], [4, 5, 6]] })).toThrow(/missing keys \[0.bias, 2.weight, 2.bias\]/);
    const bad = { ...before, '2.weight': { shape: [1, 3], data: new Float32Array(3) } };
    expect(() => m.loadStateDict(bad)).toThrow("loadStateDict: '2.weight' expects shape [3,1], got [1,3]");
    expect(m.stateDict()).toEqual(before);
  });
  it('a disposed tensor says so', () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(() => add(t, 1)).toThrow(/used after dispose/);
    expect(() => t.toArray()).toThrow(/used after dispose/);
    expectUsable();
  });
  it('tidy frees the temporaries of a step that throws', () => {
    const x = zeros([3, 3]);
    const before = memoryStats().liveBytes;
    expect(() => tidy(() => {
      matmul(x, x).relu();
      matmul(x, zeros([2, 2]));
    })).toThrow(KnobsError);
    expect(memoryStats().liveBytes).toBe(before);
    expectUsable();
  });
});

describe('a trap inside the wasm core', () => {
  it('surfaces as a JS error and leaves the instance usable', async () => {
    const { K } = await import('../ts/backend/wasm.js');
    const t = zeros([2]);
    // An op code no TS wrapper ever sends: the Rust side panics (wasm `unreachable`).
    expect(() => K().broadcast_binary(99, t.ptr, 2, Uint32Array.of(1), t.ptr, 2, Uint32Array.of(1), t.ptr, Uint32Array.of(2))).toThrow();
    expectUsable();
    expect(tidy(() => add(tensor([1, 2]), tensor([3, 4])).toArray())).toEqual([4, 6]);
  });
});

describe('NaN is not swallowed on the way to the loss', () => {
  it('a NaN input passes through relu layers and the loss reports it', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.ReLU(), new nn.Linear(4, 2, { seed: 2 }));
    expect(() => tidy(() => crossEntropy(model.forward(tensor([[NaN, 0, 0]])), [1]))).toThrow(/crossEntropy: logits \[1,2\] contains NaN/);
    const r = tidy(() => relu(tensor([NaN, -1, 2])).toFloat32Array());
    expect(Number.isNaN(r[0]) && r[1] === 0 && r[2] === 2).toBe(true);
  });
});
