/**
 * Sequence-model row: a small Transformer character language model against the LSTM character
 * model of examples/char-lstm.ts, on the same text (Moby Dick), each trained for the same wall-clock
 * budget; the row is the validation perplexity each reaches per training second. Evaluation time
 * is not counted as training time. Both read windows of 25 characters, batch 16.
 *
 * Both use the example's modern optimizer (Adam 0.003, gradient norm clipped at 1), so the row
 * compares the architectures. LSTM: the example's CharLSTM at hidden 128 (Embedding 128 → LSTM 128
 * → Linear, truncated BPTT with the state carried). Transformer: Embedding 64 + learned positions
 * → 2 causal pre-norm encoder layers (4 heads, feed-forward 256, no dropout) → Linear; each window
 * is its own context (no state carried), so its first characters see less history than the LSTM's.
 */
import { CharLSTM, CharVocab, windows } from '../examples/char-lstm.js';
import { Tensor, crossEntropy, nn, noGrad, optim, tidy } from '../ts/index.js';

const BATCH = 16, BPTT = 25;

/** Embedding + learned positions → causal encoder layers → Linear; ids [B·T] batch-major → logits [B·T, V]. */
class CharTransformer extends nn.Module<[Int32Array, number], Tensor> {
  readonly embed: nn.Embedding;
  readonly pos: nn.LearnedPositionalEncoding;
  readonly layers: nn.ModuleList;
  readonly norm: nn.LayerNorm;
  readonly decoder: nn.Linear;
  constructor(readonly vocab: number, readonly d: number, nLayers: number, heads: number, ff: number, seed: number) {
    super();
    this.embed = this.addModule('embed', new nn.Embedding(vocab, d, { seed }));
    this.pos = this.addModule('pos', new nn.LearnedPositionalEncoding(BPTT, d, { seed: seed + 1 }));
    this.layers = this.addModule('layers', new nn.ModuleList(Array.from({ length: nLayers }, (_, i) => new nn.TransformerEncoderLayer(d, heads, { dimFeedforward: ff, dropout: 0, normFirst: true, seed: seed + 2 + i }))));
    this.norm = this.addModule('norm', new nn.LayerNorm(d));
    this.decoder = this.addModule('decoder', new nn.Linear(d, vocab, { seed: seed + 99 }));
  }
  forward(ids: Int32Array, steps: number): Tensor {
    const batch = ids.length / steps;
    let x = this.pos.forward(this.embed.forward(ids).reshape([batch, steps, this.d]));
    for (const layer of this.layers) x = (layer as nn.TransformerEncoderLayer).forward(x, { isCausal: true });
    return this.decoder.forward(this.norm.forward(x).reshape([batch * steps, this.d]));
  }
}

/** Time-major [T, B] windows (what CharLSTM reads) → batch-major [B, T] (what the Transformer reads). */
function batchMajor(a: Int32Array, steps: number): Int32Array {
  const b = a.length / steps, out = new Int32Array(a.length);
  for (let t = 0; t < steps; t++) for (let i = 0; i < b; i++) out[i * steps + t] = a[t * b + i];
  return out;
}

export interface LmPoint {
  seconds: number;
  perplexity: number;
}
export interface LmRow {
  model: string;
  params: number;
  steps: number;
  trainSeconds: number;
  curve: LmPoint[];
  final: number;
}

interface Learner {
  name: string;
  params: number;
  /** One training step on window w; returns nothing (timing only). */
  step(w: number): void;
  /** Mean cross-entropy per character over the validation windows. */
  evalLoss(): number;
  dispose(): void;
}

