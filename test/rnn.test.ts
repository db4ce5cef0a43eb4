/**
 * nn.Embedding/EmbeddingBag and the recurrent layers: PyTorch weights (a safetensors fixture from
 * scripts/make-rnn-fixture.py) give PyTorch's outputs; specs round-trip; bad input fails early;
 * truncated BPTT keeps memory flat.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KnobsError, ShapeError, Tensor, gruSequence, init, loadModel, lstmSequence, memoryStats, nn, optim, saveModel, tensor, tidy, zeros } from '../ts/index.js';
import { readSafetensors } from '../ts/io/safetensors.js';

beforeAll(() => init());

const fixture = readSafetensors(new Uint8Array(readFileSync(new URL('./fixtures/rnn-reference.safetensors', import.meta.url))));
const configs = JSON.parse(fixture.metadata!.configs) as Record<string, { kind: string; inputSize: number; hiddenSize: number; numLayers: number; batchFirst: boolean }>;
const fx = (key: string): Tensor => {
  const t = fixture.tensors[key];
  return tensor(t.data as Float32Array, t.shape);
};

function build(name: string): nn.RNN | nn.LSTM | nn.GRU {
  const c = configs[name];
  const opts = { numLayers: c.numLayers, batchFirst: c.batchFirst, seed: 1 };
  const m = c.kind === 'lstm' ? new nn.LSTM(c.inputSize, c.hiddenSize, opts) : c.kind === 'gru' ? new nn.GRU(c.inputSize, c.hiddenSize, opts) : new nn.RNN(c.inputSize, c.hiddenSize, { ...opts, nonlinearity: c.kind as 'tanh' | 'relu' });
  // The fixture's keys minus the model prefix are exactly PyTorch's state-dict names.
  const state: Record<string, Tensor> = {};
  for (const [n] of m.namedParameters()) state[n] = fx(`${name}.${n}`);
  m.loadStateDict(state);
  return m;
}

function expectClose(got: Tensor, want: Tensor, what: string): void {
  expect([...got.shape], what).toEqual([...want.shape]);
  const g = got.toFloat32Array(), w = want.toFloat32Array();
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]));
  expect(worst, what).toBeLessThan(2e-5);
}

describe('recurrent layers against PyTorch equations (fixture)', () => {
  for (const name of ['lstm', 'gru', 'rnn_tanh', 'rnn_relu']) {
    it(`${name}: ${JSON.stringify(configs[name])} gives the reference outputs and final state, from h0 and from zeros`, () =>
      tidy(() => {
        const m = build(name);
        expect(Object.keys(m.stateDict()).sort()).toEqual(Object.keys(fixture.tensors).filter((k) => k.startsWith(`${name}.`) && /weight|bias/.test(k)).map((k) => k.slice(name.length + 1)).sort());
        const x = fx(`${name}.x`);
        if (m instanceof nn.LSTM) {
          const [y, [h, c]] = m.forward(x, [fx(`${name}.h0`), fx(`${name}.c0`)]);
          expectClose(y, fx(`${name}.y`), 'y');
          expectClose(h, fx(`${name}.hN`), 'hN');
          expectClose(c, fx(`${name}.cN`), 'cN');
        } else {
          const [y, h] = m.forward(x, fx(`${name}.h0`));
          expectClose(y, fx(`${name}.y`), 'y');
          expectClose(h, fx(`${name}.hN`), 'hN');
          // No initial state means zeros: same as passing zeros explicitly.
          const [y0] = m.forward(x);
          const [yz] = m.forward(x, tensor(new Float32Array(fx(`${name}.h0`).size), fx(`${name}.h0`).shape));
          expectClose(y0, yz, 'zero state');
          expect(Math.abs(y0.toFloat32Array()[0] - y.toFloat32Array()[0])).toBeGreaterThan(0);
        }
        m.dispose();
      }));
  }

  it('cells equal one step of the layer with the same weights', () =>
    tidy(() => {
      const lstm = build('lstm'), gru = build('gru'), rnn = build('rnn_tanh');
      const cl = new nn.LSTMCell(3, 4), cg = new nn.GRUCell(3, 5), cr = new nn.RNNCell(4, 3);
      for (const [cell, layer, name] of [[cl, lstm, 'lstm'], [cg, gru, 'gru'], [cr, rnn, 'rnn_tanh']] as const) {
        cell.loadStateDict({
          weight_ih: fx(`${name}.weight_ih_l0`), weight_hh: fx(`${name}.weight_hh_l0`), bias_ih: fx(`${name}.bias_ih_l0`), bias_hh: fx(`${name}.bias_hh_l0`),
        });
        const one = new (layer.constructor as typeof nn.GRU)(cell.inputSize, cell.hiddenSize, {});
        one.loadStateDict({ weight_ih_l0: cell.weight_ih, weight_hh_l0: cell.weight_hh, bias_ih_l0: cell.bias_ih!, bias_hh_l0: cell.bias_hh! });
        const x = tensor(Float32Array.from({ length: 2 * cell.inputSize }, (_, i) => Math.sin(i + 1)), [2, cell.inputSize]);
        const h = tensor(Float32Array.from({ length: 2 * cell.hiddenSize }, (_, i) => Math.cos(i) / 2), [2, cell.hiddenSize]);
        if (cell instanceof nn.LSTMCell) {
          const [h1, c1] = cell.forward(x, [h, h]);
          const [, [hl, cl2]] = (one as unknown as nn.LSTM).forward(x.reshape([1, 2, 3]), [h.reshape([1, 2, 4]), h.reshape([1, 2, 4])]);
          expectClose(h1, hl.reshape([2, 4]), 'LSTMCell h');
          expectClose(c1, cl2.reshape([2, 4]), 'LSTMCell c');
        } else {
          const h1 = (cell as nn.GRUCell).forward(x, h);
          const [, hl] = one.forward(x.reshape([1, 2, cell.inputSize]), h.reshape([1, 2, cell.hiddenSize]));
          expectClose(h1, hl.reshape([2, cell.hiddenSize]), `${cell.constructor.name}`);
        }
      }
    }));
});

describe('recurrent layers: configuration, init, errors', () => {
  it('PyTorch names, shapes and init bound 1/√hidden; seeded init is reproducible', () =>
    tidy(() => {
      const m = new nn.LSTM(10, 16, { numLayers: 2, seed: 3 });
      const shapes = Object.fromEntries([...m.namedParameters()].map(([n, p]) => [n, [...p.shape]]));
      expect(shapes).toEqual({
        weight_ih_l0: [64, 10], weight_hh_l0: [64, 16], bias_ih_l0: [64], bias_hh_l0: [64],
        weight_ih_l1: [64, 16], weight_hh_l1: [64, 16], bias_ih_l1: [64], bias_hh_l1: [64],
      });
      for (const p of m.parameters()) {
        const d = p.toFloat32Array();
        expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(0.25);
        expect(Math.max(...d.map(Math.abs))).toBeGreaterThan(0.2);
      }
      const again = new nn.LSTM(10, 16, { numLayers: 2, seed: 3 });
      expect(again.stateDict()).toEqual(m.stateDict());
      expect(new nn.GRU(2, 3, { bias: false }).parameters().map((p) => [...p.shape])).toEqual([[9, 2], [9, 3]]);
    }));

  it('batchFirst transposes input and output, not the state', () =>
    tidy(() => {
      const a = new nn.GRU(3, 4, { seed: 5, numLayers: 2 }), b = new nn.GRU(3, 4, { seed: 5, numLayers: 2, batchFirst: true });
      const x = tensor(Float32Array.from({ length: 5 * 2 * 3 }, (_, i) => Math.sin(i)), [5, 2, 3]);
      const [ya, ha] = a.forward(x);
      const [yb, hb] = b.forward(x.transpose(0, 1));
      expect([...yb.shape]).toEqual([2, 5, 4]);
      expectClose(yb.transpose(0, 1), ya, 'y');
      expectClose(hb, ha, 'h');
    }));

  it('dropout between layers only while training, seeded; save/load keeps config and extra state', () =>
    tidy(() => {
      const m = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5, seed: 7 });
      const x = tensor(Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => Math.cos(i)), [4, 2, 3]);
      const saved = saveModel(m);
      const copy = loadModel<nn.LSTM>(saved).model;
      expect(copy.config()).toEqual(m.config());
      const t1 = m.forward(x)[0].toFloat32Array(), t2 = copy.forward(x)[0].toFloat32Array();
      expect(t2).toEqual(t1);
      expect(m.forward(x)[0].toFloat32Array()).not.toEqual(t1);
      m.eval();
      const e1 = m.forward(x)[0].toFloat32Array();
      expect(m.forward(x)[0].toFloat32Array()).toEqual(e1);
      const noDrop = new nn.LSTM(3, 4, { numLayers: 2, seed: 7 });
      expect(noDrop.forward(x)[0].toFloat32Array()).toEqual(e1);
      for (const cls of [nn.RNN, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell]) {
        const mm = new cls(2, 3, { seed: 1 });
        const back = loadModel(saveModel(mm)).model;
        expect(back.constructor).toBe(cls);
        expect(back.stateDict()).toEqual(mm.stateDict());
      }
    }));

  it('bad inputs and states name the layer and the shapes, and allocate nothing', () =>
    tidy(() => {
      const m = new nn.LSTM(3, 4, { numLayers: 2 });
      const x = tensor(new Float32Array(12), [2, 2, 3]);
      const h1 = tensor(new Float32Array(8), [1, 2, 4]), h2 = tensor(new Float32Array(16), [2, 2, 4]);
      const x2 = tensor(new Float32Array(8), [2, 2, 2]), flat = tensor(new Float32Array(12), [4, 3]);
      const cx = tensor(new Float32Array(6), [2, 3]), ch = tensor(new Float32Array(4), [1, 4]);
      const cell = new nn.GRUCell(3, 4);
      const before = memoryStats().liveBlocks;
      expect(() => m.forward(flat)).toThrow(ShapeError);
      expect(() => m.forward(x, [h1, h2])).toThrow(/LSTM: h must be \[2,2,4\]/);
      expect(() => m.forward(x, h2 as unknown as nn.LSTMState)).toThrow(/LSTM: state must be \[h, c\]/);
      expect(() => m.forward(x2)).toThrow(/LSTM: input must be \[seq, batch, input\] with input 3, got \[2,2,2\]/);
      expect(() => cell.forward(cx, ch)).toThrow(/GRUCell: state must be \[2, 4\]/);
      expect(memoryStats().liveBlocks).toBe(before);
      expect(() => new nn.RNN(3, 0)).toThrow(KnobsError);
      expect(() => new nn.RNN(3, 2, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(/nonlinearity/);
      expect(() => new nn.LSTM(3, 2, { dropout: 1 })).toThrow(/dropout/);
      expect(() => nn.LSTM.fromConfig({ inputSize: 3, hiddenSize: 2, layers: 2 })).toThrow(/unknown config key/);
      // Still usable after the errors.
      expect([...m.forward(x)[0].shape]).toEqual([2, 2, 4]);
    }));

  it('truncated BPTT: state carried and detached across windows, memory flat, loss falls', () => {
    const m = new nn.LSTM(2, 8, { seed: 2, batchFirst: true });
    const head = new nn.Linear(8, 1, { seed: 3 });
    const opt = new optim.Adam([...m.parameters(), ...head.parameters()], { lr: 0.02 });
    // Target: the input's first feature one step ago, so the state must carry information across windows.
    const T = 10, B = 4, series = Float32Array.from({ length: 400 * B }, (_, i) => Math.sin(i * 0.7) * Math.cos(i * 0.13));
    let state: nn.LSTMState | undefined;
    const losses: number[] = [];
    let live0 = 0;
    for (let w = 0; w < 40; w++) {
      const prev = state;
      const [loss, next] = tidy(() => {
        const xs = new Float32Array(B * T * 2), ys = new Float32Array(B * T);
        for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
          const i = b * 400 + w * T + t;
          xs[(b * T + t) * 2] = series[i];
          xs[(b * T + t) * 2 + 1] = 1;
          ys[b * T + t] = i > 0 ? series[i - 1] : 0;
        }
        const [y, s] = m.forward(tensor(xs, [B, T, 2]), prev);
        const pred = head.forward(y.reshape([B * T, 8]));
        const l = pred.sub(tensor(ys, [B * T, 1])).pow(2).mean();
        opt.zeroGrad();
        l.backward();
        opt.step();
        return [l.item(), nn.detachState(s)] as const;
      });
      nn.disposeState(prev);
      state = next as nn.LSTMState;
      losses.push(loss);
      if (w === 5) live0 = memoryStats().liveBlocks;
      if (w > 5) expect(memoryStats().liveBlocks).toBe(live0);
    }
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5, last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(first * 0.5);
    nn.disposeState(state);
  });
});

describe('lstmSequence / gruSequence (the fused ops)', () => {
  it('bad shapes fail with a ShapeError naming the op and the shapes, before anything is allocated', () =>
    tidy(() => {
      const xi = zeros([3, 2, 8]), h0 = zeros([2, 2]), whh = zeros([8, 2]), bhh = zeros([8]);
      const xi6 = zeros([3, 2, 6]), h3 = zeros([3, 2]), w6 = zeros([6, 2]), empty = zeros([0, 2, 6]);
      const live = memoryStats().liveBlocks;
      expect(() => lstmSequence(xi6, h0, h0, whh, bhh)).toThrow(/lstmSequence: xi must be \[steps ≥ 1, batch, 8\] for whh \[8,2\], got \[3,2,6\]/);
      expect(() => lstmSequence(xi, h3, h0, whh, bhh)).toThrow(/lstmSequence: h0 must be \[2, 2\] for xi \[3,2,8\], got \[3,2\]/);
      expect(() => lstmSequence(xi, h0, h0, w6, bhh)).toThrow(/whh must be \[4·hidden, hidden\], got \[6,2\]/);
      expect(() => gruSequence(xi6, h0, w6, bhh)).toThrow(/gruSequence: bhh must be \[6\], got \[8\]/);
      expect(() => gruSequence(empty, h0, w6, null)).toThrow(ShapeError);
      expect(memoryStats().liveBlocks).toBe(live);
      // Still usable, with and without bias.
      const [y, hN, cN] = lstmSequence(xi, h0, h0, whh, null);
      expect([y.shape, hN.shape, cN.shape].map((s) => [...s])).toEqual([[3, 2, 2], [2, 2], [2, 2]]);
      expect([...gruSequence(zeros([3, 2, 6]), h0, zeros([6, 2]), null)[0].shape]).toEqual([3, 2, 2]);
    }));

  it('a 2-D xi [steps·batch, G·H] (linear\'s rows, batch from h0) gives the 3-D results and gradients; a batch that does not divide the rows is a ShapeError', () =>
    tidy(() => {
      const [T, B, H] = [3, 2, 4];
      const fill = (shape: number[], k: number) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * k)), shape);
      for (const G of [4, 3]) {
        const run = (flat: boolean) => {
          const xi = fill([T, B, G * H], 0.7).requireGrad(), h0 = fill([B, H], 1.3).requireGrad(), c0 = fill([B, H], 0.4).requireGrad();
          const whh = fill([G * H, H], 0.9).mul(0.5).detach().requireGrad(), bhh = fill([G * H], 2.1).requireGrad();
          const x = flat ? xi.reshape([T * B, G * H]) : xi;
          const outs = G === 4 ? lstmSequence(x, h0, c0, whh, bhh) : gruSequence(x, h0, whh, bhh);
          outs.map((o, i) => o.mul(i + 1).sum()).reduce((a, b) => a.add(b)).backward();
          return [...outs, xi.grad!, h0.grad!, whh.grad!, bhh.grad!, ...(G === 4 ? [c0.grad!] : [])].map((t) => [[...t.shape], Array.from(t.data)]);
        };
        expect(run(true)).toEqual(run(false));
        expect(() => (G === 4 ? lstmSequence(zeros([5, 4 * H]), zeros([B, H]), zeros([B, H]), zeros([4 * H, H]), null) : gruSequence(zeros([5, 3 * H]), zeros([B, H]), zeros([3 * H, H]), null))).toThrow(
          /Sequence: xi must be .*got \[5,1[26]\] \(a 2-D xi is \[steps·batch, 1[26]\], batch from h0 \[2,4\]\)/,
        );
      }
    }));
});

describe('fused LSTM/GRU: memory over 1,000 truncated-BPTT steps', () => {
  for (const kind of ['LSTM', 'GRU'] as const) {
    it(`${kind}: wasm memory, live bytes and live blocks after 1,000 windows equal those after 10`, () => {
      const m = kind === 'LSTM' ? new nn.LSTM(3, 16, { seed: 4, numLayers: 2 }) : new nn.GRU(3, 16, { seed: 4, numLayers: 2 });
      const head = new nn.Linear(16, 1, { seed: 5 });
      const opt = new optim.SGD([...m.parameters(), ...head.parameters()], { lr: 0.01 });
      const T = 5, B = 2;
      const x = tensor(Float32Array.from({ length: T * B * 3 }, (_, i) => Math.sin(i)), [T, B, 3]);
      const y = tensor(Float32Array.from({ length: T * B }, (_, i) => Math.cos(i)), [T * B, 1]);
      let state: nn.LSTMState | Tensor | undefined;
      let last = 0;
      const window = () => {
        const prev = state;
        const [loss, next] = tidy(() => {
          const [out, s] = (m as nn.LSTM).forward(x, prev as nn.LSTMState | undefined);
          const l = head.forward(out.reshape([T * B, 16])).sub(y).pow(2).mean();
          opt.zeroGrad();
          l.backward();
          opt.step();
          return [l.item(), nn.detachState(s)] as const;
        });
        nn.disposeState(prev);
        state = next;
        last = loss;
      };
      for (let i = 0; i < 10; i++) window();
      const after10 = memoryStats();
      for (let i = 0; i < 990; i++) window();
      const after1000 = memoryStats();
      expect(after1000.wasmBytes).toBe(after10.wasmBytes);
      expect(after1000.liveBytes).toBe(after10.liveBytes);
      expect(after1000.liveBlocks).toBe(after10.liveBlocks);
      expect(Number.isFinite(last)).toBe(true);
      nn.disposeState(state);
      x.dispose();
      y.dispose();
    });
  }
});

describe('nn.Embedding and nn.EmbeddingBag', () => {
  it('Embedding looks rows up by Int32Array, arrays or integer tensors; paddingIdx is zero and frozen', () =>
    tidy(() => {
      const e = new nn.Embedding(6, 3, { paddingIdx: 0, seed: 4 });
      const w = e.weight.toFloat32Array();
      expect(Array.from(w.slice(0, 3))).toEqual([0, 0, 0]);
      const y = e.forward(tensor([[1, 0], [5, 1]]));
      expect([...y.shape]).toEqual([2, 2, 3]);
      expect(Array.from(y.toFloat32Array().slice(9, 12))).toEqual(Array.from(w.slice(3, 6)));
      expect(e.forward(Int32Array.of(5)).toFloat32Array()).toEqual(w.slice(15, 18));
      y.sum().backward();
      const g = e.weight.grad!.toFloat32Array();
      expect(Array.from(g)).toEqual([0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
      expect(() => e.forward([6])).toThrow(/embedding: indices 6 at position 0 is out of range/);
      expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx/);
      expect(new nn.Embedding(6, 3, { seed: 4 }).weight.toFloat32Array()).not.toEqual(new nn.Embedding(6, 3, { seed: 5 }).weight.toFloat32Array());
      const back = loadModel<nn.Embedding>(saveModel(e)).model;
      expect(back.config()).toEqual({ numEmbeddings: 6, embeddingDim: 3, paddingIdx: 0, seed: 4 });
    }));

  it('EmbeddingBag sums or averages bags given by offsets or rows; empty bags are zeros', () =>
    tidy(() => {
      const sum = new nn.EmbeddingBag(5, 2, { mode: 'sum', seed: 1 });
      const mean = new nn.EmbeddingBag(5, 2, { seed: 1 });
      const w = sum.weight.toFloat32Array();
      const row = (i: number) => [w[2 * i], w[2 * i + 1]];
      const ids = Int32Array.of(1, 2, 4, 4, 0);
      const s = sum.forward(ids, [0, 2, 2]).toFloat32Array();
      const want = [row(1)[0] + row(2)[0], row(1)[1] + row(2)[1], 0, 0, 2 * row(4)[0] + row(0)[0], 2 * row(4)[1] + row(0)[1]];
      s.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
      const m = mean.forward(ids, tensor([0, 2, 2])).toFloat32Array();
      [want[0] / 2, want[1] / 2, 0, 0, want[4] / 3, want[5] / 3].forEach((v, i) => expect(m[i]).toBeCloseTo(v, 6));
      const rows = mean.forward(tensor([[1, 2], [4, 0]])).toFloat32Array();
      [(row(1)[0] + row(2)[0]) / 2, (row(1)[1] + row(2)[1]) / 2, (row(4)[0] + row(0)[0]) / 2, (row(4)[1] + row(0)[1]) / 2].forEach((v, i) => expect(rows[i]).toBeCloseTo(v, 6));
      expect(() => sum.forward(ids, [1, 3])).toThrow(/offsets must start at 0/);
      expect(() => sum.forward(ids, [0, 4, 3])).toThrow(/non-decreasing/);
      expect(() => sum.forward(ids)).toThrow(/need offsets/);
      expect(() => new nn.EmbeddingBag(5, 2, { mode: 'max' as 'sum' })).toThrow(/mode/);
      expect(loadModel<nn.EmbeddingBag>(saveModel(sum)).model.config()).toEqual({ numEmbeddings: 5, embeddingDim: 2, mode: 'sum', seed: 1 });
    }));
});
