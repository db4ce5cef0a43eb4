/**
 * Sequence-to-sequence encoder–decoder (Sutskever et al. 2014; the book's chapter 12 "translate"
 * project): an embedding and an LSTM or GRU read the source, their final state starts a second
 * recurrent network that writes the target one token at a time through a linear layer.
 *
 * Training uses teacher forcing: the decoder reads the true previous target token, so a whole
 * batch of targets is one fused recurrent call. Decoding is greedy (batched) or beam search.
 * Sequences are time-major id arrays [steps, batch] flattened; the caller pads them (a padding id
 * is an ordinary token: pad sources on the left so the encoder's last step is a real token).
 */
import { noGrad } from '../autograd.js';
import { KnobsError, ShapeError } from '../errors.js';
import { logSoftmax } from '../ops/activations.js';
import { indexSelect } from '../ops/indexing.js';
import { checkConfigKeys, optionalSeed, positiveInt, type JsonObject } from '../nn/config.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { register } from '../nn/registry.js';
import { GRU, LSTM, type LSTMState } from '../nn/rnn.js';
import { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';

export type Seq2SeqCell = 'lstm' | 'gru';
type State = Tensor | LSTMState;

export interface Seq2SeqOptions {
  /** Recurrent cell of encoder and decoder. Default 'lstm'. */
  cell?: Seq2SeqCell;
  embedSize?: number;
  hiddenSize?: number;
  numLayers?: number;
  seed?: number;
}

export interface DecodeOptions {
  /** Id the decoder reads first. */
  bos: number;
  /** Id that ends a sequence (not included in the result). */
  eos: number;
  /** Longest output, in tokens. */
  maxLength: number;
}

const KEYS = ['srcVocab', 'tgtVocab', 'cell', 'embedSize', 'hiddenSize', 'numLayers', 'seed'];

function checkIds(op: string, what: string, ids: ArrayLike<number>, steps: number, vocab: number): number {
  if (!Number.isInteger(steps) || steps <= 0 || ids.length === 0 || ids.length % steps !== 0) {
    throw new ShapeError(`${op}: ${what} has ${ids.length} ids, not a whole number of ${steps} steps`);
  }
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!Number.isInteger(v) || v < 0 || v >= vocab) throw new KnobsError(`${op}: ${what} id ${v} at ${i} is outside the vocabulary [0, ${vocab})`);
  }
  return ids.length / steps;
}

export class Seq2Seq extends Module<[Int32Array, number, Int32Array, number], Tensor> {
  static readonly type = 'Seq2Seq';
  readonly cell: Seq2SeqCell;
  readonly embedSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly seed: number | undefined;
  readonly srcEmbed: Embedding;
  readonly tgtEmbed: Embedding;
  readonly encoder: LSTM | GRU;
  readonly decoder: LSTM | GRU;
  readonly out: Linear;
  constructor(readonly srcVocab: number, readonly tgtVocab: number, opts: Seq2SeqOptions = {}) {
    super();
    for (const [k, v] of [['srcVocab', srcVocab], ['tgtVocab', tgtVocab]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`Seq2Seq: ${k} must be a positive integer, got ${v}`);
    }
    const cell = opts.cell ?? 'lstm';
    if (cell !== 'lstm' && cell !== 'gru') throw new KnobsError(`Seq2Seq: cell must be 'lstm' or 'gru', got ${JSON.stringify(cell)}`);
    this.cell = cell;
    this.embedSize = opts.embedSize ?? 64;
    this.hiddenSize = opts.hiddenSize ?? 128;
    this.numLayers = opts.numLayers ?? 1;
    this.seed = opts.seed;
    const s = opts.seed ?? 0;
    const Rnn = cell === 'lstm' ? LSTM : GRU;
    this.srcEmbed = this.addModule('srcEmbed', new Embedding(srcVocab, this.embedSize, { seed: s }));
    this.tgtEmbed = this.addModule('tgtEmbed', new Embedding(tgtVocab, this.embedSize, { seed: s + 1 }));
    this.encoder = this.addModule('encoder', new Rnn(this.embedSize, this.hiddenSize, { numLayers: this.numLayers, seed: s + 2 }));
    this.decoder = this.addModule('decoder', new Rnn(this.embedSize, this.hiddenSize, { numLayers: this.numLayers, seed: s + 3 }));
    this.out = this.addModule('out', new Linear(this.hiddenSize, tgtVocab, { seed: s + 4 }));
  }

  /** The encoder's final state for src [srcSteps, batch]. */
  encode(src: Int32Array, srcSteps: number): State {
    const b = checkIds('Seq2Seq.encode', 'source', src, srcSteps, this.srcVocab);
    const x = this.srcEmbed.forward(src).reshape([srcSteps, b, this.embedSize]);
    return (this.encoder as LSTM).forward(x)[1];
  }

  private decodeSteps(ids: Int32Array, steps: number, state: State): [Tensor, State] {
    const b = ids.length / steps;
    const x = this.tgtEmbed.forward(ids).reshape([steps, b, this.embedSize]);
    const [y, s] = (this.decoder as LSTM).forward(x, state as LSTMState);
    return [this.out.forward(y.reshape([steps * b, this.hiddenSize])), s];
  }

  /**
   * Teacher forcing: logits [tgtSteps·batch, tgtVocab] for the next token at every target step,
   * given src [srcSteps, batch] and the decoder's inputs tgtIn [tgtSteps, batch] (the target
   * shifted right behind a start token).
   */
  forward(src: Int32Array, srcSteps: number, tgtIn: Int32Array, tgtSteps: number): Tensor {
    const b = checkIds('Seq2Seq.forward', 'source', src, srcSteps, this.srcVocab);
    const bt = checkIds('Seq2Seq.forward', 'target', tgtIn, tgtSteps, this.tgtVocab);
    if (b !== bt) throw new ShapeError(`Seq2Seq.forward: source batch ${b} and target batch ${bt} differ`);
    return this.decodeSteps(tgtIn, tgtSteps, this.encode(src, srcSteps))[0];
  }

