import { beforeAll, describe, expect, it } from 'vitest';
import { init, KnobsError, memoryStats, nn, summary, tensor, text, type ModelSummary } from '../ts/index.js';

beforeAll(() => init());

/** One small model per registered layer type, with the input its forward needs. */
function zoo(): Record<string, () => { model: nn.AnyModule; shape?: number[] | number[][]; inputs?: () => ReturnType<typeof tensor>[] }> {
  return {
    Linear: () => ({ model: new nn.Linear(4, 3), shape: [4] }),
    ReLU: () => ({ model: new nn.ReLU(), shape: [4] }),
    Sigmoid: () => ({ model: new nn.Sigmoid(), shape: [4] }),
    Tanh: () => ({ model: new nn.Tanh(), shape: [4] }),
    Softmax: () => ({ model: new nn.Softmax(), shape: [4] }),
    LogSoftmax: () => ({ model: new nn.LogSoftmax(), shape: [4] }),
    Dropout: () => ({ model: new nn.Dropout(0.5), shape: [4] }),
    Sequential: () => ({ model: new nn.Sequential(new nn.Linear(4, 3), new nn.Sequential(new nn.ReLU(), new nn.Linear(3, 2))), shape: [4] }),
    ModuleList: () => ({ model: new ListModel(), shape: [4] }),
    ModuleDict: () => ({ model: new ListModel(), shape: [4] }),
    RNNCell: () => ({ model: new nn.RNNCell(4, 5), shape: [4] }),
    LSTMCell: () => ({ model: new nn.LSTMCell(4, 5), shape: [4] }),
    GRUCell: () => ({ model: new nn.GRUCell(4, 5), shape: [4] }),
    RNN: () => ({ model: new nn.RNN(4, 5, { batchFirst: true }), shape: [7, 4] }),
    LSTM: () => ({ model: new nn.LSTM(4, 5, { batchFirst: true }), shape: [7, 4] }),
    GRU: () => ({ model: new nn.GRU(4, 5, { batchFirst: true }), shape: [7, 4] }),
    Embedding: () => ({ model: new nn.Embedding(10, 6), shape: [5] }),
    Seq2Seq: () => ({ model: new Seq2SeqProbe(), shape: [1] }),
    EmbeddingBag: () => ({ model: new nn.EmbeddingBag(10, 6), shape: [5] }),
    LayerNorm: () => ({ model: new nn.LayerNorm(4), shape: [4] }),
    MultiheadAttention: () => ({ model: new nn.MultiheadAttention(8, 2), shape: [[5, 8], [6, 8], [6, 8]] }),
    TransformerEncoderLayer: () => ({ model: new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), shape: [5, 8] }),
    MemN2N: () => ({ model: new nn.MemN2N({ vocabSize: 12, sentenceLength: 3, memorySize: 4, embedDim: 6, hops: 2 }), shape: [15] }),
    SinusoidalPositionalEncoding: () => ({ model: new nn.SinusoidalPositionalEncoding(8, 16), shape: [5, 8] }),
    LearnedPositionalEncoding: () => ({ model: new nn.LearnedPositionalEncoding(16, 8), shape: [5, 8] }),
    Conv2d: () => ({ model: new nn.Conv2d(1, 4, 3), shape: [1, 8, 8] }),
    Conv1d: () => ({ model: new nn.Conv1d(2, 4, 3), shape: [2, 9] }),
    MaxPool2d: () => ({ model: new nn.MaxPool2d(2), shape: [1, 8, 8] }),
    AvgPool2d: () => ({ model: new nn.AvgPool2d(2), shape: [1, 8, 8] }),
    AdaptiveAvgPool2d: () => ({ model: new nn.AdaptiveAvgPool2d(1), shape: [3, 8, 8] }),
    Flatten: () => ({ model: new nn.Flatten(), shape: [3, 2, 2] }),
    BatchNorm1d: () => ({ model: new nn.BatchNorm1d(4), shape: [4] }),
    BatchNorm2d: () => ({ model: new nn.BatchNorm2d(3), shape: [3, 4, 4] }),
  };
}

/** A user module holding a ModuleList and a ModuleDict (containers that are never called themselves). */
class ListModel extends nn.Module {
  readonly blocks = this.addModule('blocks', new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 2)]));
  readonly heads = this.addModule('heads', new nn.ModuleDict({ out: new nn.Linear(2, 3) }));
  forward(x: ReturnType<typeof tensor>) {
    for (const [, b] of this.blocks.namedChildren()) x = (b as nn.Linear).forward(x);
    return (this.heads.get('out') as nn.Linear).forward(x);
  }
}

/** Seq2Seq reads token ids (Int32Array), not tensors: this wrapper turns a [batch, 1] input into
 * a 3-step source and a 2-step target of id 0 for each sample. */
