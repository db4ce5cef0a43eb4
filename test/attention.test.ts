/**
 * Attention layers beyond the gradient rows: TransformerEncoderLayer against a float64 composition
 * of the references, positional encodings, save/load round trips, and bad inputs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, ShapeError, KnobsError, init, loadModel, maskedSoftmax, memoryStats, nn, optim, saveModel, scaledDotProductAttention, softmax, tensor, tidy, type Tensor } from '../ts/index.js';
import * as R from './helpers/reference.js';
import * as RA from './helpers/reference-attention.js';

beforeAll(() => init());

const rng = new Rng(77);
const randArr = (shape: number[]) => Float32Array.from({ length: R.size(shape) }, () => rng.next() * 2 - 1);
const toArr = (t: Tensor) => R.arr([...t.shape], t.toFloat32Array());

describe('nn.TransformerEncoderLayer', () => {
  it('post-norm forward equals norm2(h + ff(h)), h = norm1(x + selfAttn(x)), in float64 (dropout off)', () => {
    tidy(() => {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, seed: 4 });
      const x = tensor(randArr([2, 5, 8]), [2, 5, 8]);
      const p = layer.parameters().map(toArr);
      const x64 = toArr(x);
      const relu = (v: number) => (v > 0 ? v : 0);
      const lin = (a: R.Arr, w: R.Arr, b: R.Arr) => R.binary(R.matmul(a, w), b, (u, v) => u + v);
      const add = (a: R.Arr, b: R.Arr) => R.binary(a, b, (u, v) => u + v);
      const h = RA.layerNorm(add(x64, RA.multiheadSelfAttention(x64, p.slice(0, 8), 2)), 8, p[12], p[13]);
      const want = RA.layerNorm(add(h, lin(R.map(lin(h, p[8], p[9]), relu), p[10], p[11])), 8, p[14], p[15]);
      const got = layer.forward(x).toFloat32Array();
      got.forEach((v, i) => expect(Math.abs(v - want.data[i])).toBeLessThan(1e-4));
    });
  });

  it('a causal mask makes position t independent of later positions; every parameter gets a gradient', () => {
    tidy(() => {
      const layer = new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 12, dropout: 0.1, normFirst: true, seed: 9 }).eval();
      const a = randArr([1, 4, 8]), b = a.slice();
      b.fill(3, 24); // change only the last position
      const ya = layer.forward(tensor(a, [1, 4, 8]), { isCausal: true }).toFloat32Array();
      const yb = layer.forward(tensor(b, [1, 4, 8]), { isCausal: true }).toFloat32Array();
      expect(yb.subarray(0, 24)).toEqual(ya.subarray(0, 24));
      expect(yb.subarray(24)).not.toEqual(ya.subarray(24));
      layer.train();
      layer.forward(tensor(a, [1, 4, 8])).sum().backward();
      for (const [n, t] of layer.namedParameters()) expect(t.grad, n).not.toBeNull();
      layer.zeroGrad();
    });
  });

  it('training steps with masks allocate nothing that outlives the step (memory is flat)', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, seed: 2 });
    const opt = new optim.Adam(layer.parameters(), { lr: 1e-3 });
    const x = randArr([2, 5, 8]);
    const step = () =>
      tidy(() => {
        opt.zeroGrad();
        layer.forward(tensor(x, [2, 5, 8]), { isCausal: true, keyPaddingMask: tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]) }).pow(2).mean().backward();
        opt.step();
      });
    step();
    step();
    const live = memoryStats().liveBytes;
    for (let i = 0; i < 5; i++) step();
    expect(memoryStats().liveBytes).toBe(live);
  });

  it('saves and loads (spec + weights + dropout streams) with identical outputs', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, seed: 1 });
    const pos = new nn.SinusoidalPositionalEncoding(4, 16), learned = new nn.LearnedPositionalEncoding(16, 4, { seed: 2 });
    const model = new nn.ModuleList([pos, learned, layer, new nn.LayerNorm([4], { eps: 1e-6 }), new nn.MultiheadAttention(4, 1, { bias: false, seed: 3 })]);
    const { model: back } = loadModel<nn.ModuleList>(saveModel(model));
    const x = randArr([2, 3, 4]);
    const run = (m: nn.ModuleList) =>
      tidy(() => {
        const h = (m.at(2) as nn.TransformerEncoderLayer).forward((m.at(1) as nn.LearnedPositionalEncoding).forward((m.at(0) as nn.SinusoidalPositionalEncoding).forward(tensor(x, [2, 3, 4]))));
        return (m.at(4) as nn.MultiheadAttention).forward((m.at(3) as nn.LayerNorm).forward(h))[0].toFloat32Array();
      });
    expect(run(back)).toEqual(run(model));
    expect((back.at(3) as nn.LayerNorm).eps).toBe(1e-6);
    expect((back.at(4) as nn.MultiheadAttention).outProj.bias).toBeNull();
  });
});

describe('positional encodings', () => {
  it('sinusoidal: PE[p, 2i] = sin(p/10000^(2i/d)), PE[p, 2i+1] = cos(…), added to x', () => {
    tidy(() => {
      const pe = new nn.SinusoidalPositionalEncoding(6, 10);
      const y = pe.forward(tensor(new Float32Array(18), [1, 3, 6])).toFloat32Array();
      expect(y[6 + 0]).toBeCloseTo(Math.sin(1), 6);
      expect(y[6 + 1]).toBeCloseTo(Math.cos(1), 6);
      expect(y[12 + 2]).toBeCloseTo(Math.sin(2 / 10000 ** (2 / 6)), 6);
      expect(y[12 + 5]).toBeCloseTo(Math.cos(2 / 10000 ** (4 / 6)), 6);
      expect(pe.parameters()).toEqual([]);
    });
  });
  it('refuse a sequence longer than maxLen or of another width', () => {
    const pe = new nn.LearnedPositionalEncoding(4, 3, { seed: 1 });
    expect(() => tidy(() => pe.forward(tensor(new Float32Array(15), [1, 5, 3])))).toThrow(/LearnedPositionalEncoding: input \[1,5,3\] must be \[\.\.\., length ≤ 4, 3\]/);
    expect(() => tidy(() => new nn.SinusoidalPositionalEncoding(4, 8).forward(tensor(new Float32Array(6), [2, 3])))).toThrow(ShapeError);
  });
});

describe('maskedSoftmax (the fused kernel)', () => {
  it('without masks equals softmax(scale·x); masked keys weigh exactly 0; a fully masked row is 0', () => {
    tidy(() => {
      const x = tensor(randArr([2, 3, 4, 6]), [2, 3, 4, 6]);
      const a = maskedSoftmax(x, { scale: 0.5 }).toFloat32Array(), b = softmax(x.mul(0.5)).toFloat32Array();
      a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-6));
      const pad = tensor([1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [2, 1, 1, 6]);
      const y = maskedSoftmax(x, { mask: pad, causal: true }).toFloat32Array();
      for (let r = 0; r < 24; r++) {
        const row = y.subarray(r * 6, r * 6 + 6), b0 = r < 12, l = r % 4;
        for (let j = 0; j < 6; j++) if (!b0 || [3, 4].includes(j) || j > l) expect(row[j]).toBe(0);
        expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(b0 ? 1 : 0, 5);
      }
    });
  });

  it('refuses bad input before allocating, naming the op and shapes; stays usable, memory flat', () => {
    const before = memoryStats().liveBytes;
    const x = tensor(randArr([2, 3]), [2, 3]);
    expect(() => tidy(() => maskedSoftmax(tensor(new Float32Array(32), [1, 1, 2, 2, 8])))).toThrow(/maskedSoftmax: x must have rank 1 to 4 .*\[1,1,2,2,8\]/);
    expect(() => tidy(() => maskedSoftmax(x, { mask: tensor([1, 0], [2, 1, 1]) }))).toThrow(ShapeError);
    expect(() => tidy(() => maskedSoftmax(x, { mask: tensor([1, 0], [1, 2]) }))).toThrow(/mask \[1,2\] must broadcast to x \[2,3\]/);
    expect(() => tidy(() => maskedSoftmax(tensor([1, 2, 3]), { causal: true }))).toThrow(/causal needs rank ≥ 2/);
    expect(() => tidy(() => maskedSoftmax(x, { mask: tensor([1, 0.5, 0], [3]) }))).toThrow(/mask \[3\] must hold only 0 and 1, got 0.5 at flat index 1/);
    expect(() => tidy(() => maskedSoftmax(x, { scale: NaN }))).toThrow(/scale must be a finite number/);
    expect(() => tidy(() => maskedSoftmax(x, { sclae: 2 } as never))).toThrow(/unknown option\(s\) sclae/);
    expect(tidy(() => maskedSoftmax(x).sum().item())).toBeCloseTo(2, 5);
    x.dispose();
    expect(memoryStats().liveBytes).toBe(before);
  });
});

describe('attention input checks', () => {
  it('scaledDotProductAttention names the op and the shapes; the library stays usable', () => {
    tidy(() => {
      const q = tensor(randArr([2, 3, 4]), [2, 3, 4]);
      expect(() => scaledDotProductAttention(q, tensor(randArr([2, 5, 3]), [2, 5, 3]), tensor(randArr([2, 5, 2]), [2, 5, 2]))).toThrow(/scaledDotProductAttention: q and k must have the same last dimension, got q \[2,3,4\], k \[2,5,3\]/);
      expect(() => scaledDotProductAttention(q, tensor(randArr([2, 5, 4]), [2, 5, 4]), tensor(randArr([2, 4, 2]), [2, 4, 2]))).toThrow(/k and v must have the same length/);
      expect(() => scaledDotProductAttention(q, q, q, { mask: tensor(new Float32Array(12).fill(1), [4, 3]) })).toThrow(/mask \[4,3\] must broadcast to the scores/);
      expect(() => scaledDotProductAttention(q, q, q, { mask: tensor(new Float32Array(9).fill(0.5), [3, 3]) })).toThrow(KnobsError);
      expect(scaledDotProductAttention(q, q, q, { causal: true }).shape).toEqual([2, 3, 4]);
    });
  });
  it('MultiheadAttention and LayerNorm refuse bad shapes and configs', () => {
    expect(() => new nn.MultiheadAttention(6, 4)).toThrow(/embedDim 6 must be divisible by numHeads 4/);
    const m = new nn.MultiheadAttention(4, 2, { seed: 1 });
    expect(() => tidy(() => m.forward(tensor(randArr([2, 3, 5]), [2, 3, 5])))).toThrow(/MultiheadAttention: query \[2,3,5\] must be \[batch, length, 4\]/);
    expect(() => tidy(() => m.forward(tensor(randArr([2, 3, 4]), [2, 3, 4]), undefined, undefined, { keyPaddingMask: tensor([[0, 1]]) }))).toThrow(/keyPaddingMask \[1,2\] must be \[batch, S\] = \[2, 3\]/);
    expect(() => tidy(() => new nn.LayerNorm(4).forward(tensor(randArr([2, 3]), [2, 3])))).toThrow(/layerNorm: input \[2,3\] must end with normalizedShape \[4\]/);
    expect(() => nn.fromSpec({ format: 'knobs.module', version: 2, root: { type: 'TransformerEncoderLayer', config: { dModel: 6, nhead: 4 } } } as never)).toThrow(/dModel 6 must be divisible by nhead 4/);
  });
});
