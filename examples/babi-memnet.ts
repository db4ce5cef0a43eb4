/**
 * Chapter 13: an end-to-end memory network (nn.MemN2N) answering bAbI questions. For each task and
 * hop count it trains on 1,000 generated questions (the paper's small setting; 10% held out for the
 * linear-start switch and for choosing among restarts) and prints test accuracy on 1,000 fresh
 * questions. The recipe is the paper's (Sukhbaatar et al. 2015, section 4.2): 50 memory slots,
 * d = 20, SGD at lr 0.01 halved every 25 epochs, 100 epochs, batch 32, the loss summed over the
 * batch, gradient norm clipped at 40, linear start, random noise 0.1.
 *
 * With --joint, one network per hop count learns all the tasks together (runBabiJoint).
 *
 *   npm run example -- babi-memnet [--tasks 1,2,3,6] [--hops 1,2,3] [--epochs 100] [--step 25] [--restarts 1] [--seed 1] [--optimizer sgd|adam] [--joint]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DataLoader, KnobsError, Rng, TensorDataset, babiSamples, babiVocab, babiWords, crossEntropy, encodeBabi, evaluate, fit, type Callback, generateBabi, init, nn, optim, tidy, type BabiSample, type BabiTask, type EncodeBabiOptions, type Tensor } from '../ts/index.js';

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

/** What a run's model reads: its vocabulary and the encodeBabi shape (to encode more questions for it). */
export type BabiShape = EncodeBabiOptions;

/** Trains one memory network; returns its test accuracy (0..1) and the training time. */
export async function runBabi(task: BabiTask, hops: number, opts: BabiRunOptions = {}): Promise<{ testAccuracy: number; valAccuracy: number; seconds: number; model: nn.MemN2N; shape: BabiShape }> {
  const seed = opts.seed ?? 1;
  const train = opts.data?.train ?? questions(task, opts.trainQuestions ?? 1000, seed);
  const test = opts.data?.test ?? questions(task, opts.testQuestions ?? 1000, seed + 1000);
  const { model, seconds, valAccuracy, tasks, shape } = await trainMemN2N([{ train, test }], hops, opts);
  return { testAccuracy: tasks[0].testAccuracy, valAccuracy, seconds, model, shape };
}

export interface BabiTaskScore {
  task: BabiTask;
  /** On the task's share of the held-out 10%. */
  valAccuracy: number;
  testAccuracy: number;
}

/**
 * Joint training, as the paper's best 1k results: one memory network on the questions of every
 * task in `tasks` together (one vocabulary, `trainQuestions` per task, shuffled together), scored
 * per task. Each task keeps its own last 10% for validation, so a recipe can be chosen per task.
 */
export async function runBabiJoint(tasks: readonly BabiTask[], hops: number, opts: Omit<BabiRunOptions, 'data'> = {}): Promise<{ tasks: BabiTaskScore[]; valAccuracy: number; seconds: number; model: nn.MemN2N; shape: BabiShape }> {
  if (tasks.length === 0 || new Set(tasks).size !== tasks.length) throw new KnobsError(`runBabiJoint: tasks must be distinct and at least one, got [${tasks.join(', ')}]`);
  const seed = opts.seed ?? 1;
  const sets = tasks.map((task) => ({ train: questions(task, opts.trainQuestions ?? 1000, seed), test: questions(task, opts.testQuestions ?? 1000, seed + 1000) }));
  const r = await trainMemN2N(sets, hops, opts);
  return { ...r, tasks: r.tasks.map((score, i) => ({ ...score, task: tasks[i] })) };
}

