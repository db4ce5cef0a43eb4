/**
 * Supervised classic learners (counting, naive Bayes, kNN, linear/logistic regression, neural
 * wrappers) on small hand-made data, plus the distance wrapper against a naive JS reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../ts/index.js';
import { kNearest, pairwiseSqDist } from '../ts/classic/distance.js';
import type { Matrix } from '../ts/classic/estimator.js';

beforeAll(() => init());

function randMatrix(rows: number, cols: number, seed: number): Matrix {
  let s = seed >>> 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Rounded to 1/8 so f32 holds them exactly and ties in distance happen.
    data[i] = Math.round((s / 2 ** 32) * 16 - 8) / 8;
  }
  return { data, rows, cols };
}

function naiveSq(a: Matrix, b: Matrix): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let t = 0; t < a.cols; t++) s += (a.data[i * a.cols + t] - b.data[j * b.cols + t]) ** 2;
      out.push(s);
    }
  return out;
}

describe('distance', () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [40, 37, 33], // above GEMM_MIN_WORK: the GEMM path
  ])('pairwiseSqDist %ix%i (d=%i) matches a naive loop', (n, m, d) => {
    const a = randMatrix(n, d, n * 7 + d), b = randMatrix(m, d, m * 13 + 1);
    const got = pairwiseSqDist(a, b);
    const want = naiveSq(a, b);
    expect(got.length).toBe(n * m);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, want[i]));
  });

  it('kNearest returns ascending neighbours with ties to the lower index', () => {
    const b: Matrix = { data: Float64Array.from([0, 2, -1, 1, 5, 1]), rows: 6, cols: 1 };
    const a: Matrix = { data: Float64Array.from([0.0]), rows: 1, cols: 1 };
    const { index, sqDist } = kNearest(a, b, 4);
    expect(Array.from(index)).toEqual([0, 2, 3, 5]);
    expect(Array.from(sqDist)).toEqual([0, 1, 1, 1]);
  });

  it('rejects k above the reference rows and mismatched features', () => {
    const a = randMatrix(2, 3, 1), b = randMatrix(4, 3, 2);
    expect(() => kNearest(a, b, 5)).toThrow(/k = 5 is larger than the 4 reference rows/);
    expect(() => pairwiseSqDist(a, randMatrix(2, 4, 3))).toThrow(/3 features per row, b has 4/);
    expect(pairwiseSqDist(a, b).length).toBe(8); // still usable
  });
});
