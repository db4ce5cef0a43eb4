/** Three Gaussian blobs in 2-D with one-hot targets: separable, so a small MLP must learn them. */
import { Rng } from '../../ts/index.js';
import { TensorDataset } from '../../ts/data/dataset.js';

export function blobs(n: number, seed: number): TensorDataset {
  const rng = new Rng(seed);
  const centers = [[2, 0], [-1, 1.7], [-1, -1.7]];
  const x = new Float32Array(n * 2), y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const g = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    x[i * 2] = centers[c][0] + 0.5 * g();
    x[i * 2 + 1] = centers[c][1] + 0.5 * g();
    y[i * 3 + c] = 1;
  }
  return new TensorDataset({ data: x, shape: [n, 2] }, { data: y, shape: [n, 3] });
}