async function trainMemN2N(sets: readonly { train: readonly BabiSample[]; test: readonly BabiSample[] }[], hops: number, opts: BabiRunOptions): Promise<{ tasks: Omit<BabiTaskScore, 'task'>[]; valAccuracy: number; seconds: number; model: nn.MemN2N; shape: BabiShape }> {
  const seed = opts.seed ?? 1;
  const vocab = babiVocab(...sets.flatMap((s) => [s.train, s.test]));
  const sentenceLength = Math.max(...sets.flatMap((s) => [...s.train, ...s.test]).flatMap((s) => [...s.context, s.question].map((t) => babiWords(t).length)));
  const memorySize = opts.memorySize ?? 50;
  const shape = { vocab, memorySize, sentenceLength };
  const loaderOf = (samples: readonly BabiSample[], o: { batchSize: number; shuffle?: boolean }) => {
    const e = encodeBabi(samples, shape);
    return new DataLoader(new TensorDataset({ data: e.x, shape: [e.n, e.rowLength] }, { data: e.y, shape: [e.n] }), { ...o, seed });
  };
  // Each task's last 10% is held out; the rest of the tasks is mixed so no batch is one task's.
  const cuts = sets.map((s) => s.train.length - Math.round(s.train.length * 0.1));
  const head = sets.flatMap((s, i) => s.train.slice(0, cuts[i]));
  if (sets.length > 1) new Rng(seed).shuffle(head);
  const vals = sets.map((s, i) => s.train.slice(cuts[i]));
  const loader = loaderOf(head, { batchSize: opts.batchSize ?? 32, shuffle: true });
  const valLoader = loaderOf(vals.flat(), { batchSize: 256 });
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
    const history = await fit(model, loader, { epochs: opts.epochs ?? 100, optimizer, loss, validation: valLoader, callbacks, verbose: false, metrics: ['accuracy'] });
    const val = history.history.val_accuracy.at(-1)!;
    if (!best || val > best.val) best = { model, val };
  }
  const { model, val: valAccuracy } = best!;
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = (samples: readonly BabiSample[]) => tidy(() => evaluate(model, loaderOf(samples, { batchSize: 256 }), { metrics: ['accuracy'] })).accuracy ?? NaN;
  const tasks = sets.map((s, i) => ({ valAccuracy: sets.length > 1 ? accuracy(vals[i]) : valAccuracy, testAccuracy: accuracy(s.test) }));
  return { tasks, valAccuracy, seconds, model, shape };
}

async function main(): Promise<void> {
  await init();
  const { values } = parseArgs({ options: { tasks: { type: 'string', default: '1,2,3,6' }, hops: { type: 'string', default: '1,2,3' }, epochs: { type: 'string', default: '100' }, step: { type: 'string', default: '25' }, restarts: { type: 'string', default: '1' }, seed: { type: 'string', default: '1' }, optimizer: { type: 'string', default: 'sgd' }, joint: { type: 'boolean', default: false } } });
  const tasks = values.tasks.split(',').map(Number) as BabiTask[];
  const hopList = values.hops.split(',').map(Number);
  const opts: BabiRunOptions = { epochs: Number(values.epochs), stepSize: Number(values.step), restarts: Number(values.restarts), seed: Number(values.seed), optimizer: values.optimizer as 'sgd' | 'adam' };
  const cells = new Map<BabiTask, string[]>(tasks.map((t) => [t, []]));
  if (values.joint) {
    // One model per hop count for all the tasks; each task's cell is that model's accuracy on it.
    for (const hops of hopList) {
      const r = await runBabiJoint(tasks, hops, opts);
      for (const s of r.tasks) cells.get(s.task)!.push(`${(s.testAccuracy * 100).toFixed(1)}% (val ${(s.valAccuracy * 100).toFixed(1)}%)`);
      console.error(`joint ${tasks.join('+')}, ${hops} hop(s), ${r.seconds.toFixed(0)} s: ${r.tasks.map((s) => `task ${s.task} ${(s.testAccuracy * 100).toFixed(1)}%`).join(', ')}`);
    }
  } else {
    for (const task of tasks) {
      for (const hops of hopList) {
        const r = await runBabi(task, hops, opts);
        cells.get(task)!.push(`${(r.testAccuracy * 100).toFixed(1)}% (${r.seconds.toFixed(0)} s)`);
        console.error(`task ${task}, ${hops} hop(s): ${cells.get(task)!.at(-1)}`);
      }
    }
  }
  console.log(`| task | ${hopList.map((h) => `${h} hop${h > 1 ? 's' : ''}`).join(' | ')} |`);
  console.log(`|---|${hopList.map(() => '---').join('|')}|`);
  for (const task of tasks) console.log(`| ${task} | ${cells.get(task)!.join(' | ')} |`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
