/**
 * Chapter 13: an end-to-end memory network (nn.MemN2N) answering bAbI questions. For each task and
 * hop count it trains on 1,000 generated questions (the paper's small setting; 10% held out for the
 * linear-start switch) and prints test accuracy on 1,000 fresh questions.
 *
 *   npm run example -- babi-memnet [--tasks 1,2,3,6] [--hops 1,2,3] [--epochs 80] [--step 20] [--restarts 1] [--seed 1]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DataLoader, TensorDataset, babiSamples, babiVocab, babiWords, encodeBabi, evaluate, fit, type Callback, generateBabi, init, nn, optim, tidy, type BabiSample, type BabiTask } from '../ts/index.js';

export interface BabiRunOptions {
  trainQuestions?: number;
  testQuestions?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  embedDim?: number;
  seed?: number;
  linearStart?: boolean;
  /** Halve the learning rate every this many epochs (the paper: every 25 of 100). Default 20. */
  stepSize?: number;
  /** Train this many models (seeds seed, seed+1, …) and keep the best on the validation split (the paper keeps the best of 10). Default 1. */
  restarts?: number;
  /** MemN2N's randomNoise (the paper's RN). Default 0.1. */
  randomNoise?: number;
  /** Train and test on these samples (e.g. parsed from the original files) instead of generated ones. */
  data?: { train: readonly BabiSample[]; test: readonly BabiSample[] };
}

function questions(task: BabiTask, n: number, seed: number): BabiSample[] {
  // Five questions per story, as in the original files.
  return babiSamples(generateBabi(task, { stories: Math.ceil(n / 5), seed })).slice(0, n);
}

/** Trains one memory network; returns its test accuracy (0..1) and the training time. */
export async function runBabi(task: BabiTask, hops: number, opts: BabiRunOptions = {}): Promise<{ testAccuracy: number; seconds: number; model: nn.MemN2N }> {
  const seed = opts.seed ?? 1;
  const train = opts.data?.train ?? questions(task, opts.trainQuestions ?? 1000, seed);
  const test = opts.data?.test ?? questions(task, opts.testQuestions ?? 1000, seed + 1000);
  const vocab = babiVocab(train, test);
  const all = [...train, ...test];
  const sentenceLength = Math.max(...all.flatMap((s) => [...s.context, s.question].map((t) => babiWords(t).length)));
  const memorySize = Math.min(50, Math.max(...all.map((s) => s.context.length)));
  const shape = { vocab, memorySize, sentenceLength };
  const tr = encodeBabi(train, shape), te = encodeBabi(test, shape);
  const loader = new DataLoader(new TensorDataset({ data: tr.x, shape: [tr.n, tr.rowLength] }, { data: tr.y, shape: [tr.n] }), { batchSize: opts.batchSize ?? 32, shuffle: true, seed });
  const t0 = performance.now();
  let best: { model: nn.MemN2N; val: number } | null = null;
  for (let r = 0; r < (opts.restarts ?? 1); r++) {
    const model = new nn.MemN2N({ vocabSize: vocab.length, sentenceLength, memorySize, hops, embedDim: opts.embedDim ?? 20, randomNoise: opts.randomNoise ?? 0.1, seed: seed + r });
    const optimizer = new optim.Adam(model.parameters(), { lr: opts.lr ?? 0.01 });
    const callbacks: Callback[] = [new optim.StepLR(optimizer, { stepSize: opts.stepSize ?? 20, gamma: 0.5 })];
    if (opts.linearStart !== false) callbacks.push(new nn.LinearStart(model, { maxEpochs: 20 }));
    const history = await fit(model, loader, { epochs: opts.epochs ?? 80, optimizer, validation: { split: 0.1 }, callbacks, verbose: false, metrics: ['accuracy'] });
    const val = history.history.val_accuracy.at(-1)!;
    if (!best || val > best.val) best = { model, val };
  }
  const model = best!.model;
  const seconds = (performance.now() - t0) / 1000;
  const testLoader = new DataLoader(new TensorDataset({ data: te.x, shape: [te.n, te.rowLength] }, { data: te.y, shape: [te.n] }), { batchSize: 256 });
  const logs = tidy(() => evaluate(model, testLoader));
  return { testAccuracy: logs.accuracy ?? NaN, seconds, model };
}

async function main(): Promise<void> {
  await init();
  const { values } = parseArgs({ options: { tasks: { type: 'string', default: '1,2,3,6' }, hops: { type: 'string', default: '1,2,3' }, epochs: { type: 'string', default: '80' }, step: { type: 'string', default: '20' }, restarts: { type: 'string', default: '1' }, seed: { type: 'string', default: '1' } } });
  const tasks = values.tasks.split(',').map(Number) as BabiTask[];
  const hopList = values.hops.split(',').map(Number);
  console.log(`| task | ${hopList.map((h) => `${h} hop${h > 1 ? 's' : ''}`).join(' | ')} |`);
  console.log(`|---|${hopList.map(() => '---').join('|')}|`);
  for (const task of tasks) {
    const cells: string[] = [];
    for (const hops of hopList) {
      const r = await runBabi(task, hops, { epochs: Number(values.epochs), stepSize: Number(values.step), restarts: Number(values.restarts), seed: Number(values.seed) });
      cells.push(`${(r.testAccuracy * 100).toFixed(1)}% (${r.seconds.toFixed(0)} s)`);
    }
    console.log(`| ${task} | ${cells.join(' | ')} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
