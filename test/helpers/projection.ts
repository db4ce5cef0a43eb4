/**
 * A learnable, seeded classification problem for the worker suites: the class of x is the argmax
 * of a fixed random projection of x (D features, C one-hot classes).
 *
 * makeData is also sent to browser pages as source (`makeData.toString()`), so it refers only to
 * its arguments and to D and C, which such a page defines itself; it is given the page's Rng.
 */
import { Rng } from '../../ts/index.js';

export const D = 12, C = 4;

export function makeData(n: number, seed: number, R: typeof Rng = Rng): { x: Float32Array; y: Float32Array } {
  const rng = new R(seed);
  const proj = Float32Array.from({ length: D * C }, () => rng.next() * 2 - 1);
  const x = new Float32Array(n * D), y = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < D; j++) x[i * D + j] = rng.next() * 2 - 1;
    let best = 0, bestV = -Infinity;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += x[i * D + j] * proj[j * C + c];
      if (s > bestV) {
        bestV = s;
        best = c;
      }
    }
    y[i * C + best] = 1;
  }
  return { x, y };
}

/** n rows of makeData as the { x, y } pair of shaped arrays that trainInWorker takes. */
export const pair = (d: { x: Float32Array; y: Float32Array }, n: number) => ({ x: { data: d.x, shape: [n, D] }, y: { data: d.y, shape: [n, C] } });
