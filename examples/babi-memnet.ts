/**
 * Chapter 13: an end-to-end memory network (nn.MemN2N) answering bAbI questions. For each task and
 * hop count it trains on 1,000 generated questions (the paper's small setting; 10% held out for the
 * linear-start switch and for choosing among restarts) and prints test accuracy on 1,000 fresh
 * questions. The recipe is the paper's (Sukhbaatar et al. 2015, section 4.2): 50 memory slots,
 * d = 20, SGD at lr 0.01 halved every 25 epochs, 100 epochs, batch 32, the loss summed over the
 * batch, gradient norm clipped at 40, linear start, random noise 0.1.
 *
 *   npm run example -- babi-memnet [--tasks 1,2,3,6] [--hops 1,2,3] [--epochs 100] [--step 25] [--restarts 1] [--seed 1] [--optimizer sgd|adam]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DataLoader, TensorDataset, babiSamples, babiVocab, babiWords, crossEntropy, encodeBabi, evaluate, fit, type Callback, generateBabi, init, nn, optim, tidy, type BabiSample, type BabiTask, type Tensor } from '../ts/index.js';

/** The paper's SGD: every step clips the gradients' joint norm first (at 40). */
class ClippedSGD extends optim.SGD {
  constructor(params: Iterable<Tensor>, lr: number, readonly maxNorm: number) {
    super(params, { lr });
  }
  override step(): void {
    optim.clipGradNorm(this.params, this.maxNorm);
    super.step();
  }
}

export interface BabiRunOptions {
  trainQuestions?: number;
  testQuestions?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  embedDim?: number;
  seed?: number;
  linearStart?: boolean;
  /**
   * Epochs trained without the hops' softmax first (linear start). A fixed count rather than
   * nn.LinearStart's switch on the loss of the 100 held-out questions, which so small a split makes
   * noisy. Default 20.
   */
  linearStartEpochs?: number;
  /** Halve the learning rate every this many epochs (the paper: every 25 of 100). Default 25. */
  stepSize?: number;
  /** 'sgd' (the paper's: summed loss, clipped at 40; default) or 'adam' (mean loss). */
  optimizer?: 'sgd' | 'adam';
  /** Memory slots (the paper: 50). Empty slots stay in the softmax (MemN2N's attendEmptySlots). Default 50. */
  memorySize?: number;
  /** Seed of the first restart's model (the data and its shuffling keep `seed`), so restarts can run as separate processes. Default seed. */
  modelSeed?: number;
  /** Train this many models (seeds modelSeed, modelSeed+1, …) and keep the best on the validation split (the paper keeps the best of 10). Default 1. */
  restarts?: number;
  /** MemN2N's randomNoise (the paper's RN). Default 0.1. */
  randomNoise?: number;
  /** MemN2N's weightTying ('adjacent', the paper's default, or 'layerwise'). Default 'adjacent'. */
  weightTying?: 'adjacent' | 'layerwise';
  /** MemN2N's nonlinearity. Default 'none'. */
  nonlinearity?: 'none' | 'relu';
  /** More fit() callbacks (e.g. to watch each epoch's logs). */
  callbacks?: Callback[];
  /** Train and test on these samples (e.g. parsed from the original files) instead of generated ones. */
  data?: { train: readonly BabiSample[]; test: readonly BabiSample[] };
}

/** Linear start for the first `epochs` epochs, then the softmax. */
function linearStartFor(model: nn.MemN2N, epochs: number): Callback {
  return {
    onTrainBegin: () => void (model.linearStart = epochs > 0),
    onEpochEnd: (epoch) => void (epoch + 1 >= epochs && (model.linearStart = false)),
  };
}

function questions(task: BabiTask, n: number, seed: number): BabiSample[] {
  // Five questions per story, as in the original files.
  return babiSamples(generateBabi(task, { stories: Math.ceil(n / 5), seed })).slice(0, n);
}

