/**
 * Layout ops (reshape/view, squeeze/unsqueeze, flatten, permute/transpose, slice/narrow,
 * cat/stack/split/chunk): exact forward values worked out by hand, errors named before any
 * allocation, gradients accumulated across ops, and no memory left behind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ShapeError, Tensor, cat, chunk, flatten, init, matmul, memoryStats, narrow, permute, reshape, slice, split, squeeze, stack,
  tensor, tidy, transpose, unsqueeze, view, zeros,
} from '../ts/index.js';
import { expectKnobsError } from './helpers/errors.js';

beforeAll(() => init());

const arange = (...shape: number[]) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape);
const vals = (t: Tensor) => Array.from(t.toFloat32Array());

describe('reshape, view, squeeze, unsqueeze, flatten', () => {
  it('share memory with their input and give the requested shapes', () => tidy(() => {
    const x = arange(2, 3, 4);
    const v = view(x, [4, -1, 1, 1, 1, 3]);
    expect(v.shape).toEqual([4, 2, 1, 1, 1, 3]);
    x.data[5] = 100;
    expect(v.data[5]).toBe(100);
    expect(squeeze(v).shape).toEqual([4, 2, 3]);
    expect(squeeze(v, 2).shape).toEqual([4, 2, 1, 1, 3]);
    expect(squeeze(v, [0, -2]).shape).toEqual([4, 2, 1, 1, 3]); // axis 0 has size 4: kept, as in PyTorch
    expect(unsqueeze(x, 0).shape).toEqual([1, 2, 3, 4]);
    expect(unsqueeze(x, -1).shape).toEqual([2, 3, 4, 1]);
    expect(unsqueeze(x, 2).shape).toEqual([2, 3, 1, 4]);
    expect(x.view([6, 4]).unsqueeze(1).squeeze(1).shape).toEqual([6, 4]);
  }));

  it('flatten keeps flatten(x) = [n, rest] and takes PyTorch start/end dims', () => tidy(() => {
    const x = arange(2, 3, 4, 5);
    expect(flatten(x).shape).toEqual([2, 60]);
    expect(x.flatten().shape).toEqual([2, 60]);
    expect(flatten(x, 0).shape).toEqual([120]);
    expect(flatten(x, 1, 2).shape).toEqual([2, 12, 5]);
    expect(x.flatten(-2, -1).shape).toEqual([2, 3, 20]);
    expect(flatten(arange(5)).shape).toEqual([5, 1]);
    expect(flatten(tensor(3)).shape).toEqual([1, 1]);
    expect(flatten(tensor(3), 0).shape).toEqual([1]);
  }));

  it('reject impossible shapes, rank above 6 and bad axes', () => tidy(() => {
    const x = arange(2, 3);
    expectKnobsError(() => view(x, [4, 2]), 'view: cannot reshape [2,3] (6 elements) to [4,2]');
    expectKnobsError(() => reshape(x, [-1, -1]), 'reshape: only one dimension can be -1, got [-1,-1]');
    expectKnobsError(() => reshape(x, [1, 1, 1, 1, 1, 2, 3]), /reshape: rank 7 of \[1,1,1,1,1,2,3\] is above the supported 6/);
    expectKnobsError(() => reshape(x, [-2, -3]), /reshape: cannot reshape \[2,3\]/);
    expectKnobsError(() => unsqueeze(arange(1, 1, 1, 1, 1, 2), 0), /unsqueeze: rank 7/);
    expectKnobsError(() => unsqueeze(x, 3), 'unsqueeze: axis 3 is out of range for a tensor of rank 3');
    expectKnobsError(() => squeeze(x, 2), 'squeeze: axis 2 is out of range for a tensor of rank 2');
    expectKnobsError(() => flatten(arange(2, 3, 4), 2, 1), 'flatten: startDim 2 comes after endDim 1 for [2,3,4]');
  }));
});

describe('permute and transpose', () => {
  it('permute moves axes: out[i,j,k] = x[j,k,i]', () => tidy(() => {
    const x = arange(2, 3, 4);
    const y = permute(x, [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    const xd = x.toFloat32Array(), yd = y.toFloat32Array();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) {
      expect(yd[(i * 2 + j) * 3 + k]).toBe(xd[(j * 3 + k) * 4 + i]);
    }
    expect(vals(x.permute(1, 0, 2))).toEqual(vals(x.permute([1, 0, 2])));
    expect(vals(permute(x, [0, 1, 2]))).toEqual(vals(x));
  }));

  it('transpose swaps two axes; with none, the last two (so .T of a matrix is unchanged)', () => tidy(() => {
    expect(arange(2, 3).T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(transpose(arange(2, 3)).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    const x = arange(2, 1, 3);
    expect(x.T.toArray()).toEqual([[[0], [1], [2]], [[3], [4], [5]]]);
    expect(transpose(x, 0, -1).toArray()).toEqual([[[0, 3]], [[1, 4]], [[2, 5]]]);
    expect(x.transpose(1, 1).toArray()).toEqual(x.toArray());
  }));

  it('reject dims that are not a permutation', () => tidy(() => {
    const x = arange(2, 3, 4);
    expectKnobsError(() => permute(x, [0, 1]), 'permute: dims [0,1] must list every axis of [2,3,4] once');
    expectKnobsError(() => permute(x, [0, 1, -3]), 'permute: dims [0,1,-3] repeat an axis of [2,3,4]');
    expectKnobsError(() => permute(x, [0, 1, 3]), 'permute: axis 3 is out of range for a tensor of rank 3');
    expectKnobsError(() => permute(x, [0, 1, 1.5]), 'permute: each dim must be an integer, got 1.5');
    expectKnobsError(() => transpose(arange(3)), 'transpose: swapping the last two axes needs rank ≥ 2, got [3]');
    expectKnobsError(() => transpose(x, 0), 'transpose: give both axes or neither');
    expectKnobsError(() => permute(tensor(new Float32Array(128), [2, 2, 2, 2, 2, 2, 2]), [0, 1, 2, 3, 4, 5, 6]), /permute: rank 7 of \[2,2,2,2,2,2,2\] is above the supported 6/);
    expectKnobsError(() => transpose(tensor(new Float32Array(128), [2, 2, 2, 2, 2, 2, 2])), /transpose: rank 7 of \[2,2,2,2,2,2,2\] is above the supported 6/);
  }));

  it('a permute of [64,128,256] is right at the corners and in the middle', () => tidy(() => {
    const x = arange(64, 128, 256);
    const y = permute(x, [2, 0, 1]);
    const d = y.data;
    const at = (i: number, j: number, k: number) => d[(i * 64 + j) * 128 + k];
    expect(at(0, 0, 0)).toBe(0);
    expect(at(255, 63, 127)).toBe(64 * 128 * 256 - 1);
    expect(at(17, 5, 99)).toBe((5 * 128 + 99) * 256 + 17);
  }));
});

describe('slice and narrow', () => {
  it('follow Python slicing: negative indices, clipping, steps', () => tidy(() => {
    const x = arange(10);
    expect(vals(slice(x, 0, 2, 5))).toEqual([2, 3, 4]);
    expect(vals(slice(x, 0, -3))).toEqual([7, 8, 9]);
    expect(vals(slice(x, 0, 1, -1, 3))).toEqual([1, 4, 7]);
    expect(vals(slice(x, 0, 0, undefined, 4))).toEqual([0, 4, 8]);
    expect(vals(slice(x, 0, -100, 100, 5))).toEqual([0, 5]);
    expect(slice(x, 0, 7, 3).shape).toEqual([0]);
    expect(vals(slice(x, 0, 3, undefined, 2 ** 40))).toEqual([3]);
    const m = arange(3, 4);
    expect(slice(m, 1, 1, 4, 2).toArray()).toEqual([[1, 3], [5, 7], [9, 11]]);
    expect(slice(m, -2, 2).toArray()).toEqual([[8, 9, 10, 11]]);
  }));

  it('narrow takes length elements from start (negative start from the end)', () => tidy(() => {
    const m = arange(3, 4);
    expect(narrow(m, 1, 1, 2).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(m.narrow(0, -1, 1).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(narrow(m, 0, 3, 0).shape).toEqual([0, 4]);
  }));

  it('reject bad axes, steps and ranges', () => tidy(() => {
    const m = arange(3, 4);
    expectKnobsError(() => slice(m, 2, 0, 1), 'slice: axis 2 is out of range for a tensor of rank 2');
    expectKnobsError(() => slice(m, 0, 0, 3, 0), 'slice: step must be ≥ 1, got 0 (axis 0 of [3,4])');
    expectKnobsError(() => slice(m, 0, 0, 3, -1), /slice: step must be ≥ 1, got -1/);
    expectKnobsError(() => slice(m, 0, 0.5), 'slice: start must be an integer, got 0.5');
    expectKnobsError(() => narrow(m, 1, 2, 3), 'narrow: start 2 and length 3 do not fit axis 1 (size 4) of [3,4]');
    expectKnobsError(() => narrow(m, 1, 0, -1), /narrow: start 0 and length -1 do not fit/);
    expectKnobsError(() => narrow(m, 0, -4, 1), /narrow: start -4 and length 1 do not fit axis 0 \(size 3\)/);
  }));
});

describe('cat, stack, split, chunk', () => {
  it('cat joins along an existing axis', () => tidy(() => {
    const a = arange(2, 2), b = tensor([[10], [20]]);
    expect(cat([a, b], 1).toArray()).toEqual([[0, 1, 10], [2, 3, 20]]);
    expect(cat([a, tensor([[7, 8]])], -2).toArray()).toEqual([[0, 1], [2, 3], [7, 8]]);
    expect(vals(cat([arange(3)]))).toEqual([0, 1, 2]);
    expect(cat([zeros([2, 0]), a], 1).toArray()).toEqual(a.toArray());
  }));

  it('stack joins along a new axis', () => tidy(() => {
    const a = tensor([1, 2, 3]), b = tensor([4, 5, 6]);
    expect(stack([a, b]).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(stack([a, b], 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(stack([a, b], -1).shape).toEqual([3, 2]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
  }));

  it('split and chunk cut into pieces with PyTorch sizes', () => tidy(() => {
    const x = arange(7, 2);
    expect(split(x, 3).map((p) => p.shape[0])).toEqual([3, 3, 1]);
    expect(x.split([2, 0, 5]).map((p) => p.shape[0])).toEqual([2, 0, 5]);
    expect(split(x, [2, 5])[1].toArray()).toEqual([[4, 5], [6, 7], [8, 9], [10, 11], [12, 13]]);
    expect(split(x, 1, 1).map((p) => vals(p))).toEqual([[0, 2, 4, 6, 8, 10, 12], [1, 3, 5, 7, 9, 11, 13]]);
    expect(chunk(x, 3).map((p) => p.shape[0])).toEqual([3, 3, 1]);
    // PyTorch: 6 rows in 4 chunks of ceil(6/4) = 2 gives 3 chunks.
    expect(chunk(arange(6), 4).map(vals)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(x.chunk(10).length).toBe(7);
  }));

  it('reject mismatched shapes naming the offending tensor, and bad sizes', () => tidy(() => {
    const a = zeros([2, 3]);
    expectKnobsError(() => cat([a, zeros([2, 3]), zeros([3, 4])], 0), 'cat: tensor 2 has shape [3,4] but tensor 0 has [2,3]; all dimensions except axis 0 must match');
    expectKnobsError(() => cat([a, zeros([2, 3, 1])], 1), /cat: tensor 1 has shape \[2,3,1\]/);
    expectKnobsError(() => cat([], 0), 'cat: expected a non-empty array of tensors');
    expectKnobsError(() => cat([a, 3 as unknown as Tensor]), 'cat: tensor 1 must be a Tensor, got number');
    expectKnobsError(() => cat([a], 2), 'cat: axis 2 is out of range for a tensor of rank 2');
    expectKnobsError(() => cat([tensor(1)]), /cat: tensor 0 is a scalar/);
    expectKnobsError(() => stack([a, zeros([3, 2])]), 'stack: tensor 1 has shape [3,2] but tensor 0 has [2,3]; all must match');
    expectKnobsError(() => stack([a], 3), 'stack: axis 3 is out of range for a tensor of rank 3');
    expectKnobsError(() => stack([zeros([1, 1, 1, 1, 1, 2])]), /stack: rank 7/);
    expectKnobsError(() => split(a, [1, 3], 1), 'split: sizes [1,3] must be non-negative integers adding up to 3, the size of axis 1 of [2,3]');
    expectKnobsError(() => split(a, 0), 'split: split size must be a positive integer, got 0 (axis 0 of [2,3])');
    expectKnobsError(() => split(a, -2), /split: split size must be a positive integer, got -2/);
    expectKnobsError(() => chunk(a, 0), 'chunk: chunks must be a positive integer, got 0 (shape [2,3])');
  }));

  it('cat refuses an output too big for 32-bit wasm memory before allocating', () => {
    // Views of one small buffer pretend to be huge: only the shapes are looked at before the refusal.
    const big = Object.create(Tensor.prototype, { shape: { value: [2 ** 29, 2] }, size: { value: 2 ** 30 }, rank: { value: 2 }, isDisposed: { value: false } }) as Tensor;
    const before = memoryStats().liveBytes;
    expectKnobsError(() => cat([big, big], 0), /cat: output \[1073741824,2\] has 2147483648 elements, more than 32-bit wasm memory holds/);
    expect(memoryStats().liveBytes).toBe(before);
  });
});

describe('gradients through layout ops', () => {
  it('accumulate when a tensor reaches the loss by several layout paths', () => tidy(() => {
    const x = arange(2, 3).requireGrad();
    // y = Σ x[:, 1:] · 2 + Σ permute(x) · x-shaped weights + Σ cat([x, x]) → known per-element gradient
    const w = tensor([[1, 2], [3, 4], [5, 6]]);
    const y = slice(x, 1, 1).mul(2).sum().add(permute(x, [1, 0]).mul(w).sum()).add(cat([x, x], 0).sum());
    y.backward();
    expect(x.grad!.toArray()).toEqual([[0 + 1 + 2, 2 + 3 + 2, 2 + 5 + 2], [0 + 2 + 2, 2 + 4 + 2, 2 + 6 + 2]]);
  }));

  it('go back exactly through a permute big enough for the tiled kernel, fresh and accumulated', () => tidy(() => {
    const x = zeros([3, 40, 50]).requireGrad();
    const w = arange(50, 3, 40);
    for (const times of [1, 2]) {
      permute(x, [2, 0, 1]).backward(w);
      const gd = x.grad!.toFloat32Array(), wd = w.toFloat32Array();
      for (const [i, j, k] of [[0, 0, 0], [2, 39, 49], [1, 33, 7], [2, 5, 45]]) {
        expect(gd[(i * 40 + j) * 50 + k]).toBe(times * wd[(k * 3 + i) * 40 + j]);
      }
      let mismatches = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 40; j++) for (let k = 0; k < 50; k++) {
        if (gd[(i * 40 + j) * 50 + k] !== times * wd[(k * 3 + i) * 40 + j]) mismatches++;
      }
      expect(mismatches).toBe(0);
    }
  }));

  it('send nothing to inputs that do not require grad and work under matmul', () => tidy(() => {
    const a = arange(2, 3).requireGrad();
    const c = arange(2, 3);
    const out = matmul(cat([a, c], 0).T, tensor([[1], [1], [1], [1]]));
    out.sum().backward();
    expect(vals(a.grad!)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(c.grad).toBeNull();
  }));

  it('leave no memory behind over many steps', () => {
    const x = arange(4, 6, 8).requireGrad();
    const step = () => tidy(() => {
      const parts = chunk(permute(x, [2, 0, 1]), 3, 0);
      const y = stack(parts.map((p) => slice(p, 1, 0, undefined, 2).sum()), 0);
      cat(split(x, [1, 3], 0), 0).mul(y.sum()).sum().backward();
      x.grad!.dispose();
      x.grad = null;
    });
    for (let i = 0; i < 5; i++) step();
    const before = memoryStats();
    for (let i = 0; i < 200; i++) step();
    const after = memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.wasmBytes).toBe(before.wasmBytes);
  });

  it('errors leave the library usable', () => tidy(() => {
    expect(() => cat([zeros([2, 3]), zeros([3, 3])], 1)).toThrow(ShapeError);
    expect(vals(cat([arange(2), arange(2)]))).toEqual([0, 1, 0, 1]);
  }));
});
