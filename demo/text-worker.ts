/**
 * The text page's worker: trains a character LSTM (Embedding → LSTM → Linear, truncated BPTT,
 * Adam, gradient norm clipped) on Moby Dick and posts a sample every `sampleEvery` windows, at
 * the temperature the page last sent. All model work happens here; the page only draws.
 *
 * Imports the library's modules, not its index: the index names the training worker's script
 * in `new Worker(new URL(...))`, which a bundler would then try to nest inside this worker.
 */
import '../ts/autograd.js';
import '../ts/ops/index.js';
import { init } from '../ts/backend/wasm.js';
import { crossEntropy, softmax } from '../ts/ops/index.js';
import * as nn from '../ts/nn/index.js';
import * as optim from '../ts/optim/index.js';
import { noGrad } from '../ts/autograd.js';
import { Rng } from '../ts/random.js';
import { tidy } from '../ts/scope.js';
import type { Tensor } from '../ts/tensor.js';
import type { FromPage, ToPage } from './text-protocol.js';

const post = (m: ToPage) => (self as unknown as Worker).postMessage(m);
let temperature = 0.8;
let running = false;

self.onmessage = (e: MessageEvent<FromPage>) => {
  const m = e.data;
  if (m.type === 'temperature') temperature = m.value;
  else if (m.type === 'stop') running = false;
  else if (m.type === 'start') {
    temperature = m.temperature;
    running = true;
    train(m).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
  }
};

class Model {
  readonly embed: nn.Embedding;
  readonly lstm: nn.LSTM;
  readonly out: nn.Linear;
  constructor(readonly vocab: number, readonly hidden: number, seed: number) {
    this.embed = new nn.Embedding(vocab, 32, { seed });
    this.lstm = new nn.LSTM(32, hidden, { seed: seed + 1 });
    this.out = new nn.Linear(hidden, vocab, { seed: seed + 2 });
  }
  parameters(): Tensor[] {
    return [...this.embed.parameters(), ...this.lstm.parameters(), ...this.out.parameters()];
  }
  forward(ids: Int32Array, steps: number, state?: nn.LSTMState): [Tensor, nn.LSTMState] {
    const b = ids.length / steps;
    const [y, s] = this.lstm.forward(this.embed.forward(ids).reshape([steps, b, 32]), state);
    return [this.out.forward(y.reshape([steps * b, this.hidden])), s];
  }
}

/** `length` characters after `prime`, drawn from softmax(logits / temperature) with a seeded stream. */
function sample(model: Model, chars: string[], ids: Map<string, number>, prime: string, length: number, temp: number, seed: number): string {
  const rng = new Rng(seed);
  let state: nn.LSTMState | undefined;
  let out = '';
  noGrad(() => {
    let input = Int32Array.from(prime, (c) => ids.get(c) ?? 0);
    for (let i = 0; i < length; i++) {
      const prev = state;
      const [p, next] = tidy(() => {
        const [logits, s] = model.forward(input, input.length, prev);
        const last = logits.narrow(0, input.length - 1, 1);
        return [softmax(last.mul(1 / temp)).toFloat32Array(), nn.detachState(s)] as const;
      });
      nn.disposeState(prev);
      state = next;
      let u = rng.next(), k = 0;
      while (k < p.length - 1 && u >= p[k]) u -= p[k++];
      out += chars[k];
      input = Int32Array.of(k);
    }
  });
  nn.disposeState(state);
  return out;
}

async function train(o: Extract<FromPage, { type: 'start' }>): Promise<void> {
  await init();
  const res = await fetch(o.textUrl);
  if (!res.ok) throw new Error(`${o.textUrl}: HTTP ${res.status} — ${(await res.text()).trim()}`);
  const text = (await res.text()).slice(0, o.chars);
  const chars = [...new Set(text)].sort();
  const ids = new Map(chars.map((c, i) => [c, i]));
  const data = Int32Array.from(text, (c) => ids.get(c)!);
  const model = new Model(chars.length, o.hidden, o.seed);
  const params = model.parameters();
  const opt = new optim.Adam(params, { lr: 0.003 });
  const B = 16, T = 25, len = Math.floor((data.length - 1) / B);
  post({ type: 'ready', chars: text.length, vocab: chars.length });
  let state: nn.LSTMState | undefined;
  let step = 0, lossSum = 0, lossN = 0;
  for (let epoch = 1; running; epoch++) {
    for (let t0 = 0; t0 + T <= len && running; t0 += T) {
      const input = new Int32Array(T * B), target = new Int32Array(T * B);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
        input[t * B + b] = data[b * len + t0 + t];
        target[t * B + b] = data[b * len + t0 + t + 1];
      }
      const prev = state;
      const [loss, next] = tidy(() => {
        const [logits, s] = model.forward(input, T, prev);
        const l = crossEntropy(logits, target);
        opt.zeroGrad();
        l.backward();
        optim.clipGradNorm(params, 1);
        opt.step();
        return [l.item(), nn.detachState(s)] as const;
      });
      nn.disposeState(prev);
      state = next;
      step++;
      lossSum += loss;
      lossN++;
      if (step % o.sampleEvery === 0) {
        post({ type: 'progress', step, epoch, perplexity: Math.exp(lossSum / lossN) });
        lossSum = lossN = 0;
        const temp = temperature;
        post({ type: 'sample', step, temperature: temp, text: sample(model, chars, ids, 'The ', o.sampleLength, temp, o.seed + step) });
      }
      // Lets the page's messages (temperature, stop) in between windows.
      await new Promise((r) => setTimeout(r, 0));
    }
    nn.disposeState(state);
    state = undefined;
  }
  nn.disposeState(state);
  opt.dispose();
  for (const p of params) p.dispose();
  post({ type: 'stopped', step });
}
