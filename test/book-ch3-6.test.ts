/**
 * Grokking Deep Learning, chapters 3–6, reproduced with the public API; the expected numbers are
 * the ones the book prints.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, nn, optim, tensor, tidy } from '../ts/index.js';

beforeAll(() => init());

describe('ch.3 forward propagation', () => {
  it('one neuron: weight 0.1 × 8.5 toes → 0.85', () => {
    const neuron = new nn.Linear(1, 1, { bias: false });
    neuron.loadStateDict({ weight: [[0.1]] });
    const pred = neuron.forward(tensor([[8.5]]));
    expect(pred.item()).toBeCloseTo(0.85, 6);
  });

  it('three inputs (toes, wlrec, nfans) with weights [0.1, 0.2, 0] → 0.98', () => {
    const neuron = new nn.Linear(3, 1, { bias: false });
    neuron.loadStateDict({ weight: [[0.1], [0.2], [0]] });
    const pred = neuron.forward(tensor([[8.5, 0.65, 1.2]]));
    expect(pred.item()).toBeCloseTo(0.98, 6);
  });
});

describe('ch.4 gradient descent on one weight', () => {
  it('weight 0.5, input 2, goal 0.8, alpha 0.1: first prediction 1.0, 20th ≈ 0.8000122', () => {
    const model = new nn.Linear(1, 1, { bias: false });
    model.loadStateDict({ weight: [[0.5]] });
    // The book steps weight -= alpha·(pred − goal)·input: the gradient of ½(pred − goal)².
    // MSELoss('sum') is (pred − goal)², whose gradient is twice that, so lr = alpha / 2.
    const alpha = 0.1;
    const opt = new optim.SGD(model.parameters(), { lr: alpha / 2 });
    const loss = new nn.MSELoss({ reduction: 'sum' });
    const x = tensor([[2]]), goal = tensor([[0.8]]);
    const preds: number[] = [];
    for (let i = 0; i < 20; i++) {
      tidy(() => {
        const pred = model.forward(x);
        preds.push(pred.item());
        opt.zeroGrad();
        loss.forward(pred, goal).backward();
        opt.step();
      });
    }
    expect(preds[0]).toBeCloseTo(1.0, 7);
    expect(preds[19]).toBeCloseTo(0.8000122, 6);
    // Error shrinks by the factor (1 − alpha·input²) = 0.6 every step.
    for (let i = 1; i < 20; i++) expect((preds[i] - 0.8) / (preds[i - 1] - 0.8)).toBeCloseTo(0.6, 2);
  });
});

describe('ch.6 first deep network on the streetlights', () => {
  it('reproduces the printed errors 0.63423, 0.35838, 0.08302 and ends near 1.5e-05', () => {
    const W01 = [
      [-0.165955990594852, 0.4406489868843162, -0.9997712503653102, -0.39533485473632046],
      [-0.7064882183657739, -0.8153228104624044, -0.6274795772446582, -0.3088785459139045],
      [-0.20646505153866013, 0.07763346800671389, -0.1616109711934104, 0.370439000793519],
    ];
    const W12 = [[-0.5910955005369651], [0.7562348727818908], [-0.9452248136041477], [0.34093502035680445]];
    const model = new nn.Sequential(new nn.Linear(3, 4, { bias: false }), new nn.ReLU(), new nn.Linear(4, 1, { bias: false }));
    // Our Linear stores W as [in, out], the book's np.dot(layer, weights) layout: no transpose.
    model.loadStateDict({ '0.weight': W01, '2.weight': W12 });
    const streetlights = [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]];
    const walkVsStop = [1, 1, 0, 0];
    // Book: delta = pred − goal (the gradient of ½·err²) with alpha 0.2, while it prints the plain
    // sum of squared errors. MSELoss('sum') prints the same error and has gradient 2·delta, so lr = 0.1.
    const opt = new optim.SGD(model.parameters(), { lr: 0.2 / 2 });
    const loss = new nn.MSELoss({ reduction: 'sum' });
    const printed: number[] = [];
    for (let iteration = 0; iteration < 60; iteration++) {
      let error = 0;
      for (let i = 0; i < streetlights.length; i++) {
        tidy(() => {
          const l = loss.forward(model.forward(tensor([streetlights[i]])), tensor([[walkVsStop[i]]]));
          error += l.item();
          opt.zeroGrad();
          l.backward();
          opt.step();
        });
      }
      if (iteration % 10 === 9) printed.push(error);
    }
    expect(printed[0]).toBeCloseTo(0.63423, 4);
    expect(printed[1]).toBeCloseTo(0.35838, 4);
    expect(printed[2]).toBeCloseTo(0.08302, 4);
    for (let i = 1; i < printed.length; i++) expect(printed[i]).toBeLessThan(printed[i - 1]);
    expect(printed[5]).toBeGreaterThan(0.5e-5);
    expect(printed[5]).toBeLessThan(3e-5);
  });
});
