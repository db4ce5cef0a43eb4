import { beforeAll, describe, expect, it } from 'vitest';
import { init, nn, tensor, tidy } from '../ts/index.js';

beforeAll(() => init());

describe('model spec', () => {
  it('round-trips every layer type through JSON and rebuilds the same architecture', () => {
    const m = new nn.Sequential(
      new nn.Linear(4, 3, { seed: 1 }),
      new nn.ReLU(),
      new nn.Dropout(0.25, { seed: 7 }),
      new nn.Linear(3, 5, { bias: false, seed: 2 }),
      new nn.Tanh(),
      new nn.Sigmoid(),
      new nn.Softmax(),
      new nn.LogSoftmax(-1),
    );
    const spec = nn.toSpec(m);
    expect(spec).toEqual({
      format: 'knobs.sequential',
      version: 1,
      layers: [
        { type: 'Linear', inFeatures: 4, outFeatures: 3, bias: true },
        { type: 'ReLU' },
        { type: 'Dropout', p: 0.25, seed: 7 },
        { type: 'Linear', inFeatures: 3, outFeatures: 5, bias: false },
        { type: 'Tanh' },
        { type: 'Sigmoid' },
        { type: 'Softmax', axis: -1 },
        { type: 'LogSoftmax', axis: -1 },
      ],
    });
    const back = nn.fromSpec(JSON.parse(JSON.stringify(spec)));
    expect(nn.toSpec(back)).toEqual(spec);
    expect([...back.namedParameters()].map(([n, p]) => [n, p.shape])).toEqual([...m.namedParameters()].map(([n, p]) => [n, p.shape]));
    // With the weights copied over, the rebuilt model computes the same function.
    back.loadStateDict(m.stateDict());
    m.eval();
    back.eval();
    const x = tensor([[0.1, -0.2, 0.3, 0.4], [1, 2, -3, 0.5]]);
    const [a, b] = tidy(() => [m.forward(x).toFloat32Array(), back.forward(x).toFloat32Array()]);
    expect(Array.from(b)).toEqual(Array.from(a));
    m.dispose();
    back.dispose();
    x.dispose();
  });

  it('uses the Linear seed in a spec so two builds start from the same weights', () => {
    const spec = { format: 'knobs.sequential', version: 1, layers: [{ type: 'Linear', inFeatures: 3, outFeatures: 2, bias: true, seed: 42 }] };
    const a = nn.fromSpec(spec), b = nn.fromSpec(spec);
    expect(Array.from(b.stateDict()['0.weight'].data)).toEqual(Array.from(a.stateDict()['0.weight'].data));
    a.dispose();
    b.dispose();
  });

  it('rejects bad specs with messages naming the layer and field', () => {
    const base = (layers: unknown) => ({ format: 'knobs.sequential', version: 1, layers });
    const cases: [unknown, RegExp][] = [
      [null, /must be an object, got null/],
      [{ ...base([{ type: 'ReLU' }]), format: 'keras' }, /format must be 'knobs.sequential'/],
      [{ ...base([{ type: 'ReLU' }]), version: 2 }, /unsupported spec version 2/],
      [base('nope'), /'layers' must be an array/],
      [base([]), /'layers' is empty/],
      [base([{ type: 'Conv2d' }]), /layers\[0\]: unknown layer type "Conv2d"; supported: Linear, ReLU/],
      [base([{ type: 'ReLU' }, 5]), /layers\[1\] must be an object/],
      [base([{ type: 'Linear', inFeatures: 0, outFeatures: 2 }]), /layers\[0\] \(Linear\): inFeatures must be a positive integer, got 0/],
      [base([{ type: 'Linear', inFeatures: 2.5, outFeatures: 2 }]), /inFeatures must be a positive integer, got 2.5/],
      [base([{ type: 'Linear', inFeatures: '3', outFeatures: 2 }]), /inFeatures must be a positive integer, got "3"/],
      [base([{ type: 'Linear', inFeatures: 3 }]), /outFeatures must be a positive integer, got undefined/],
      [base([{ type: 'Linear', inFeatures: 3, outFeatures: 2, bias: 'yes' }]), /bias must be true or false/],
      [base([{ type: 'Linear', infeatures: 3, outFeatures: 2 }]), /unknown field\(s\) infeatures/],
      [base([{ type: 'Dropout', p: 1 }]), /layers\[0\] \(Dropout\): p must be a number in \[0, 1\), got 1/],
      [base([{ type: 'Dropout', p: 0.5, seed: -1 }]), /seed must be a non-negative integer, got -1/],
      [base([{ type: 'Softmax', axis: 0.5 }]), /axis must be an integer/],
      [base([{ type: 'Linear', inFeatures: 784, outFeatures: 40 }, { type: 'ReLU' }, { type: 'Linear', inFeatures: 100, outFeatures: 10 }]), /layers\[2\] \(Linear\) takes 100 inputs but layers\[0\] produces 40/],
    ];
    for (const [spec, msg] of cases) expect(() => nn.fromSpec(spec), JSON.stringify(spec)).toThrow(msg);
  });

  it('refuses to describe a model it cannot rebuild', () => {
    class Custom extends nn.Module {
      forward(x: any) {
        return x;
      }
    }
    const m = new nn.Sequential(new nn.ReLU(), new Custom());
    expect(() => nn.toSpec(m)).toThrow(/toSpec: layer 1 \(Custom\) has no spec/);
    expect(() => nn.toSpec(new nn.ReLU() as any)).toThrow(/toSpec: expected a Sequential, got ReLU/);
  });
});
