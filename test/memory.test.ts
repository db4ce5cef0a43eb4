/** Nothing is lost: wasm memory and live tensors stay flat across training steps. */
import { beforeAll, expect, it } from 'vitest';
import { init, memoryStats, nn, noGrad, optim, randn, tidy } from '../ts/index.js';

beforeAll(() => init());

/** Runs `step` 1,000 times: memory after them equals memory after the first 10, and the last loss is finite. */
function expectFlatOver1000Steps(step: () => number): void {
  for (let i = 0; i < 10; i++) step();
  const after10 = memoryStats();
  let last = 0;
  for (let i = 0; i < 990; i++) last = step();
  const after1000 = memoryStats();
  expect(after1000.wasmBytes).toBe(after10.wasmBytes);
  expect(after1000.liveBytes).toBe(after10.liveBytes);
  expect(after1000.liveBlocks).toBe(after10.liveBlocks);
  expect(Number.isFinite(last)).toBe(true);
}

it('memory after 1,000 training steps equals memory after 10', () => {
  const model = new nn.Sequential(new nn.Linear(20, 32, { seed: 1 }), new nn.ReLU(), new nn.Dropout(0.2, { seed: 2 }), new nn.Linear(32, 5, { seed: 3 }));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = randn([16, 20], { seed: 4 });
  const y = Array.from({ length: 16 }, (_, i) => i % 5);
  const step = () => tidy(() => {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  });
  expectFlatOver1000Steps(step);
});

it('a CNN (conv, batch norm, max/avg pool, dropout) keeps memory flat over 1,000 training steps and inference', () => {
  // Every conv/pool path that allocates: im2col scratch, the pool's argmax indices (training) and
  // its index-free path (noGrad), batch norm's running statistics, the fused conv+activation.
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, seed: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(4, 6, 3, { seed: 2 }),
    new nn.Tanh(),
    new nn.AvgPool2d(2),
    new nn.Flatten(),
    new nn.Dropout(0.2, { seed: 3 }),
    new nn.Linear(24, 5, { seed: 4 }),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = randn([8, 1, 12, 12], { seed: 5 });
  const y = Array.from({ length: 8 }, (_, i) => i % 5);
  const step = () => {
    model.train();
    const loss = tidy(() => {
      opt.zeroGrad();
      const l = lossFn.forward(model.forward(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
    model.eval();
    tidy(() => noGrad(() => void model.forward(x)));
    return loss;
  };
  expectFlatOver1000Steps(step);
  opt.dispose();
  model.dispose();
}, 60_000);
