/**
 * Training cases: one step (forward + backward + SGD) of an MLP 784-H-10 with ReLU and softmax
 * cross-entropy, and a full epoch of 784-40-10 over 10,000 samples at batch 100. Every library
 * starts from the same weights (knobs' seeded init, copied) and sees the same data, lr 0.01.
 */
import { DataLoader, TensorDataset, compileStep, fit, nn, optim, tensor, tidy, type CompiledStep, type Tensor } from '../ts/index.js';
import { CLASSES, IN, head, type Samples } from './data.js';
import type { Case } from './harness.js';
import type { BrainModule, BrainNet, Tf } from './peers.js';

export const LR = 0.01;

export const stepRow = (h: number, b: number) => `step mlp 784-${h}-10 b${b}`;
export const epochRow = (h: number, n: number, b: number) => `epoch mlp 784-${h}-10 n${n} b${b}`;

export function knobsMlp(h: number): { model: nn.Sequential; opt: optim.SGD } {
  const model = new nn.Sequential(new nn.Linear(IN, h, { seed: 1 }), new nn.ReLU(), new nn.Linear(h, CLASSES, { seed: 2 }));
  return { model, opt: new optim.SGD(model.parameters(), { lr: LR }) };
}

/** The step every knobs case times: the fused dense path (Linear+ReLU in one call) inside tidy. */
export function knobsStep(model: nn.Sequential, opt: optim.SGD, loss: nn.CrossEntropyLoss, x: Tensor, y: Tensor): void {
  tidy(() => {
    const l = loss.forward(model.forward(x), y);
    opt.zeroGrad();
    l.backward();
    opt.step();
  });
}

/** knobs' initial weights as plain arrays ([in, out] layout, as tfjs' matMul(x, W) wants). */
function initialWeights(h: number): Float32Array[] {
  const { model, opt } = knobsMlp(h);
  const ws = model.parameters().map((p) => p.data.slice());
  opt.dispose();
  model.dispose();
  return ws; // W1 [784,h], b1 [h], W2 [h,10], b2 [10]
}

interface TfMlp {
  vars: any[];
  opt: any;
  step(x: any, y: any): void;
  dispose(): void;
}

function tfMlp(tf: Tf, h: number): TfMlp {
  const [w1, b1, w2, b2] = initialWeights(h);
  const vars = [tf.variable(tf.tensor2d(w1, [IN, h])), tf.variable(tf.tensor1d(b1)), tf.variable(tf.tensor2d(w2, [h, CLASSES])), tf.variable(tf.tensor1d(b2))];
  const opt = tf.train.sgd(LR);
  return {
    vars,
    opt,
    step(x, y) {
      tf.tidy(() => {
        opt.minimize(() => {
          const hid = tf.relu(tf.add(tf.matMul(x, vars[0]), vars[1]));
          const logits = tf.add(tf.matMul(hid, vars[2]), vars[3]);
          return tf.losses.softmaxCrossEntropy(y, logits);
        }, false);
      });
    },
    dispose() {
      for (const v of vars) v.dispose();
      opt.dispose();
    },
  };
}

function brainData(s: Samples): { input: number[]; output: number[] }[] {
  const out = [];
  for (let i = 0; i < s.n; i++) {
    out.push({ input: Array.from(s.x.subarray(i * IN, (i + 1) * IN)), output: Array.from(s.oneHot.subarray(i * CLASSES, (i + 1) * CLASSES)) });
  }
  return out;
}

// brain.js 1.x: per-sample SGD (its only mode), MSE on the output activation, one pass over the
// data per train() call plus its own error pass (errorThresh 0 is rejected; 1e-9 never stops it early). It rejects momentum 0, so it keeps its default
// 0.1 (the momentum update costs it the same either way).
const brainTrainOpts = { iterations: 1, errorThresh: 1e-9, learningRate: LR, log: false };
function brainNet(brain: BrainModule, h: number): BrainNet {
  return new brain.NeuralNetwork({ hiddenLayers: [h], activation: 'relu', learningRate: LR });
}

export interface TrainPeers {
  tf: Tf | null;
  tfBackends: string[];
  brain: BrainModule | null;
}