function lstmLearner(vocab: number, train: ReturnType<typeof windows>, val: ReturnType<typeof windows>, seed: number): Learner {
  const model = new CharLSTM(vocab, 128, 128, 1, seed);
  const params = model.parameters();
  const opt = new optim.Adam(params, { lr: 0.003 });
  let state: nn.LSTMState | undefined;
  return {
    name: 'LSTM h128 (Adam 0.003)',
    params: params.reduce((s, p) => s + p.size, 0),
    step(i) {
      const w = train[i % train.length];
      if (i % train.length === 0) {
        nn.disposeState(state);
        state = undefined;
      }
      const prev = state;
      state = tidy(() => {
        const [logits, s] = model.forward(w.input, w.steps, prev);
        const l = crossEntropy(logits, w.target);
        opt.zeroGrad();
        l.backward();
        optim.clipGradNorm(params, 1);
        opt.step();
        return nn.detachState(s);
      });
      nn.disposeState(prev);
    },
    evalLoss() {
      let st: nn.LSTMState | undefined, sum = 0, n = 0;
      noGrad(() => {
        for (const w of val) {
          const prev = st;
          const [l, s] = tidy(() => {
            const [logits, s2] = model.forward(w.input, w.steps, prev);
            return [crossEntropy(logits, w.target).item(), s2] as const;
          });
          nn.disposeState(prev);
          st = s;
          sum += l * w.input.length;
          n += w.input.length;
        }
      });
      nn.disposeState(st);
      return sum / n;
    },
    dispose() {
      nn.disposeState(state);
      opt.dispose();
      model.dispose();
    },
  };
}

function transformerLearner(vocab: number, train: ReturnType<typeof windows>, val: ReturnType<typeof windows>, seed: number): Learner {
  const model = new CharTransformer(vocab, 64, 2, 4, 256, seed);
  const params = model.parameters();
  const opt = new optim.Adam(params, { lr: 0.003 });
  const bm = (w: (typeof train)[number]) => ({ input: batchMajor(w.input, w.steps), target: batchMajor(w.target, w.steps), steps: w.steps });
  const tr = train.map(bm), va = val.map(bm);
  return {
    name: 'Transformer d64 L2 H4 (Adam 0.003)',
    params: params.reduce((s, p) => s + p.size, 0),
    step(i) {
      const w = tr[i % tr.length];
      tidy(() => {
        const l = crossEntropy(model.forward(w.input, w.steps), w.target);
        opt.zeroGrad();
        l.backward();
        optim.clipGradNorm(params, 1);
        opt.step();
      });
    },
    evalLoss() {
      let sum = 0, n = 0;
      noGrad(() => {
        for (const w of va) {
          sum += tidy(() => crossEntropy(model.forward(w.input, w.steps), w.target).item()) * w.input.length;
          n += w.input.length;
        }
      });
      return sum / n;
    },
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}

/**
 * Trains each model for `seconds` of training time on the first `chars` characters (the last
 * `valChars` of them held out), evaluating `points` times along the way.
 */
export function charLmRows(text: string, o: { seconds: number; chars: number; valChars: number; points: number; seed?: number }): LmRow[] {
  const t = text.slice(0, o.chars);
  const vocab = new CharVocab(t);
  const ids = vocab.encode(t);
  const train = windows(ids.subarray(0, ids.length - o.valChars), BATCH, BPTT).filter((w) => w.steps === BPTT);
  const val = windows(ids.subarray(ids.length - o.valChars), BATCH, BPTT).filter((w) => w.steps === BPTT);
  const rows: LmRow[] = [];
  for (const make of [lstmLearner, transformerLearner]) {
    const m = make(vocab.size, train, val, o.seed ?? 1);
    const curve: LmPoint[] = [];
    let trained = 0, steps = 0;
    for (let p = 1; p <= o.points; p++) {
      const until = (o.seconds * p) / o.points;
      while (trained < until) {
        const t0 = performance.now();
        m.step(steps++);
        trained += (performance.now() - t0) / 1000;
      }
      curve.push({ seconds: trained, perplexity: Math.exp(m.evalLoss()) });
    }
    rows.push({ model: m.name, params: m.params, steps, trainSeconds: trained, curve, final: curve.at(-1)!.perplexity });
    m.dispose();
  }
  return rows;
}

export function formatLmRows(rows: LmRow[]): string {
  const out = ['char LM on Moby Dick (batch 16, 25-character windows): validation perplexity after training seconds'];
  for (const r of rows) {
    out.push(`  ${r.model.padEnd(36)} ${String(r.params).padStart(7)} params  ${String(r.steps).padStart(5)} steps  ${r.curve.map((c) => `${c.seconds.toFixed(1)} s → ${c.perplexity.toFixed(2)}`).join(', ')}`);
  }
  return out.join('\n');
}
