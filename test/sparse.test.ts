/**
 * Sparse input (ts/ops/sparse.ts): CSR construction both ways, nn.Linear on a SparseCsr giving the
 * dense layer's outputs and gradients, and the errors — raised before anything is allocated, with
 * the library usable afterwards. Gradients against finite differences are in gradcheck.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, ShapeError, init, memoryStats, nn, sparseCsrTensor, sparseMm, tensor, tidy, toSparseCsr, zeros } from '../ts/index.js';
import { expectRejectsWithoutAllocating } from './helpers/errors.js';

beforeAll(() => init());


/** Rows like Pong's frame differences: mostly 0, a few ±1. */
function sparseFrames(rows: number, cols: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) {
    const u = r.next();
    if (u < 0.02) x[i] = 1;
    else if (u < 0.04) x[i] = -1;
  }
  return x;
}

describe('SparseCsr', () => {
  it('toSparseCsr keeps every nonzero, row by row in column order', () => {
    tidy(() => {
      const s = toSparseCsr(tensor([[0, 2, 0, -1], [0, 0, 0, 0], [3, 0, 0, 0.5]]));
      expect(s.shape).toEqual([3, 4]);
      expect(s.nnz).toBe(4);
      const a = s.toArrays();
      expect(Array.from(a.crowIndices)).toEqual([0, 2, 2, 4]);
      expect(Array.from(a.colIndices)).toEqual([1, 3, 0, 3]);
      expect(Array.from(a.values)).toEqual([2, -1, 3, 0.5]);
    });
  });

  it('sparseCsrTensor round-trips through toArrays and multiplies as the dense matrix', () => {
    tidy(() => {
      const crow = Int32Array.of(0, 1, 3), col = Int32Array.of(2, 0, 2), val = Float32Array.of(4, -1, 0.5);
      const s = sparseCsrTensor(crow, col, val, [2, 3]);
      expect(s.toArrays()).toEqual({ crowIndices: crow, colIndices: col, values: val });
      const b = tensor([[1, 2], [3, 4], [5, 6]]);
      expect(sparseMm(s, b).toArray()).toEqual([[20, 24], [1.5, 1]]);
      expect(sparseMm(s, b, tensor([10, 100])).toArray()).toEqual([[30, 124], [11.5, 101]]);
    });
  });

  it('an all-zero batch gives the bias alone, and no rows gives an empty output', () => {
    tidy(() => {
      const lin = new nn.Linear(5, 2, { seed: 1 });
      const s = toSparseCsr(zeros([3, 5]));
      expect(s.nnz).toBe(0);
      const bias = Array.from(lin.bias!.toFloat32Array());
      expect(Array.from(lin.forward(s).toFloat32Array())).toEqual([...bias, ...bias, ...bias]);
      expect(lin.forward(toSparseCsr(zeros([0, 5]))).shape).toEqual([0, 2]);
    });
  });
});