  /** Most likely token at each step, for every sequence of src [srcSteps, batch] at once. */
  greedy(src: Int32Array, srcSteps: number, opts: DecodeOptions): number[][] {
    this.checkDecode('Seq2Seq.greedy', opts);
    return noGrad(() => tidy(() => {
      const b = checkIds('Seq2Seq.greedy', 'source', src, srcSteps, this.srcVocab);
      let state = this.encode(src, srcSteps);
      const outs: number[][] = Array.from({ length: b }, () => []);
      const done = new Array<boolean>(b).fill(false);
      let prev = new Int32Array(b).fill(opts.bos);
      for (let t = 0; t < opts.maxLength && done.some((d) => !d); t++) {
        const [logits, s] = this.decodeSteps(prev, 1, state);
        state = s;
        const v = logits.data, V = this.tgtVocab;
        prev = new Int32Array(b);
        for (let i = 0; i < b; i++) {
          let best = 0;
          for (let j = 1; j < V; j++) if (v[i * V + j] > v[i * V + best]) best = j;
          prev[i] = best;
          if (done[i]) continue;
          if (best === opts.eos) done[i] = true;
          else outs[i].push(best);
        }
      }
      return outs;
    }));
  }

  /**
   * Beam search for one source sequence src [srcSteps]: keeps the `beamWidth` best partial
   * outputs by total log-probability; a finished hypothesis competes with its score divided by
   * its length (so short outputs are not favoured just for having fewer terms).
   */
  beam(src: Int32Array, opts: DecodeOptions & { beamWidth: number }): number[] {
    this.checkDecode('Seq2Seq.beam', opts);
    const k = opts.beamWidth;
    if (!Number.isInteger(k) || k <= 0) throw new KnobsError(`Seq2Seq.beam: beamWidth must be a positive integer, got ${k}`);
    return noGrad(() => tidy(() => {
      checkIds('Seq2Seq.beam', 'source', src, src.length, this.srcVocab);
      // One source, encoded once and repeated for every live hypothesis.
      const enc = this.encode(src, src.length);
      let beams: { ids: number[]; score: number }[] = [{ ids: [], score: 0 }];
      let state: State = enc;
      let best: { ids: number[]; score: number } | null = null;
      const V = this.tgtVocab;
      for (let t = 0; t < opts.maxLength && beams.length > 0; t++) {
        const prev = Int32Array.from(beams, (h) => (h.ids.length ? h.ids[h.ids.length - 1] : opts.bos));
        const [logits, s] = this.decodeSteps(prev, 1, state);
        const lp = logSoftmax(logits).data;
        const cand: { from: number; tok: number; score: number }[] = [];
        for (let i = 0; i < beams.length; i++) {
          // Only the k best continuations of each beam can reach the global top k.
          const row = Array.from({ length: V }, (_, j) => j).sort((a, c) => lp[i * V + c] - lp[i * V + a]).slice(0, k);
          for (const j of row) cand.push({ from: i, tok: j, score: beams[i].score + lp[i * V + j] });
        }
        cand.sort((a, c) => c.score - a.score);
        const next: typeof beams = [];
        const from: number[] = [];
        for (const c of cand) {
          if (next.length >= k) break;
          const ids = [...beams[c.from].ids, c.tok];
          if (c.tok === opts.eos) {
            const norm = c.score / ids.length;
            if (!best || norm > best.score) best = { ids: ids.slice(0, -1), score: norm };
            continue;
          }
          next.push({ ids, score: c.score });
          from.push(c.from);
        }
        if (next.length === 0) break;
        const idx = Int32Array.from(from);
        state = s instanceof Tensor ? indexSelect(s, 1, idx) : [indexSelect(s[0], 1, idx), indexSelect(s[1], 1, idx)];
        beams = next;
      }
      if (best) return best.ids;
      return beams.length ? beams[0].ids : [];
    }));
  }

  private checkDecode(op: string, o: DecodeOptions): void {
    for (const [k, v, max] of [['bos', o.bos, this.tgtVocab], ['eos', o.eos, this.tgtVocab], ['maxLength', o.maxLength, Infinity]] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= max || (k === 'maxLength' && v === 0)) throw new KnobsError(`${op}: ${k} must be an integer${max < Infinity ? ` in [0, ${max})` : ' ≥ 1'}, got ${v}`);
    }
  }

  override config(): JsonObject {
    const c: JsonObject = { srcVocab: this.srcVocab, tgtVocab: this.tgtVocab, cell: this.cell, embedSize: this.embedSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, KEYS, where);
    positiveInt(c, 'srcVocab', where);
    positiveInt(c, 'tgtVocab', where);
    for (const k of ['embedSize', 'hiddenSize', 'numLayers']) if (c[k] !== undefined) positiveInt(c, k, where);
    if (c.cell !== undefined && c.cell !== 'lstm' && c.cell !== 'gru') throw new KnobsError(`${where}: cell must be 'lstm' or 'gru', got ${JSON.stringify(c.cell)}`);
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): Seq2Seq {
    Seq2Seq.validateConfig(config, 'Seq2Seq.fromConfig');
    return new Seq2Seq(config.srcVocab as number, config.tgtVocab as number, {
      cell: config.cell as Seq2SeqCell | undefined,
      embedSize: config.embedSize as number | undefined,
      hiddenSize: config.hiddenSize as number | undefined,
      numLayers: config.numLayers as number | undefined,
      seed: config.seed as number | undefined,
    });
  }
}

register(Seq2Seq);
