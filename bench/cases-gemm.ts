/** f32 GEMM C = A·B, the same A and B for every library; work = 2·m·k·n FLOPs. */
import { matmul, tensor, tidy, type Tensor } from '../ts/index.js';
import { uniform } from './data.js';
import type { Case } from './harness.js';
import type { Tf } from './peers.js';

export interface GemmShape {
  m: number;
  k: number;
  n: number;
}

export const gemmRow = (s: GemmShape) => `gemm ${s.m}x${s.k}·${s.k}x${s.n}`;

export function gemmShapes(quick: boolean): GemmShape[] {
  const square = (quick ? [64, 128] : [64, 128, 256, 512, 1024]).map((n) => ({ m: n, k: n, n }));
  // The shapes an MLP 784-40-10 / 784-512-10 step at batch 100 multiplies.
  const skinny = quick
    ? [{ m: 100, k: 784, n: 40 }, { m: 100, k: 40, n: 10 }]
    : [{ m: 100, k: 784, n: 40 }, { m: 100, k: 40, n: 10 }, { m: 100, k: 784, n: 512 }];
  return [...square, ...skinny];
}

export function gemmCases(shapes: GemmShape[], tf: Tf | null, tfBackends: string[]): Case[] {
  const cases: Case[] = [];
  for (const s of shapes) {
    const A = uniform(s.m * s.k, 11 + s.m), B = uniform(s.k * s.n, 13 + s.n);
    const row = gemmRow(s);
    // Small products take a few µs: repeat them so one timed call does ≥ 4 MFLOP, well above
    // the timer's resolution (5 µs in a cross-origin isolated page, where 100x40·40x10 is 16 µs).
    const reps = Math.max(1, Math.ceil(4e6 / (2 * s.m * s.k * s.n)));
    const work = 2 * s.m * s.k * s.n * reps;
    let a: Tensor | null = null, b: Tensor | null = null;
    cases.push({
      row,
      lib: 'knobs',
      work,
      setup: () => {
        a = tensor(A, [s.m, s.k]);
        b = tensor(B, [s.k, s.n]);
      },
      // tidy frees C each call, so the pool hands the same block back: no growth, no GC.
      fn: () => {
        for (let r = 0; r < reps; r++) tidy(() => void matmul(a!, b!));
      },
      teardown: () => {
        a?.dispose();
        b?.dispose();
      },
    });
    for (const backend of tfBackends) {
      let ta: any = null, tb: any = null;
      cases.push({
        row,
        lib: backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu',
        work,
        enter: () => tf.setBackend(backend),
        setup: () => {
          ta = tf.tensor2d(A, [s.m, s.k]);
          tb = tf.tensor2d(B, [s.k, s.n]);
        },
        // Both tfjs backends compute eagerly inside matMul, so no dataSync is needed to time it.
        fn: () => {
          for (let r = 0; r < reps; r++) tf.matMul(ta, tb).dispose();
        },
        teardown: () => {
          ta.dispose();
          tb.dispose();
        },
      });
    }
  }
  return cases;
}
