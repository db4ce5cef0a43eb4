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
    const child = (name: string, type: string, config: object) => ({ name, type, config });
    expect(spec).toEqual({
      format: 'knobs.module',
      version: 2,
      root: {
        type: 'Sequential',
        config: {},
        children: [
          child('0', 'Linear', { inFeatures: 4, outFeatures: 3, bias: true, seed: 1 }),
          child('1', 'ReLU', {}),
          child('2', 'Dropout', { p: 0.25, seed: 7 }),
          child('3', 'Linear', { inFeatures: 3, outFeatures: 5, bias: false, seed: 2 }),
          child('4', 'Tanh', {}),
          child('5', 'Sigmoid', {}),
          child('6', 'Softmax', { axis: -1 }),
          child('7', 'LogSoftmax', { axis: -1 }),
        ],
      },
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

  it('still reads version-1 specs (knobs.sequential), checking them as strictly as before', () => {
    const v1 = { format: 'knobs.sequential', version: 1, layers: [{ type: 'Linear', inFeatures: 3, outFeatures: 2, bias: true, seed: 4 }, { type: 'Tanh' }, { type: 'Dropout', p: 0.2, seed: 9 }] };
    const a = nn.fromSpec<nn.Sequential>(v1);
    const b = new nn.Sequential(new nn.Linear(3, 2, { seed: 4 }), new nn.Tanh(), new nn.Dropout(0.2, { seed: 9 }));
    expect(nn.toSpec(a)).toEqual(nn.toSpec(b));
    expect(nn.validateSpec(v1)).toEqual(nn.toSpec(b));
    expect(Array.from(a.stateDict()['0.weight'].data)).toEqual(Array.from(b.stateDict()['0.weight'].data));
    a.dispose();
    b.dispose();
  });

  it('rejects bad version-1 specs with messages naming the layer and field', () => {
    const base = (layers: unknown) => ({ format: 'knobs.sequential', version: 1, layers });
    const cases: [unknown, RegExp][] = [
      [null, /must be an object, got null/],
      [{ ...base([{ type: 'ReLU' }]), format: 'keras' }, /format must be 'knobs.module' \(or the older 'knobs.sequential'\), got "keras"/],
      [{ ...base([{ type: 'ReLU' }]), version: 2 }, /unsupported 'knobs.sequential' spec version 2/],
      [base('nope'), /'layers' must be an array/],
      [base([]), /'layers' is empty/],
      [base([{ type: 'Conv3d' }]), /root\.0: unknown module type "Conv3d"; registered: .*\bLinear, ReLU\b/],
      [base([{ type: 'ReLU' }, 5]), /layers\[1\] must be an object/],
      [base([{ type: 'Linear', inFeatures: 0, outFeatures: 2 }]), /root\.0 \(Linear\): inFeatures must be a positive integer, got 0/],
      [base([{ type: 'Linear', inFeatures: 2.5, outFeatures: 2 }]), /inFeatures must be a positive integer, got 2.5/],
      [base([{ type: 'Linear', inFeatures: '3', outFeatures: 2 }]), /inFeatures must be a positive integer, got "3"/],
      [base([{ type: 'Linear', inFeatures: 3 }]), /outFeatures must be a positive integer, got undefined/],
      [base([{ type: 'Linear', inFeatures: 3, outFeatures: 2, bias: 'yes' }]), /bias must be true or false/],
      [base([{ type: 'Linear', infeatures: 3, outFeatures: 2 }]), /root\.0 \(Linear\): unknown config key\(s\) 'infeatures'/],
      [base([{ type: 'Dropout', p: 1 }]), /root\.0 \(Dropout\): p must be a number in \[0, 1\), got 1/],
      [base([{ type: 'Dropout', p: 0.5, seed: -1 }]), /seed must be a non-negative integer, got -1/],
      [base([{ type: 'Softmax', axis: 0.5 }]), /axis must be an integer/],
      [base([{ type: 'Linear', inFeatures: 784, outFeatures: 40 }, { type: 'ReLU' }, { type: 'Linear', inFeatures: 100, outFeatures: 10 }]), /root \(Sequential\): child 2 \(Linear\) takes 100 inputs but child 0 produces 40/],
    ];
    for (const [spec, msg] of cases) expect(() => nn.fromSpec(spec), JSON.stringify(spec)).toThrow(msg);
  });

  it('rejects bad version-2 specs with messages naming the module path and the key', () => {
    const spec = (root: unknown) => ({ format: 'knobs.module', version: 2, root });
    const seq = (...children: unknown[]) => ({ type: 'Sequential', config: {}, children });
    const cases: [unknown, RegExp][] = [
      [{ ...spec(seq()), version: 3 }, /unsupported spec version 3/],
      [{ ...spec(seq()), extra: 1 }, /unknown field\(s\) extra in the spec/],
      [spec(5), /fromSpec: root must be an object \{ type, config \}, got number 5/],
      [spec({ type: 'Nope', config: {} }), /fromSpec: root: unknown module type "Nope"/],
      [spec({ type: 'ReLU', config: [] }), /root \(ReLU\): config must be a plain JSON object/],
      [spec({ type: 'ReLU', config: {}, children: [] }), /root \(ReLU\): only containers .* list children/],
      [spec({ type: 'ReLU', config: {}, kids: [] }), /root: unknown field\(s\) kids/],
      [spec(seq({ type: 'ReLU', config: {} })), /root \(Sequential\): children\[0\]\.name must be a non-empty string/],
      [spec(seq({ name: '1', type: 'ReLU', config: {} })), /root \(Sequential\): child 0 must be named '0', got "1"/],
      [spec({ type: 'ModuleDict', config: {}, children: [{ name: 'a', type: 'ReLU' }, { name: 'a', type: 'Tanh' }] }), /two children named 'a'/],
      [spec({ type: 'ModuleDict', config: {}, children: [{ name: 'enc', ...seq({ name: '0', type: 'Linear', config: { inFeatures: 2, outFeatures: 2, bais: false } }) }] }), /fromSpec: root\.enc\.0 \(Linear\): unknown config key\(s\) 'bais'; allowed: inFeatures, outFeatures, bias, seed/],
      [spec({ type: 'ModuleList', config: { n: 1 }, children: [] }), /root \(ModuleList\): unknown config key\(s\) 'n'/],
    ];
    for (const [s, msg] of cases) expect(() => nn.fromSpec(s), JSON.stringify(s)).toThrow(msg);
  });

  it('refuses to describe a model it cannot rebuild', () => {
    class Custom extends nn.Module {
      forward(x: any) {
        return x;
      }
    }
    const m = new nn.Sequential(new nn.ReLU(), new Custom());
    expect(() => nn.toSpec(m)).toThrow(/toSpec: root\.1 \(Custom\) is not a registered module; give it a static type and fromConfig and call nn\.register\(Custom\)/);
    expect(() => nn.toSpec(new Custom())).toThrow(/toSpec: root \(Custom\) is not a registered module/);
  });
});