/** Trains one memory network; returns its test accuracy (0..1) and the training time. */
export async function runBabi(task: BabiTask, hops: number, opts: BabiRunOptions = {}): Promise<{ testAccuracy: number; valAccuracy: number; seconds: number; model: nn.MemN2N }> {
  const seed = opts.seed ?? 1;
  const train = opts.data?.train ?? questions(task, opts.trainQuestions ?? 1000, seed);
  const test = opts.data?.test ?? questions(task, opts.testQuestions ?? 1000, seed + 1000);
  const vocab = babiVocab(train, test);
  const all = [...train, ...test];
  const sentenceLength = Math.max(...all.flatMap((s) => [...s.context, s.question].map((t) => babiWords(t).length)));
  const memorySize = opts.memorySize ?? 50;
  const shape = { vocab, memorySize, sentenceLength };
  const tr = encodeBabi(train, shape), te = encodeBabi(test, shape);
  const loader = new DataLoader(new TensorDataset({ data: tr.x, shape: [tr.n, tr.rowLength] }, { data: tr.y, shape: [tr.n] }), { batchSize: opts.batchSize ?? 32, shuffle: true, seed });
  const t0 = performance.now();
  let best: { model: nn.MemN2N; val: number } | null = null;
  for (let r = 0; r < (opts.restarts ?? 1); r++) {
    const model = new nn.MemN2N({ vocabSize: vocab.length, sentenceLength, memorySize, hops, embedDim: opts.embedDim ?? 20, randomNoise: opts.randomNoise ?? 0.1, weightTying: opts.weightTying, nonlinearity: opts.nonlinearity, seed: (opts.modelSeed ?? seed) + r });
    const sgd = (opts.optimizer ?? 'sgd') === 'sgd';
    const optimizer = sgd ? new ClippedSGD(model.parameters(), opts.lr ?? 0.01, 40) : new optim.Adam(model.parameters(), { lr: opts.lr ?? 0.01 });
    const callbacks: Callback[] = [new optim.StepLR(optimizer, { stepSize: opts.stepSize ?? 25, gamma: 0.5 })];
    if (opts.linearStart !== false) callbacks.push(linearStartFor(model, opts.linearStartEpochs ?? 20));
    callbacks.push(...(opts.callbacks ?? []));
    const loss = sgd ? (p: Tensor, y: Tensor) => crossEntropy(p, y, 'sum') : 'crossEntropy';
    const history = await fit(model, loader, { epochs: opts.epochs ?? 100, optimizer, loss, validation: { split: 0.1 }, callbacks, verbose: false, metrics: ['accuracy'] });
    const val = history.history.val_accuracy.at(-1)!;
    if (!best || val > best.val) best = { model, val };
  }
  const { model, val: valAccuracy } = best!;
  const seconds = (performance.now() - t0) / 1000;
  const testLoader = new DataLoader(new TensorDataset({ data: te.x, shape: [te.n, te.rowLength] }, { data: te.y, shape: [te.n] }), { batchSize: 256 });
  const logs = tidy(() => evaluate(model, testLoader, { metrics: ['accuracy'] }));
  return { testAccuracy: logs.accuracy ?? NaN, valAccuracy, seconds, model };
}

async function main(): Promise<void> {
  await init();
  const { values } = parseArgs({ options: { tasks: { type: 'string', default: '1,2,3,6' }, hops: { type: 'string', default: '1,2,3' }, epochs: { type: 'string', default: '100' }, step: { type: 'string', default: '25' }, restarts: { type: 'string', default: '1' }, seed: { type: 'string', default: '1' }, optimizer: { type: 'string', default: 'sgd' } } });
  const tasks = values.tasks.split(',').map(Number) as BabiTask[];
  const hopList = values.hops.split(',').map(Number);
  console.log(`| task | ${hopList.map((h) => `${h} hop${h > 1 ? 's' : ''}`).join(' | ')} |`);
  console.log(`|---|${hopList.map(() => '---').join('|')}|`);
  for (const task of tasks) {
    const cells: string[] = [];
    for (const hops of hopList) {
      const r = await runBabi(task, hops, { epochs: Number(values.epochs), stepSize: Number(values.step), restarts: Number(values.restarts), seed: Number(values.seed), optimizer: values.optimizer as 'sgd' | 'adam' });
      cells.push(`${(r.testAccuracy * 100).toFixed(1)}% (${r.seconds.toFixed(0)} s)`);
      console.error(`task ${task}, ${hops} hop(s): ${cells.at(-1)}`);
    }
    console.log(`| ${task} | ${cells.join(' | ')} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
