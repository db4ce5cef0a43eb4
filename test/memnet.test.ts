/**
 * nn.MemN2N on bAbI: a short task-1 run that must reach a real accuracy (an untrained model is at
 * chance), save/load with its linear-start state, training in a worker, and input checks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runBabi, runBabiJoint } from '../examples/babi-memnet.js';
import { DataLoader, KnobsError, ShapeError, TensorDataset, babiSamples, babiVocab, encodeBabi, evaluate, generateBabi, init, loadModel, nn, predict, saveModel, tensor, tidy } from '../ts/index.js';
import { trainInWorker } from '../ts/worker/index.js';

beforeAll(async () => {
  await init();
});

function task1(n: number, seed: number) {
  const samples = babiSamples(generateBabi(1, { stories: Math.ceil(n / 5), seed })).slice(0, n);
  const vocab = babiVocab(babiSamples(generateBabi(1, { stories: 400, seed: 999 })));
  const enc = encodeBabi(samples, { vocab, memorySize: 10, sentenceLength: 6 });
  return { enc, vocab, x: { data: enc.x, shape: [enc.n, enc.rowLength] }, y: { data: enc.y, shape: [enc.n] } };
}

describe('MemN2N on bAbI', () => {
  it('learns single-supporting-fact questions: ≥ 95% test accuracy after 15 epochs (untrained: < 40%)', async () => {
    const untrained = task1(500, 7);
    const m0 = new nn.MemN2N({ vocabSize: untrained.vocab.length, sentenceLength: 6, memorySize: 10, hops: 1, seed: 3 });
    const chance = tidy(() => evaluate(m0, new DataLoader(new TensorDataset(untrained.x, untrained.y), { batchSize: 250 }))).accuracy;
    expect(chance).toBeLessThan(0.4);
    // Adam and 10 slots (task 1's stories hold at most 10 sentences): the paper's SGD recipe needs more epochs.
    const r = await runBabi(1, 1, { epochs: 15, testQuestions: 500, seed: 2, optimizer: 'adam', memorySize: 10, stepSize: 20, linearStartEpochs: 5 });
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('learns yes/no questions (task 6): ≥ 85% test accuracy with 1 hop after 45 epochs (not learned: ≈ 50%, the yes/no balance)', async () => {
    // The paper's recipe (examples/babi-memnet.ts). Yes/no needs somewhere for the attention to go
    // when no sentence matches the question: the empty memory slots (attendEmptySlots). With them
    // masked out of the softmax this run stays at chance.
    // 45 of the recipe's 100 epochs (≈ 3 s of CPU): the softmax goes in after epoch 20 and the
    // accuracy leaves chance around epoch 30.
    const r = await runBabi(6, 1, { testQuestions: 500, seed: 1, epochs: 45 });
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.85);
  }, 120_000);

  it('joint training (runBabiJoint): one network on tasks 1 and 6 with one vocabulary answers both (task 1 ≥ 95%, task 6 ≥ 85% after 60 epochs, 2 hops)', async () => {
    // 60 of the recipe's 100 epochs (≈ 7 s of CPU). The full table (tasks 1, 2, 3, 6 together) is
    // the example's --joint; this checks that the mixed training set and the per-task scores work.
    const r = await runBabiJoint([1, 6], 2, { testQuestions: 500, seed: 1, epochs: 60 });
    expect(r.tasks.map((t) => t.task)).toEqual([1, 6]);
    const [t1, t6] = r.tasks;
    expect(t1.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(t6.testAccuracy).toBeGreaterThanOrEqual(0.85);
    // Each task's validation score is on its own held-out 10% (100 questions: a multiple of 1%).
    for (const t of r.tasks) expect(Math.abs(t.valAccuracy * 100 - Math.round(t.valAccuracy * 100))).toBeLessThan(1e-6);
    // fit's held-out set is exactly those two parts (equal sizes: its accuracy is their mean).
    expect(r.valAccuracy).toBeCloseTo((t1.valAccuracy + t6.valAccuracy) / 2, 6);
    await expect(runBabiJoint([6, 6], 1)).rejects.toThrow(/^runBabiJoint: tasks must be distinct and at least one, got \[6, 6\]/);
    await expect(runBabiJoint([], 1)).rejects.toThrow(KnobsError);
  }, 120_000);

  it('position and temporal encoding, tying and hops show in the parameters; eval() records attention per hop', () => {
    const m = new nn.MemN2N({ vocabSize: 20, sentenceLength: 6, memorySize: 10, hops: 3, embedDim: 8, seed: 1 });
    expect([...m.namedParameters()].map(([n]) => n)).toEqual(['A1', 'A2', 'A3', 'A4', 'T1', 'T2', 'T3', 'T4']);
    const { enc } = task1(4, 1);
    m.eval();
    tidy(() => m.forward(tensor(enc.x, [4, enc.rowLength])));
    expect(m.lastAttention.length).toBe(3);
    for (const p of m.lastAttention) {
      // Each of the 4 questions attends over all 10 slots, the empty ones included (attendEmptySlots).
      for (let b = 0; b < 4; b++) expect(p.subarray(b * 10, b * 10 + 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
    // The first question has 2 sentences before it: slots 2..9 are empty and still weigh something.
    expect(m.lastAttention[0].subarray(2, 10).every((v) => v > 0)).toBe(true);
    const masked = new nn.MemN2N({ vocabSize: 20, sentenceLength: 6, memorySize: 10, hops: 1, embedDim: 8, seed: 1, attendEmptySlots: false });
    masked.eval();
    tidy(() => masked.forward(tensor(enc.x, [4, enc.rowLength])));
    expect(Array.from(masked.lastAttention[0].subarray(2, 10))).toEqual(new Array(8).fill(0));
    expect(masked.lastAttention[0][0] + masked.lastAttention[0][1]).toBeCloseTo(1, 5);
    expect(loadModel<nn.MemN2N>(saveModel(masked)).model.attendEmptySlots).toBe(false);
  });

  it("encodes only the slots some row of the batch fills: a short story's logits and gradients are the same alone as beside a full memory", () => {
    const short = task1(2, 11).enc; // 2 sentences in 10 slots: the narrowed path
    const full = encodeBabi(babiSamples(generateBabi(1, { stories: 3, seed: 12 })).filter((s) => s.context.length >= 10).slice(0, 1), { vocab: task1(1, 1).vocab, memorySize: 10, sentenceLength: 6 });
    expect(full.n).toBe(1);
    const row = short.rowLength;
    const m = new nn.MemN2N({ vocabSize: task1(1, 1).vocab.length, sentenceLength: 6, memorySize: 10, hops: 2, seed: 4 });
    // Logits of the short row, and the gradient of their sum, alone and with a full row in the batch.
    const run = (x: Float32Array, rows: number) =>
      tidy(() => {
        m.zeroGrad();
        const logits = m.forward(tensor(x, [rows, row]));
        logits.narrow(0, 0, 1).sum().backward();
        return { logits: logits.narrow(0, 0, 1).toFloat32Array(), grads: m.parameters().map((p) => p.grad!.toFloat32Array()) };
      });
    const alone = run(short.x.subarray(0, row), 1);
    const beside = run(Float32Array.from([...short.x.subarray(0, row), ...full.x]), 2);
    expect(Array.from(beside.logits)).toEqual(Array.from(alone.logits).map((v) => expect.closeTo(v, 5)));
    alone.grads.forEach((g, i) => expect(Array.from(beside.grads[i])).toEqual(Array.from(g).map((v) => expect.closeTo(v, 5))));
    // The gradient reaches the temporal encodings of the empty slots (they stay in the softmax).
    expect(alone.grads[m.hops + 1].subarray(2 * 20, 10 * 20).some((v) => v !== 0)).toBe(true);
  });

  it("layerwise tying (A, C, B, W, TA, TC and H) and nonlinearity 'relu': gradients reach every table, config round-trips", () => {
    const { vocab, enc } = task1(6, 13);
    const opts = { vocabSize: vocab.length, sentenceLength: 6, memorySize: 10, hops: 3, embedDim: 8, seed: 1, weightTying: 'layerwise' } as const;
    const m = new nn.MemN2N({ ...opts, nonlinearity: 'relu' });
    expect([...m.namedParameters()].map(([n]) => n)).toEqual(['A', 'C', 'B', 'W', 'TA', 'TC', 'H']);
    const x = () => tensor(enc.x, [6, enc.rowLength]);
    tidy(() => m.forward(x()).pow(2).sum().backward());
    for (const [n, p] of m.namedParameters()) expect(p.grad!.toFloat32Array().some((v) => v !== 0), n).toBe(true);
    m.eval();
    const out = tidy(() => m.forward(x()).toFloat32Array());
    expect(m.lastAttention.length).toBe(3);
    // ReLU on u: with the same weights, 'none' answers differently.
    const linear = new nn.MemN2N(opts);
    linear.eval();
    expect(tidy(() => linear.forward(x()).toFloat32Array())).not.toEqual(out);
    const { model: back } = loadModel<nn.MemN2N>(saveModel(m));
    expect([back.weightTying, back.nonlinearity]).toEqual(['layerwise', 'relu']);
    back.eval();
    expect(tidy(() => back.forward(x()).toFloat32Array())).toEqual(out);
    expect(() => new nn.MemN2N({ ...opts, weightTying: 'rnn' as never })).toThrow(/MemN2N: weightTying must be 'adjacent' or 'layerwise', got "rnn"/);
    expect(() => nn.fromSpec({ format: 'knobs.module', version: 2, root: { type: 'MemN2N', config: { vocabSize: 5, sentenceLength: 3, nonlinearity: 'tanh' } } } as never)).toThrow(/nonlinearity must be one of none, relu, got "tanh"/);
  });

  it('randomNoise shifts memories in time while training only, from its own seeded stream', () => {
    const { vocab, enc } = task1(8, 3);
    const x = () => tensor(enc.x, [8, enc.rowLength]);
    const make = (rn: number) => new nn.MemN2N({ vocabSize: vocab.length, sentenceLength: 6, memorySize: 10, hops: 1, randomNoise: rn, seed: 2 });
    const run = (m: nn.MemN2N) => tidy(() => m.forward(x()).toFloat32Array());
    const noisy = make(0.3), twin = make(0.3), clean = make(0);
    const first = run(noisy);
    expect(run(noisy)).not.toEqual(first);
    expect(run(twin)).toEqual(first);
    expect(run(clean)).toEqual(run(clean));
    noisy.eval();
    expect(run(noisy)).toEqual(run(noisy));
    expect(() => make(1)).toThrow(/randomNoise must be in \[0, 1\)/);
  });

  it('LinearStart removes the softmax until the validation loss stops falling (or maxEpochs)', () => {
    const m = new nn.MemN2N({ vocabSize: 5, sentenceLength: 2, memorySize: 2, hops: 1, seed: 1 });
    const ls = new nn.LinearStart(m, { maxEpochs: 10 });
    ls.onTrainBegin();
    expect(m.linearStart).toBe(true);
    [2, 1.5, 1.2].forEach((v, e) => ls.onEpochEnd(e, { loss: 9, val_loss: v }));
    expect(m.linearStart).toBe(true);
    ls.onEpochEnd(3, { loss: 9, val_loss: 1.3 });
    expect([m.linearStart, ls.switchedAt]).toEqual([false, 3]);
    ls.onEpochEnd(4, { loss: 9, val_loss: 0.1 });
    expect(m.linearStart).toBe(false);
    const capped = new nn.LinearStart(m, { maxEpochs: 2 });
    capped.onTrainBegin();
    [3, 2].forEach((v, e) => capped.onEpochEnd(e, { loss: v }));
    expect([m.linearStart, capped.switchedAt]).toEqual([false, 1]);
  });

  it('saves and loads (weights, config, linearStart state) with identical predictions', () => {
    const { vocab, enc } = task1(20, 4);
    const m = new nn.MemN2N({ vocabSize: vocab.length, sentenceLength: 6, memorySize: 10, hops: 2, seed: 5, linearStart: true });
    m.linearStart = false;
    const saved = saveModel(m);
    const { model: back } = loadModel<nn.MemN2N>(saved);
    expect(back).toBeInstanceOf(nn.MemN2N);
    expect(back.linearStart).toBe(false);
    expect(back.hops).toBe(2);
    const x = { data: enc.x, shape: [enc.n, enc.rowLength] };
    const a = tidy(() => predict(m, x).toFloat32Array()), b = tidy(() => predict(back, x).toFloat32Array());
    expect(b).toEqual(a);
  });

  it('trains in a worker: the returned weights fit the model and answer better than the start', async () => {
    const train = task1(1000, 8), test = task1(300, 9);
    const m = new nn.MemN2N({ vocabSize: train.vocab.length, sentenceLength: 6, memorySize: 10, hops: 1, seed: 6 });
    const loader = new DataLoader(new TensorDataset(test.x, test.y), { batchSize: 300 });
    const before = tidy(() => evaluate(m, loader)).accuracy;
    const res = await trainInWorker(m, { x: train.x, y: train.y }, { epochs: 10, batchSize: 32, seed: 1, optimizer: { type: 'Adam', lr: 0.01 } });
    m.loadStateDict(res.weights);
    const after = tidy(() => evaluate(m, loader)).accuracy;
    expect(res.history.history.loss.at(-1)!).toBeLessThan(res.history.history.loss[0] / 2);
    expect(after).toBeGreaterThan(Math.max(0.8, before! + 0.3));
  }, 120_000);

  it('rejects a badly shaped input and bad options with messages naming them', () => {
    const m = new nn.MemN2N({ vocabSize: 10, sentenceLength: 4, memorySize: 3, hops: 1, seed: 1 });
    expect(() => tidy(() => m.forward(tensor(new Float32Array(15), [1, 15])))).toThrow(ShapeError);
    expect(() => tidy(() => m.forward(tensor(new Float32Array(15), [1, 15])))).toThrow(/MemN2N: input \[1,15\] must be \[batch, \(memorySize \+ 1\)·sentenceLength\] = \[batch, 16\]/);
    expect(() => new nn.MemN2N({ vocabSize: 10, sentenceLength: 4, hops: 0 })).toThrow(/MemN2N: hops must be a positive integer/);
    expect(() => nn.fromSpec({ format: 'knobs.module', version: 2, root: { type: 'MemN2N', config: { vocabSize: 5, sentenceLength: 3, hopz: 2 } } } as never)).toThrow(/hopz/);
    expect(() => encodeBabi([{ context: ['Mary went to the moon.'], question: 'Where is Mary?', answer: 'moon', supporting: [0] }], { vocab: ['<nil>', 'mary'], memorySize: 2, sentenceLength: 6 })).toThrow(KnobsError);
    // Still usable after the errors.
    expect(tidy(() => m.forward(tensor(new Float32Array(16), [1, 16])).shape)).toEqual([1, 10]);
  });
});
