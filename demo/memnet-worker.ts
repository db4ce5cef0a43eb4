/**
 * The memory-network demo's worker: generates bAbI stories, trains nn.MemN2N with fit(), then
 * answers the page's stories and questions with the trained model. Every model computation of the
 * demo runs here; the page only sends text and draws what comes back.
 */
import { DataLoader, TensorDataset, babiSamples, babiVocab, babiWords, encodeBabi, fit, generateBabi, init, nn, optim, tensor, tidy, type BabiSample, type BabiTask } from '../ts/index.js';

export type ToWorker =
  | { type: 'train'; task: BabiTask; hops: number; epochs: number; seed: number }
  | { type: 'stop' }
  | { type: 'ask'; story: string[]; question: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'epoch'; epoch: number; loss: number; accuracy: number; valAccuracy: number }
  | { type: 'trained'; aborted: boolean; vocab: string[]; answers: string[]; seconds: number }
  | { type: 'answer'; answer: string; confidence: number; hops: number[][] }
  | { type: 'error'; message: string };

const MEMORY = 10, SENTENCE = 8;
let model: nn.MemN2N | null = null;
let vocab: string[] = [];
let answers: string[] = [];
let controller: AbortController | null = null;
const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

async function train(task: BabiTask, hops: number, epochs: number, seed: number): Promise<void> {
  const samples = (n: number, s: number): BabiSample[] => babiSamples(generateBabi(task, { stories: Math.ceil(n / 5), seed: s })).slice(0, n);
  const data = samples(1000, seed);
  vocab = babiVocab(data, samples(1000, seed + 1));
  answers = [...new Set(data.map((s) => s.answer.toLowerCase()))].sort();
  const enc = encodeBabi(data, { vocab, memorySize: MEMORY, sentenceLength: SENTENCE });
  model?.dispose();
  model = new nn.MemN2N({ vocabSize: vocab.length, sentenceLength: SENTENCE, memorySize: MEMORY, hops, randomNoise: 0.1, seed });
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const loader = new DataLoader(new TensorDataset({ data: enc.x, shape: [enc.n, enc.rowLength] }, { data: enc.y, shape: [enc.n] }), { batchSize: 32, shuffle: true, seed });
  controller = new AbortController();
  const t0 = performance.now();
  const history = await fit(model, loader, {
    epochs,
    optimizer,
    validation: { split: 0.1 },
    metrics: ['accuracy'],
    verbose: false,
    signal: controller.signal,
    callbacks: [
      new nn.LinearStart(model, { maxEpochs: Math.max(1, Math.floor(epochs / 4)) }),
      { onEpochEnd: (epoch, logs) => post({ type: 'epoch', epoch: epoch + 1, loss: logs.loss, accuracy: logs.accuracy ?? NaN, valAccuracy: logs.val_accuracy ?? NaN }) },
    ],
  });
  optimizer.dispose();
  model.linearStart = false;
  model.eval();
  post({ type: 'trained', aborted: history.stopped === 'aborted', vocab, answers, seconds: (performance.now() - t0) / 1000 });
}

function ask(story: string[], question: string): void {
  if (!model) throw new Error('train the network first');
  const known = new Set(vocab);
  const unknown = [...new Set([...story, question].flatMap(babiWords).filter((w) => !known.has(w)))];
  if (unknown.length) throw new Error(`unknown word(s): ${unknown.join(', ')} — the network knows ${vocab.slice(1).join(' ')}`);
  if (story.length === 0) throw new Error('the story has no sentence');
  for (const s of [...story, question]) if (babiWords(s).length > SENTENCE) throw new Error(`"${s}" has more than ${SENTENCE} words`);
  // encodeBabi wants an answer word; any known one (the label is not used).
  const enc = encodeBabi([{ context: story, question, answer: answers[0], supporting: [] }], { vocab, memorySize: MEMORY, sentenceLength: SENTENCE });
  const m = model;
  const logits = tidy(() => m.forward(tensor(enc.x, [1, enc.rowLength])).toFloat32Array());
  // Only answer words compete (the output layer scores every word of the vocabulary).
  const ids = answers.map((a) => vocab.indexOf(a));
  const mx = Math.max(...ids.map((i) => logits[i]));
  const z = ids.reduce((s, i) => s + Math.exp(logits[i] - mx), 0);
  const best = ids.reduce((b, i) => (logits[i] > logits[b] ? i : b), ids[0]);
  // Slot k holds the k-th most recent sentence: weights back in story order.
  const kept = Math.min(story.length, MEMORY);
  const hops = m.lastAttention.map((p) => story.map((_, i) => (i >= story.length - kept ? p[story.length - 1 - i] : 0)));
  post({ type: 'answer', answer: vocab[best], confidence: Math.exp(logits[best] - mx) / z, hops });
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  try {
    if (msg.type === 'stop') controller?.abort();
    else if (msg.type === 'train') await train(msg.task, msg.hops, msg.epochs, msg.seed);
    else if (msg.type === 'ask') ask(msg.story, msg.question);
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
};

await init();
post({ type: 'ready' });
