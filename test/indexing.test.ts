/**
 * Indexing, masking and axis reductions: exact values on small hand-checked cases (gradients are
 * checked in gradcheck.test.ts), and the errors for bad indices, axes and shapes — raised before
 * anything is allocated, with the library usable afterwards.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ShapeError, abs, argmax, argmin, clamp, crossEntropy, embedding, gather, indexAdd, indexSelect, init, logsumexp, maskedFill, max,
  memoryStats, min, mseLoss, nn, oneHot, scatterAdd, sqrt, tensor, tidy, where, zeros, type Tensor,
} from '../ts/index.js';
import { expectKnobsError, expectRejectsWithoutAllocating } from './helpers/errors.js';

beforeAll(() => init());

const arr = (t: Tensor) => t.toArray();



describe('values', () => {
  it('indexSelect / indexAdd / gather / scatterAdd (PyTorch semantics)', () => {
    tidy(() => {
      const x = tensor([[1, 2, 3], [4, 5, 6]]);
      expect(arr(indexSelect(x, 1, [2, 0, 2]))).toEqual([[3, 1, 3], [6, 4, 6]]);
      expect(arr(indexSelect(x, 0, Int32Array.of(1)))).toEqual([[4, 5, 6]]);
      expect(arr(indexSelect(x, -2, tensor([1, 1])))).toEqual([[4, 5, 6], [4, 5, 6]]);
      expect(indexSelect(x, 1, []).shape).toEqual([2, 0]);
      expect(arr(indexAdd(x, 1, [0, 0], tensor([[10, 20], [30, 40]])))).toEqual([[31, 2, 3], [74, 5, 6]]);
      expect(arr(gather(x, 1, tensor([[2, 2], [0, 1]])))).toEqual([[3, 3], [4, 5]]);
      expect(arr(gather(x, 0, tensor([[1, 0, 1]])))).toEqual([[4, 2, 6]]);
      expect(arr(scatterAdd(zeros([2, 3]), 1, tensor([[0, 0], [2, 1]]), tensor([[1, 2], [3, 4]])))).toEqual([[3, 0, 0], [0, 4, 3]]);
    });
  });

  it('embedding: shape indices.shape + [dim]; repeated rows accumulate in the gradient', () => {
    tidy(() => {
      const w = tensor([[0, 1], [2, 3], [4, 5]], undefined, { requiresGrad: true });
      const y = embedding(w, tensor([[2, 0], [2, 2]]));
      expect(y.shape).toEqual([2, 2, 2]);
      expect(arr(y)).toEqual([[[4, 5], [0, 1]], [[4, 5], [4, 5]]]);
      y.sum().backward();
      expect(arr(w.grad!)).toEqual([[1, 1], [0, 0], [3, 3]]);
      expect(embedding(w, [1]).shape).toEqual([1, 2]);
      expect(arr(embedding(w, tensor(1)))).toEqual([2, 3]);
    });
  });

  it('where / maskedFill broadcast; the gradient goes to the chosen branch', () => {
    tidy(() => {
      const a = tensor([1, 2, 3], undefined, { requiresGrad: true });
      const b = tensor([[10], [20]], undefined, { requiresGrad: true });
      const y = where(tensor([[1, 0, 1], [0, 0, 1]]), a, b);
      expect(arr(y)).toEqual([[1, 10, 3], [20, 20, 3]]);
      y.sum().backward();
      expect(arr(a.grad!)).toEqual([1, 0, 2]);
      expect(arr(b.grad!)).toEqual([[1], [2]]);
      expect(arr(where(tensor([0, 1]), 5, -1))).toEqual([-1, 5]);
      expect(arr(maskedFill(tensor([[1, 2], [3, 4]]), tensor([0, 1]), -Infinity))).toEqual([[1, -Infinity], [3, -Infinity]]);
    });
  });

  it('max/min/argmax/argmin: first index on ties, float indices, NaN propagates', () => {
    tidy(() => {
      const x = tensor([[3, 7, 7], [5, 1, 5]], undefined, { requiresGrad: true });
      expect(arr(max(x, { axis: 1 }))).toEqual([7, 5]);
      expect(arr(argmax(x, { axis: 1 }))).toEqual([1, 0]);
      expect(arr(argmin(x, { axis: 0, keepDims: true }))).toEqual([[0, 1, 1]]);
      expect(arr(min(x, { axis: 0 }))).toEqual([3, 1, 5]);
      expect(max(x).item()).toBe(7);
      expect(argmax(x).item()).toBe(1);
      expect(argmin(x).item()).toBe(4);
      expect(argmax(x).requiresGrad).toBe(false);
      max(x, { axis: 1 }).sum().backward();
      expect(arr(x.grad!)).toEqual([[0, 1, 0], [1, 0, 0]]);
      expect(max(tensor([1, NaN, 5])).item()).toBeNaN();
      expect(argmax(tensor([1, NaN, 5])).item()).toBe(1);
      // argmax output is a valid index for gather.
      const am = argmax(x, { axis: 1, keepDims: true });
      expect(arr(gather(x, 1, am))).toEqual([[7], [5]]);
    });
  });

  it('logsumexp is stable for large magnitudes; clamp/abs/sqrt; oneHot', () => {
    tidy(() => {
      const l = logsumexp(tensor([[1000, 1000], [-1000, -1000], [0, Math.log(3)]]), 1).toFloat32Array();
      expect(l[0]).toBeCloseTo(1000 + Math.LN2, 3);
      expect(l[1]).toBeCloseTo(-1000 + Math.LN2, 3);
      expect(l[2]).toBeCloseTo(Math.log(4), 5);
      expect(logsumexp(tensor([[-Infinity, -Infinity]]), 1).item()).toBe(-Infinity);
      expect(logsumexp(zeros([2, 3]), 0, true).shape).toEqual([1, 3]);
      expect(arr(clamp(tensor([-2, 0.5, 9, NaN]), 0, 1))).toEqual([0, 0.5, 1, NaN]);
      expect(arr(clamp(tensor([-2, 9]), null, 1))).toEqual([-2, 1]);
      expect(arr(abs(tensor([-2, 0, 3])))).toEqual([2, 0, 3]);
      expect(arr(sqrt(tensor([4, 0.25])))).toEqual([2, 0.5]);
      expect(arr(oneHot([2, 0], 3))).toEqual([[0, 0, 1], [1, 0, 0]]);
      expect(oneHot(tensor([[1, 0], [0, 1]]), 2).shape).toEqual([2, 2, 2]);
    });
  });

  it("reduction 'none': per-element mseLoss, per-row crossEntropy, also through nn losses", () => {
    tidy(() => {
      expect(arr(mseLoss(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 4]]), 'none'))).toEqual([[0, 4], [9, 0]]);
      const logits = tensor([[0, 0], [Math.log(3), 0]]);
      const rows = crossEntropy(logits, [0, 0], 'none').toFloat32Array();
      expect(rows[0]).toBeCloseTo(Math.LN2, 6);
      expect(rows[1]).toBeCloseTo(Math.log(4 / 3), 6);
      const mean = crossEntropy(logits, [0, 0]).item();
      expect(mean).toBeCloseTo((rows[0] + rows[1]) / 2, 6);
      expect(new nn.CrossEntropyLoss({ reduction: 'none' }).forward(logits, [1, 0]).shape).toEqual([2]);
      expect(new nn.MSELoss({ reduction: 'none' }).forward(zeros([3]), zeros([3])).shape).toEqual([3]);
    });
  });

  it('no graph, no leak: index buffers are freed at once; with a graph, by tidy', () => {
    const before = memoryStats().liveBlocks;
    const x = tensor([[1, 2], [3, 4]]);
    const i = tensor([[1], [0]]);
    const y = gather(x, 1, i);
    const m = max(x, { axis: 0 });
    for (const t of [y, m, i, x]) t.dispose();
    expect(memoryStats().liveBlocks).toBe(before);
    tidy(() => {
      const w = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
      embedding(w, [0, 1, 1]).sum().backward();
      indexSelect(w, 1, [1]).sum().backward();
      max(w).backward();
    });
    expect(memoryStats().liveBlocks).toBe(before);
  });
});

describe('errors name the op, the bad value, its position and the valid range', () => {
  it('out-of-range indices (arrays, Int32Array, tensors)', () => {
    tidy(() => {
      const x = zeros([2, 3]);
      const [g5, e2, s2, z13, z11] = [tensor([[0, 1], [5, 0]]), tensor([0, 2]), tensor([[2]]), zeros([1, 3]), zeros([1, 1])];
      expectRejectsWithoutAllocating(() => indexSelect(x, 1, [0, 3]), 'indexSelect: index 3 at position 1 is out of range for axis 1 of [2,3] (valid: 0 to 2)');
      expectRejectsWithoutAllocating(() => indexSelect(x, 0, Int32Array.of(0, 1, -1)), 'indexSelect: index -1 at position 2 is out of range for axis 0 of [2,3] (valid: 0 to 1)');
      expectRejectsWithoutAllocating(() => gather(x, 1, g5), 'gather: index 5 at position 2 is out of range for axis 1 of [2,3] (valid: 0 to 2)');
      expectRejectsWithoutAllocating(() => embedding(x, e2), 'embedding: indices 2 at position 1 is out of range for weight [2,3] (2 embeddings) (valid: 0 to 1)');
      expectRejectsWithoutAllocating(() => oneHot([0, 3], 3), 'oneHot: indices 3 at position 1 is out of range for 3 classes (valid: 0 to 2)');
      expectRejectsWithoutAllocating(() => scatterAdd(x, 0, s2, z11), /^scatterAdd: index 2 at position 0 is out of range for axis 0 of \[2,3\]/);
      expectRejectsWithoutAllocating(() => indexAdd(x, 0, [4], z13), /^indexAdd: index 4 at position 0 is out of range for axis 0 of \[2,3\]/);
    });
  });

  it('non-integer indices and wrong index types', () => {
    tidy(() => {
      const x = zeros([2, 3]);
      const [frac, nan] = [tensor([[0, 0.25, 1]]), tensor([NaN])];
      expectRejectsWithoutAllocating(() => indexSelect(x, 1, [0, 1.5]), 'indexSelect: index 1.5 at position 1 is not an integer (valid: integers 0 to 2)');
      expectRejectsWithoutAllocating(() => gather(x, 0, frac), 'gather: index 0.25 at position 1 is not an integer (valid: integers 0 to 1)');
      expectRejectsWithoutAllocating(() => embedding(x, nan), 'embedding: indices NaN at position 0 is not an integer (valid: integers 0 to 1)');
      expectRejectsWithoutAllocating(() => indexSelect(x, 0, Float32Array.of(0) as never), 'indexSelect: index must be an Int32Array, an array of integers or a Tensor of integer values, got Float32Array');
      expectRejectsWithoutAllocating(() => oneHot(new Uint32Array(2) as never, 3), /^oneHot: indices must be an Int32Array.*got Uint32Array$/);
      expectRejectsWithoutAllocating(() => oneHot([0], 2.5), 'oneHot: numClasses must be a positive integer, got 2.5');
    });
  });

  it('bad axes and shape mismatches', () => {
    tidy(() => {
      const x = zeros([2, 3]);
      const [scalar, i11, i2, z31, z22, z21, z3, z02, z20, c2, z23] = [zeros([]), tensor([[0]]), tensor([0, 1]), zeros([3, 1]), zeros([2, 2]), zeros([2, 1]), zeros([3]), zeros([0, 2]), zeros([2, 0]), tensor([1, 0]), zeros([2, 3])];
      expect(() => gather(x, 1, i2)).toThrow(ShapeError);
      expectRejectsWithoutAllocating(() => indexSelect(x, 2, [0]), 'indexSelect: axis 2 is out of range for a tensor of rank 2');
      expectRejectsWithoutAllocating(() => indexSelect(scalar, 0, [0]), 'indexSelect: needs a tensor with at least one axis, got a scalar');
      expectRejectsWithoutAllocating(() => indexSelect(x, 0, i11), 'indexSelect: index must be 1-D, got shape [1,1]');
      expectRejectsWithoutAllocating(() => gather(x, 1, i2), 'gather: index [2] must have the rank of x [2,3] and be no larger on every axis but 1');
      expectRejectsWithoutAllocating(() => gather(x, 1, z31), 'gather: index [3,1] must have the rank of x [2,3] and be no larger on every axis but 1');
      expectRejectsWithoutAllocating(() => indexAdd(x, 1, [0], z22), 'indexAdd: source [2,2] must have shape [2,1] (x [2,3] with 1 indices on axis 1)');
      expectRejectsWithoutAllocating(() => scatterAdd(x, 1, z21, z22), "scatterAdd: src [2,2] must have the index's shape [2,1]");
      expectRejectsWithoutAllocating(() => embedding(z3, [0]), 'embedding: weight must be 2-D [numEmbeddings, dim], got [3]');
      expectRejectsWithoutAllocating(() => max(x, { axis: -3 }), 'max: axis -3 is out of range for a tensor of rank 2');
      expectRejectsWithoutAllocating(() => argmin(z02), 'argmin: cannot reduce an empty tensor [0,2]');
      expectRejectsWithoutAllocating(() => min(z20, { axis: 1 }), 'min: cannot reduce axis 1 of length 0 of [2,0]');
      expectRejectsWithoutAllocating(() => logsumexp(x, 5), 'logsumexp: axis 5 is out of range for a tensor of rank 2');
      expectRejectsWithoutAllocating(() => where(c2, z3, 0), 'where: shapes [2] and [3] cannot be broadcast together');
      expectRejectsWithoutAllocating(() => maskedFill(z3, z23, 1), 'maskedFill: mask [2,3] must broadcast to x [3]');
      expectRejectsWithoutAllocating(() => mseLoss(c2, z3, 'none'), 'mseLoss: prediction [2] and target [3] must have the same shape');
      expectRejectsWithoutAllocating(() => crossEntropy(z22, [0, 1], 'avg' as never), "crossEntropy: reduction must be 'mean', 'sum' or 'none', got 'avg'");
    });
  });

  it('conditions must be 0/1; clamp bounds must make sense', () => {
    tidy(() => {
      const [half, two, z2] = [tensor([1, 0.5]), tensor([2, 0]), zeros([2])];
      expectRejectsWithoutAllocating(() => where(half, 1, 0), 'where: cond [2] must hold only 0 and 1, got 0.5 at flat index 1');
      expectRejectsWithoutAllocating(() => maskedFill(z2, two, 1), 'maskedFill: mask [2] must hold only 0 and 1, got 2 at flat index 0');
      expectRejectsWithoutAllocating(() => clamp(z2, 1, 0), 'clamp: min 1 is greater than max 0');
      expectRejectsWithoutAllocating(() => clamp(z2), 'clamp: give min, max or both');
      expectRejectsWithoutAllocating(() => clamp(z2, NaN), 'clamp: min and max must be numbers, got min NaN, max undefined');
    });
  });

  it('a bad index in the middle of training leaves the model trainable', () => {
    const w = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    expectKnobsError(() => tidy(() => embedding(w, [0, 7]).sum().backward()), /embedding: indices 7 at position 1/);
    tidy(() => embedding(w, [1, 1]).sum().backward());
    expect(arr(w.grad!)).toEqual([[0, 0], [2, 2]]);
    w.dispose();
  });
});