const tfLib = (b: string) => (b === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu') as 'tfjs-wasm' | 'tfjs-cpu';

/** One training step on a batch of `b` samples (the first b of `data`). */
export function stepCases(h: number, b: number, data: Samples, peers: TrainPeers, withBrain: boolean): Case[] {
  const d = head(data, b);
  const row = stepRow(h, b);
  const cases: Case[] = [];
  {
    let st: { model: nn.Sequential; opt: optim.SGD; loss: nn.CrossEntropyLoss; x: Tensor; y: Tensor } | null = null;
    cases.push({
      row,
      lib: 'knobs',
      work: b,
      setup: () => {
        const { model, opt } = knobsMlp(h);
        st = { model, opt, loss: new nn.CrossEntropyLoss(), x: tensor(d.x, [b, IN]), y: tensor(d.oneHot, [b, CLASSES]) };
      },
      fn: () => knobsStep(st!.model, st!.opt, st!.loss, st!.x, st!.y),
      teardown: () => {
        st!.x.dispose();
        st!.y.dispose();
        st!.opt.dispose();
        st!.model.dispose();
        st = null;
      },
    });
  }
  if (withBrain) cases.push(compiledStepCase(h, b, d));
  for (const backend of peers.tfBackends) {
    const tf = peers.tf;
    let m: TfMlp | null = null, x: any = null, y: any = null;
    cases.push({
      row,
      lib: tfLib(backend),
      work: b,
      enter: () => tf.setBackend(backend),
      setup: () => {
        m = tfMlp(tf, h);
        x = tf.tensor2d(d.x, [b, IN]);
        y = tf.tensor2d(d.oneHot, [b, CLASSES]);
      },
      fn: () => m!.step(x, y),
      teardown: () => {
        m!.dispose();
        x.dispose();
        y.dispose();
      },
    });
  }
  if (withBrain && peers.brain) cases.push(brainCase(peers.brain, row, h, d));
  return cases;
}

/** The same step through compileStep (issue 16: the ch.8 MLP compiled against eager, 1 thread). */
function compiledStepCase(h: number, b: number, d: Samples): Case {
  let st: { model: nn.Sequential; opt: optim.SGD; cs: CompiledStep; x: Tensor; y: Tensor } | null = null;
  return {
    row: stepRow(h, b),
    lib: 'knobs compiled',
    work: b,
    setup: () => {
      const { model, opt } = knobsMlp(h);
      st = { model, opt, cs: compileStep(model, new nn.CrossEntropyLoss(), opt), x: tensor(d.x, [b, IN]), y: tensor(d.oneHot, [b, CLASSES]) };
    },
    fn: () => {
      st!.cs.step(st!.x, st!.y);
      if (st!.cs.fallbackReason) throw new Error(`compileStep fell back to eager: ${st!.cs.fallbackReason}`);
    },
    teardown: () => {
      st!.cs.dispose();
      st!.x.dispose();
      st!.y.dispose();
      st!.opt.dispose();
      st!.model.dispose();
      st = null;
    },
  };
}

/** brain.js's train() for one iteration over `samples` (per-sample SGD: its only mode). */
function brainCase(brain: BrainModule, row: string, h: number, samples: Samples): Case {
  let net: BrainNet | null = null;
  let bd: ReturnType<typeof brainData> = [];
  return {
    row,
    lib: 'brain.js',
    work: samples.n,
    setup: () => {
      net = brainNet(brain, h);
      bd = brainData(samples);
    },
    fn: () => net!.train(bd, brainTrainOpts),
  };
}

/**
 * One epoch over `data` at batch `b`, no shuffling, batches copied in from the JS arrays as a
 * user's loop would. brain.js runs on the first `brainSamples` only; its samples/s scales.
 */
export function epochCases(h: number, b: number, data: Samples, peers: TrainPeers, brainSamples: number): Case[] {
  const n = data.n, steps = Math.floor(n / b);
  const row = epochRow(h, n, b);
  const cases: Case[] = [];
  {
    let st: { model: nn.Sequential; opt: optim.SGD; loss: nn.CrossEntropyLoss } | null = null;
    cases.push({
      row,
      lib: 'knobs',
      work: steps * b,
      setup: () => void (st = { ...knobsMlp(h), loss: new nn.CrossEntropyLoss() }),
      fn: () => {
        for (let i = 0; i < steps; i++) {
          tidy(() => knobsStep(st!.model, st!.opt, st!.loss, tensor(data.x.subarray(i * b * IN, (i + 1) * b * IN), [b, IN]), tensor(data.oneHot.subarray(i * b * CLASSES, (i + 1) * b * CLASSES), [b, CLASSES])));
        }
      },
      teardown: () => {
        st!.opt.dispose();
        st!.model.dispose();
      },
    });
  }
  {
    let st: { model: nn.Sequential; opt: optim.SGD; loader: DataLoader } | null = null;
    cases.push({
      row,
      lib: 'knobs fit()',
      work: steps * b,
      setup: () => {
        const ds = new TensorDataset({ data: data.x, shape: [n, IN] }, { data: data.labels, shape: [n] });
        st = { ...knobsMlp(h), loader: new DataLoader(ds, { batchSize: b, shuffle: false, dropLast: true }) };
      },
      // An async function, so tinybench awaits it (it tells async tasks by their type).
      fn: async () => void (await fit(st!.model, st!.loader, { epochs: 1, optimizer: st!.opt, verbose: false })),
      teardown: () => {
        st!.opt.dispose();
        st!.model.dispose();
      },
    });
  }
  for (const backend of peers.tfBackends) {
    const tf = peers.tf;
    let m: TfMlp | null = null;
    cases.push({
      row,
      lib: tfLib(backend),
      work: steps * b,
      enter: () => tf.setBackend(backend),
      setup: () => void (m = tfMlp(tf, h)),
      fn: () => {
        for (let i = 0; i < steps; i++) {
          tf.tidy(() => m!.step(tf.tensor2d(data.x.subarray(i * b * IN, (i + 1) * b * IN), [b, IN]), tf.tensor2d(data.oneHot.subarray(i * b * CLASSES, (i + 1) * b * CLASSES), [b, CLASSES])));
        }
      },
      teardown: () => m!.dispose(),
    });
  }
  if (peers.brain && brainSamples > 0) cases.push(brainCase(peers.brain, row, h, head(data, brainSamples)));
  return cases;
}
