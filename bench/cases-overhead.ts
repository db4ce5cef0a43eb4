/**
 * Eager per-op overhead (issue 16 §1): what one small op costs end to end — argument checks, the
 * Tensor object, scope tracking, the finalizer backstop, the autograd record, the wasm call —
 * when the arithmetic itself is a few nanoseconds. Each call runs `reps` ops so the timer's
 * resolution and tinybench's own per-call cost vanish; the table shows µs per op (per step for
 * the XOR row). Peers' tiny-net rows live with the compiled-step work (bench/cases-tiny.ts).
 */
import { add, matmul, nn, optim, tensor, tidy, type Tensor } from '../ts/index.js';
import { WARM_STEPS } from './cases-tiny.js';
import type { Case } from './harness.js';

export const overheadRow = {
  add: 'add 1x2+1x2 (dispose)',
  addTidy: 'add 1x2+1x2 (tidy)',
  addGrad: 'add 1x2+1x2 grad (dispose)',
  addGradTidy: 'add 1x2+1x2 grad (tidy)',
  matmul: 'matmul 1x2·2x3 (dispose)',
  xor: 'xor 2-3-1 step (eager, tidy)',
} as const;

/** XOR, the book's chapter-6 style tiny net: 2-3-1 sigmoid, full batch of 4, MSE, SGD. */
export function xorNet() {
  const model = new nn.Sequential(new nn.Linear(2, 3, { seed: 1 }), new nn.Sigmoid(), new nn.Linear(3, 1, { seed: 2 }), new nn.Sigmoid());
  const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
  const loss = new nn.MSELoss();
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tensor([[0], [1], [1], [0]]);
  const step = () =>
    tidy(() => {
      const l = loss.forward(model.forward(x), y);
      opt.zeroGrad();
      l.backward();
      opt.step();
    });
  const dispose = () => {
    x.dispose();
    y.dispose();
    opt.dispose();
    model.dispose();
  };
  return { model, step, dispose };
}

interface Operands {
  a: Tensor;
  b: Tensor;
  ag: Tensor;
  bg: Tensor;
  w: Tensor;
}

export function overheadCases(quick: boolean): Case[] {
  const reps = quick ? 2000 : 10_000;
  // Each case owns its operands: tinybench warms every case up before running any, and a shared
  // set would be freed by the first case's teardown.
  const op = (row: string, fn: (t: Operands) => void): Case => {
    let t: Operands | null = null;
    return {
      row,
      lib: 'knobs',
      work: reps,
      setup: () => {
        t = {
          a: tensor([1, 2], [1, 2]),
          b: tensor([3, 4], [1, 2]),
          ag: tensor([1, 2], [1, 2], { requiresGrad: true }),
          bg: tensor([3, 4], [1, 2], { requiresGrad: true }),
          w: tensor([1, 2, 3, 4, 5, 6], [2, 3]),
        };
      },
      fn: () => fn(t!),
      teardown: () => {
        if (t) for (const x of Object.values(t)) x.dispose();
        t = null;
      },
    };
  };
  let xor: ReturnType<typeof xorNet> | null = null;
  const steps = quick ? 200 : 1000;
  return [
    op(overheadRow.add, ({ a, b }) => {
      for (let i = 0; i < reps; i++) add(a, b).dispose();
    }),
    // One tidy around each op: the scope's own cost is part of what a tidy-per-op user pays.
    op(overheadRow.addTidy, ({ a, b }) => {
      for (let i = 0; i < reps; i++) tidy(() => void add(a, b));
    }),
    op(overheadRow.addGrad, ({ ag, bg }) => {
      for (let i = 0; i < reps; i++) add(ag, bg).dispose();
    }),
    op(overheadRow.addGradTidy, ({ ag, bg }) => {
      for (let i = 0; i < reps; i++) tidy(() => void add(ag, bg));
    }),
    op(overheadRow.matmul, ({ a, w }) => {
      for (let i = 0; i < reps; i++) matmul(a, w).dispose();
    }),
    {
      row: overheadRow.xor,
      lib: 'knobs',
      work: steps,
      setup: () => {
        xor = xorNet();
        // Warmed by work, not by time (see WARM_STEPS in cases-tiny.ts).
        for (let i = 0; i < WARM_STEPS; i++) xor.step();
      },
      fn: () => {
        for (let i = 0; i < steps; i++) xor!.step();
      },
      teardown: () => {
        xor?.dispose();
        xor = null;
      },
    },
  ];
}