class Seq2SeqProbe extends nn.Module {
  readonly m = this.addModule('m', new text.Seq2Seq(5, 6, { embedSize: 4, hiddenSize: 3, seed: 1 }));
  forward(x: ReturnType<typeof tensor>) {
    const n = x.shape[0];
    return this.m.forward(new Int32Array(3 * n), 3, new Int32Array(2 * n), 2);
  }
}

const layer = (s: ModelSummary, name: string) => s.layers.find((l) => l.name === name)!;

describe('summary', () => {
  it('an MLP: Keras numbers, as data and as a table', () => {
    const m = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(128, 10));
    const s = summary(m, [784], { batchSize: 32 });
    expect(s.totalParams).toBe(784 * 128 + 128 + 128 * 10 + 10);
    expect(s.trainableParams).toBe(101770);
    expect(s.nonTrainableParams).toBe(0);
    expect(s.layers.map((l) => [l.name, l.type, l.depth, l.outputShapes, l.params])).toEqual([
      ['', 'Sequential', 0, [[32, 10]], 101770],
      ['0', 'Linear', 1, [[32, 128]], 100480],
      ['1', 'ReLU', 1, [[32, 128]], 0],
      ['2', 'Dropout', 1, [[32, 128]], 0],
      ['3', 'Linear', 1, [[32, 10]], 1290],
    ]);
    const text = String(s);
    expect(text).toContain('Input: [32,784]');
    expect(text).toMatch(/  0 \(Linear\)\s+\[32,128\]\s+100,480/);
    expect(text).toContain('Total params: 101,770 (397.54 KB)');
    expect(text).toContain('Non-trainable params: 0');
    m.dispose();
  });

  it('works for every registered layer type (the zoo must name each one)', () => {
    const z = zoo();
    const missing = nn.registeredTypes().filter((t) => !(t in z));
    expect(missing, 'registered types without a summary case').toEqual([]);
    for (const [type, make] of Object.entries(z)) {
      const { model, shape } = make();
      const live = memoryStats().liveBlocks;
      const s = summary(model, shape);
      expect(memoryStats().liveBlocks, type).toBe(live);
      const rows = s.layers.filter((l) => l.type === type);
      expect(rows.length, type).toBeGreaterThan(0);
      if (type === 'ModuleList' || type === 'ModuleDict') expect(rows[0].calls).toBe(0);
      else expect(rows[0].calls, type).toBeGreaterThan(0);
      expect(s.layers[0].outputShapes.length, type).toBeGreaterThan(0);
      expect(s.totalParams, type).toBe(model.parameters().reduce((a, p) => a + p.size, 0) + model.buffers().reduce((a, b) => a + b.size, 0));
      // The wrapping is undone: no own forward left on any module.
      for (const m of model.modules()) expect(Object.hasOwn(m, 'forward'), type).toBe(false);
      model.dispose?.();
    }
  });

  it('shapes of tuple outputs, nested rows, repeated calls, and non-trainable counts', () => {
    const { model: lstm } = zoo().LSTM();
    const s = summary(lstm, [7, 4], { batchSize: 3 });
    // PyTorch layout: the final states are [numLayers, batch, hidden].
    expect(s.layers[0].outputShapes).toEqual([[3, 7, 5], [1, 3, 5], [1, 3, 5]]);
    const mha = summary(new nn.MultiheadAttention(8, 2), [[5, 8], [6, 8], [6, 8]]);
    expect(mha.layers[0].outputShapes).toEqual([[1, 5, 8], [1, 5, 6]]);
    const enc = summary(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), [5, 8]);
    expect(layer(enc, 'selfAttn').depth).toBe(1);
    expect(layer(enc, 'selfAttn').outputShapes[0]).toEqual([1, 5, 8]);
    const bn = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(4 * 6 * 6, 2));
    bn.parameters()[0].requiresGrad = false; // a frozen conv weight
    bn.train();
    const b = summary(bn, [1, 8, 8]);
    expect(b.nonTrainableParams).toBe(4 * 9 + 4 + 4 + 1);
    expect(b.trainableParams).toBe(4 + 8 + 144 * 2 + 2);
    expect(layer(b, '3').outputShapes).toEqual([[1, 144]]);
    expect(bn.training).toBe(true);
    expect([...bn.modules()].every((m) => m.training)).toBe(true);
    bn.dispose();
  });

  it('a wrong input shape is a KnobsError naming summary and the shape, and leaves the model usable', () => {
    const m = new nn.Sequential(new nn.Linear(4, 3));
    expect(() => summary(m, [5])).toThrow(KnobsError);
    expect(() => summary(m, [5])).toThrow(/^summary: the forward pass on inputs \[1,5\] failed: /);
    expect(() => summary(m, [-1])).toThrow(/input shape 0 must be an array of non-negative integers/);
    expect(() => summary(m)).toThrow(/inputShape is required/);
    expect(Object.hasOwn(m, 'forward')).toBe(false);
    expect(summary(m, [4]).totalParams).toBe(15);
    m.dispose();
  });
});