describe('nn.Linear on sparse input', () => {
  it('gives the dense layer outputs and the same weight and bias gradients', () => {
    const rows = 6, cols = 400, out = 7;
    const x = sparseFrames(rows, cols, 3);
    const g = new Rng(4);
    const upstream = Float32Array.from({ length: rows * out }, () => g.next() * 2 - 1);
    const run = (sparse: boolean) =>
      tidy(() => {
        const lin = new nn.Linear(cols, out, { seed: 9 });
        const xt = tensor(x, [rows, cols]);
        const y = lin.forward(sparse ? toSparseCsr(xt) : xt);
        y.mul(tensor(upstream, [rows, out])).sum().backward();
        const res = { y: y.toFloat32Array(), gw: lin.weight.grad!.toFloat32Array(), gb: lin.bias!.grad!.toFloat32Array() };
        lin.dispose();
        return res;
      });
    const dense = run(false), sparse = run(true);
    const close = (a: Float32Array, b: Float32Array) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    close(sparse.y, dense.y);
    close(sparse.gw, dense.gw);
    close(sparse.gb, dense.gb);
    // Weight rows of columns that are zero in every row get exactly zero gradient.
    const touched = new Set<number>();
    x.forEach((v, i) => v !== 0 && touched.add(i % cols));
    const untouched = Array.from({ length: cols }, (_, c) => c).filter((c) => !touched.has(c));
    expect(untouched.length).toBeGreaterThan(cols / 2);
    for (const c of untouched) for (let j = 0; j < out; j++) expect(sparse.gw[c * out + j]).toBe(0);
  });

  it('accumulates the weight gradient over two backward calls', () => {
    tidy(() => {
      const lin = new nn.Linear(4, 2, { seed: 2 });
      const s = sparseCsrTensor(Int32Array.of(0, 2), Int32Array.of(1, 3), Float32Array.of(2, -1), [1, 4]);
      lin.forward(s).sum().backward();
      const once = lin.weight.grad!.toFloat32Array();
      lin.forward(s).sum().backward();
      lin.weight.grad!.toFloat32Array().forEach((v, i) => expect(v).toBeCloseTo(2 * once[i], 6));
      expect(Array.from(once)).toEqual([0, 0, 2, 2, 0, 0, -1, -1]);
    });
  });

  it('memory does not grow over repeated sparse forward/backward steps', () => {
    const lin = new nn.Linear(300, 8, { seed: 5 });
    const x = sparseFrames(4, 300, 6);
    const step = () =>
      tidy(() => {
        lin.forward(toSparseCsr(tensor(x, [4, 300]))).sum().backward();
        lin.zeroGrad();
      });
    step();
    const before = memoryStats().liveBlocks;
    for (let i = 0; i < 50; i++) step();
    expect(memoryStats().liveBlocks).toBe(before);
    lin.dispose();
  });
});

describe('errors', () => {
  it('bad CSR arrays and shapes are refused before allocating', () => {
    const i32 = (...v: number[]) => Int32Array.from(v);
    const f32 = (...v: number[]) => Float32Array.from(v);
    expectRejectsWithoutAllocating(() => sparseCsrTensor(i32(0, 1, 3), i32(0, 5, 1), f32(1, 2, 3), [2, 4]), /sparseCsrTensor: column index 5 at position 1 is out of range for size \[2,\s?4\]/);
    expectRejectsWithoutAllocating(() => sparseCsrTensor(i32(0, 2, 1), i32(0, 1, 2), f32(1, 2, 3), [2, 4]), /crowIndices 1 at position 2/);
    expectRejectsWithoutAllocating(() => sparseCsrTensor(i32(1, 3), i32(0, 1, 2), f32(1, 2, 3), [1, 4]), /crowIndices 1 at position 0/);
    expectRejectsWithoutAllocating(() => sparseCsrTensor(i32(0, 3), i32(0, 1), f32(1, 2, 3), [1, 4]), /2 column indices for 3 values/);
    expectRejectsWithoutAllocating(() => sparseCsrTensor(i32(0, 3), i32(0, 1, 2), f32(1, 2, 3), [2, 4]), /crowIndices has 2 entries, size \[2,\s?4\] needs 3/);
    expectRejectsWithoutAllocating(() => sparseCsrTensor([0, 1] as unknown as Int32Array, i32(0), f32(1), [1, 4]), /must be Int32Arrays/);
  });

  it('sparseMm checks b and bias against the sparse shape; toSparseCsr wants 2-D', () => {
    tidy(() => {
      const s = sparseCsrTensor(Int32Array.of(0, 1), Int32Array.of(2), Float32Array.of(1), [1, 4]);
      const b = zeros([3, 2]), w = zeros([4, 2]), bias = zeros([3]), v = zeros([4]);
      const lin = new nn.Linear(5, 2, { seed: 1 });
      expectRejectsWithoutAllocating(() => sparseMm(s, b), /sparseMm: b \[3,\s?2\] does not fit a \[1,\s?4\]/);
      expectRejectsWithoutAllocating(() => sparseMm(s, w, bias), /sparseMm: bias \[3\] does not fit b \[4,\s?2\]/);
      expectRejectsWithoutAllocating(() => toSparseCsr(v), /toSparseCsr: input must be 2-D/);
      expectRejectsWithoutAllocating(() => lin.forward(s), /sparseMm: b \[5,\s?2\] does not fit a \[1,\s?4\]/);
      expect(() => sparseMm(s, b)).toThrow(ShapeError);
      s.dispose();
      expectRejectsWithoutAllocating(() => sparseMm(s, w), /used after dispose/);
    });
  });
});
