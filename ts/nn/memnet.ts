/**
 * End-to-end memory network (Sukhbaatar et al., 2015, "MemN2N") for bAbI-style question answering:
 * the story's sentences are written into memory as bags of word embeddings, the question's
 * embedding u reads them by attention (p = softmax(u·mᵢ), o = Σ pᵢcᵢ, u ← u + o) over 1–3 hops,
 * and the answer is a word: logits = u·Wᵀ over the vocabulary.
 *
 * Input (one tensor, so fit/predict/workers take it as x): [batch, (memorySize + 1)·sentenceLength]
 * word ids as floats — memorySize sentences of sentenceLength ids, most recent sentence first, then
 * the question's sentenceLength ids; 0 is the nil (padding) word. `encodeBabi` builds it.
 *
 * The paper's choices, each a constructor option: position encoding (words weighted by
 * l_kj = (1 − j/J) − (k/d)(1 − 2j/J) so word order counts), temporal encoding (a learned vector
 * per memory slot, i.e. per "how long ago"), adjacent weight tying (Cᵏ = Aᵏ⁺¹, B = A¹,
 * W = Cᴷ: hops + 1 embedding tables) and linear start (no softmax in the hops until switched off).
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { relu, softmax } from '../ops/activations.js';
import { cat } from '../ops/join.js';
import { add, mul } from '../ops/elementwise.js';
import { embedding } from '../ops/indexing.js';
import { narrow, transpose } from '../ops/layout.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { squeeze, unsqueeze, view } from '../ops/shape.js';
import { clamp } from '../ops/unary.js';
import { where } from '../ops/where.js';
import { Rng } from '../random.js';
import { Tensor, randn, tensor, zeros } from '../tensor.js';
import { checkConfigKeys, optionalBool, optionalSeed, positiveInt, type JsonObject, type JsonValue } from './config.js';
import { Module } from './module.js';
import { register } from './registry.js';
import type { Callback, Logs } from '../train/callbacks.js';

export interface MemN2NOptions {
  vocabSize: number;
  /** Longest sentence (and question), in words; shorter ones are padded with the nil word 0. */
  sentenceLength: number;
  /** Sentences kept in memory (the most recent ones). Default 50 (the paper's). */
  memorySize?: number;
  /** Embedding width d. Default 20 (the paper's bAbI setting). */
  embedDim?: number;
  /** 1 to 3 in the paper (any positive number works). Default 3. */
  hops?: number;
  /** Default true. */
  positionEncoding?: boolean;
  /** Default true. */
  temporalEncoding?: boolean;
  /** Start with the hops' softmax removed (see `linearStart`). Default false. */
  linearStart?: boolean;
  /**
   * The paper's random noise: while training, each memory slot's time index is pushed back by an
   * empty slot with this probability (0.1 in the paper), so temporal encodings do not overfit. Default 0.
   */
  randomNoise?: number;
  /**
   * Whether memory slots without a sentence stay in the softmax, as in the paper's implementation
   * (a fixed memory of memorySize slots, the empty ones nil sentences that keep their temporal
   * encoding). Default true. They give the attention somewhere to go when no sentence matches the
   * question — what a yes/no question needs: "no sentence puts Mary in the office" is attention on
   * the empty slots. With false, empty slots are masked out of the softmax and weigh 0.
   */
  attendEmptySlots?: boolean;
  /**
   * How the embeddings are shared across hops (the paper's two schemes). 'adjacent' (default): the
   * question embedding is A¹, hop k reads keys with Aᵏ and values with Aᵏ⁺¹, answers come from
   * Aᴷ⁺¹ (hops + 1 tables A1…). 'layerwise' (RNN-like): every hop reads keys with A and values with
   * C, the question has its own B and the answer its own W, and u ← H·u + o between hops (tables
   * A, C, B, W, temporal TA, TC, and the [d, d] map H). With B apart from A, a question word need
   * not match the same word in memory — what lets "Is John in the kitchen?" look for John's latest
   * sentence rather than any sentence about the kitchen.
   */
  weightTying?: 'adjacent' | 'layerwise';
  /** 'relu' applies ReLU to u after every hop (the paper's nonlinearity, there on half the units for 10k joint training). Default 'none'. */
  nonlinearity?: 'none' | 'relu';
  seed?: number;
}

// A finite fill for empty memory slots, so a story shorter than the memory keeps finite gradients.
const EMPTY = -1e30;

/** The paper's position-encoding weights [J, d]. */
function positionWeights(J: number, d: number, on: boolean): Tensor {
  const w = new Float32Array(J * d);
  for (let j = 1; j <= J; j++) {
    for (let k = 1; k <= d; k++) w[(j - 1) * d + k - 1] = on ? 1 - j / J - (k / d) * (1 - (2 * j) / J) : 1;
  }
  return tensor(w, [J, d]);
}

export class MemN2N extends Module {
  static readonly type = 'MemN2N';
  readonly vocabSize: number;
  readonly sentenceLength: number;
  readonly memorySize: number;
  readonly embedDim: number;
  readonly hops: number;
  readonly positionEncoding: boolean;
  readonly temporalEncoding: boolean;
  readonly attendEmptySlots: boolean;
  readonly weightTying: 'adjacent' | 'layerwise';
  readonly nonlinearity: 'none' | 'relu';
  /** 'layerwise' tying's map between hops [d, d] (u ← u·H + o), else null. */
  readonly H: Tensor | null = null;
  /**
   * While true the hops use the raw scores u·mᵢ instead of their softmax (the paper's linear start:
   * it avoids early local minima). Switch it off when the validation loss stops falling.
   */
  linearStart: boolean;
  /** A¹ … Aᴷ⁺¹ (adjacent tying: B = A¹, Cᵏ = Aᵏ⁺¹, W = Aᴷ⁺¹), or A, C, B, W (layerwise). */
  readonly embeddings: Tensor[] = [];
  /** Temporal encodings [memorySize, d] of the memory tables: T¹ … Tᴷ⁺¹, or TA, TC (layerwise). */
  readonly temporal: Tensor[] = [];
  /** Attention over memory of each hop ([batch, memorySize] each) from the last forward in eval(), for inspection. */
  lastAttention: Float32Array[] = [];
  readonly randomNoise: number;
  /** The random-noise stream; its position is extra state (saved, so training resumes identically). */
  readonly rng: Rng;
  private readonly pe: Tensor;
  private readonly seed: number | undefined;

  constructor(opts: MemN2NOptions) {
    super();
    const o = opts ?? ({} as MemN2NOptions);
    this.vocabSize = o.vocabSize;
    this.sentenceLength = o.sentenceLength;
    this.memorySize = o.memorySize ?? 50;
    this.embedDim = o.embedDim ?? 20;
    this.hops = o.hops ?? 3;
    for (const [n, v] of [['vocabSize', this.vocabSize], ['sentenceLength', this.sentenceLength], ['memorySize', this.memorySize], ['embedDim', this.embedDim], ['hops', this.hops]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`MemN2N: ${n} must be a positive integer, got ${v}`);
    }
    this.positionEncoding = o.positionEncoding ?? true;
    this.temporalEncoding = o.temporalEncoding ?? true;
    this.linearStart = o.linearStart ?? false;
    this.attendEmptySlots = o.attendEmptySlots ?? true;
    this.seed = o.seed;
    this.randomNoise = o.randomNoise ?? 0;
    if (!(this.randomNoise >= 0 && this.randomNoise < 1)) throw new KnobsError(`MemN2N: randomNoise must be in [0, 1), got ${o.randomNoise}`);
    this.rng = new Rng((o.seed ?? 0) + 0x6d656d);
    const rng = o.seed === undefined ? null : new Rng(o.seed);
    const s = () => (rng ? rng.nextU32() : undefined);
    this.weightTying = o.weightTying ?? 'adjacent';
    this.nonlinearity = o.nonlinearity ?? 'none';
    if (this.weightTying !== 'adjacent' && this.weightTying !== 'layerwise') throw new KnobsError(`MemN2N: weightTying must be 'adjacent' or 'layerwise', got ${JSON.stringify(o.weightTying)}`);
    if (this.nonlinearity !== 'none' && this.nonlinearity !== 'relu') throw new KnobsError(`MemN2N: nonlinearity must be 'none' or 'relu', got ${JSON.stringify(o.nonlinearity)}`);
    const layerwise = this.weightTying === 'layerwise';
    // N(0, 0.1²), the paper's initialisation.
    const names = layerwise ? ['A', 'C', 'B', 'W'] : Array.from({ length: this.hops + 1 }, (_, i) => `A${i + 1}`);
    for (const n of names) this.embeddings.push(this.addParameter(n, randn([this.vocabSize, this.embedDim], { std: 0.1, seed: s() })));
    if (this.temporalEncoding) {
      const tNames = layerwise ? ['TA', 'TC'] : Array.from({ length: this.hops + 1 }, (_, i) => `T${i + 1}`);
      for (const n of tNames) this.temporal.push(this.addParameter(n, randn([this.memorySize, this.embedDim], { std: 0.1, seed: s() })));
    }
    // H starts as the identity, so at first u ← u + o as with adjacent tying (a small random H
    // washes the question out of u after one hop).
    const eye = (d: number) => tensor(Float32Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)), [d, d]);
    if (layerwise) this.H = this.addParameter('H', eye(this.embedDim));
    this.pe = this.addBuffer('positionWeights', positionWeights(this.sentenceLength, this.embedDim, this.positionEncoding));
  }

  /**
   * Bag of position-weighted word embeddings: ids [..., J] → [..., d]; nil words (0) add nothing.
   * `notNil` [vocabSize, 1] zeroes the nil row of the (small) table before the gather, rather than
   * masking the (large) gathered [..., J, d] tensor.
   */
  private encode(table: Tensor, ids: Tensor, notNil: Tensor): Tensor {
    return sum(mul(embedding(mul(table, notNil), ids), this.pe), { axis: -2 });
  }

  /** x [batch, (memorySize + 1)·sentenceLength] word ids → answer logits [batch, vocabSize]. */
  forward(x: Tensor): Tensor {
    const M = this.memorySize, J = this.sentenceLength;
    if (!(x instanceof Tensor) || x.rank !== 2 || x.shape[1] !== (M + 1) * J) {
      throw new ShapeError(`MemN2N: input ${x instanceof Tensor ? fmtShape(x.shape) : typeof x} must be [batch, (memorySize + 1)·sentenceLength] = [batch, ${(M + 1) * J}] (see encodeBabi)`);
    }
    const B = x.shape[0];
    const story = view(narrow(x, 1, 0, M * J), [B, M, J]);
    const question = narrow(x, 1, M * J, J);
    // A slot holds a sentence when its first word is not nil.
    const filled = clamp(squeeze(narrow(story, 2, 0, 1), 2), 0, 1);
    const times = this.training && this.temporalEncoding && this.randomNoise > 0 ? this.noisyTimes(B) : null;
    // Slots past the batch's longest story hold only nil words, whose encoding is exactly 0: encode
    // the filled prefix and pad with zeros (tasks 1 and 6 fill ≤ 10 of the 50 slots, so this is
    // most of the gathers and their backward).
    const used = this.filledPrefix(x);
    const pad = used < M ? zeros([B, M - used, this.embedDim]) : null;
    const notNil = tensor(Float32Array.from({ length: this.vocabSize }, (_, i) => (i === 0 ? 0 : 1)), [this.vocabSize, 1]);
    // Memory i: the story through embeddings[i] (+ temporal[i]); adjacent tying reads tables 0…K,
    // layerwise only A (0) and C (1).
    const layerwise = this.weightTying === 'layerwise';
    const memories = (layerwise ? this.embeddings.slice(0, 2) : this.embeddings).map((table, i) => {
      const enc = this.encode(table, used < M ? narrow(story, 1, 0, used) : story, notNil);
      const m = pad ? cat([enc, pad], 1) : enc;
      const timed = this.temporalEncoding ? add(m, times ? embedding(this.temporal[i], times) : this.temporal[i]) : m;
      return this.attendEmptySlots ? timed : mul(timed, unsqueeze(filled, -1));
    });
    let u = this.encode(this.embeddings[layerwise ? 2 : 0], question, notNil);
    this.lastAttention = [];
    for (let k = 0; k < this.hops; k++) {
      const [keys, values] = layerwise ? memories : [memories[k], memories[k + 1]];
      const scores = squeeze(matmul(keys, unsqueeze(u, -1)), -1);
      const p = this.attendEmptySlots ? (this.linearStart ? scores : softmax(scores)) : this.linearStart ? mul(scores, filled) : softmax(where(filled, scores, EMPTY));
      if (!this.training) this.lastAttention.push(p.toFloat32Array());
      const o = squeeze(matmul(unsqueeze(p, 1), values), 1);
      u = add(this.H ? matmul(u, this.H) : u, o);
      if (this.nonlinearity === 'relu') u = relu(u);
    }
    return matmul(u, transpose(this.embeddings[layerwise ? 3 : this.hops]));
  }

  /** How many leading slots hold a sentence in some row of x (at least 1); slots are filled newest first. */
  private filledPrefix(x: Tensor): number {
    const M = this.memorySize, J = this.sentenceLength, row = (M + 1) * J;
    const ids = x.toFloat32Array();
    let used = 1;
    for (let b = 0; b < x.shape[0] && used < M; b++) {
      // The last slot of this row with a word in it, looking only past the prefix found so far.
      scan: for (let m = M - 1; m >= used; m--) {
        for (let i = b * row + m * J, end = i + J; i < end; i++) {
          if (ids[i] !== 0) {
            used = m + 1;
            break scan;
          }
        }
      }
    }
    return used;
  }

  /** Time index of each slot [batch, memorySize] with random empty slots inserted (capped at the last index). */
  private noisyTimes(B: number): Tensor {
    const M = this.memorySize;
    const t = new Int32Array(B * M);
    for (let b = 0; b < B; b++) {
      let time = 0;
      for (let m = 0; m < M; m++) {
        while (this.rng.next() < this.randomNoise) time++;
        t[b * M + m] = Math.min(time++, M - 1);
      }
    }
    return tensor(Float32Array.from(t), [B, M]);
  }

  override forkRandomStreams(index: number): void {
    this.rng.setState(new Rng((this.seed ?? 0) + 0x6d656d + index * 0x9e3779).getState());
  }
  override getExtraState(): JsonValue {
    return { linearStart: this.linearStart, rng: this.rng.getState() };
  }
  override setExtraState(state: JsonValue): void {
    const st = state as { linearStart?: unknown; rng?: unknown } | null;
    if (typeof st?.linearStart !== 'boolean' || !Array.isArray(st.rng)) throw new KnobsError(`MemN2N.setExtraState: expected { linearStart: boolean, rng: [4 state words] }, got ${JSON.stringify(state)}`);
    this.rng.setState(st.rng as number[]);
    this.linearStart = st.linearStart;
  }
  override config(): JsonObject {
    const c: JsonObject = {
      vocabSize: this.vocabSize,
      sentenceLength: this.sentenceLength,
      memorySize: this.memorySize,
      embedDim: this.embedDim,
      hops: this.hops,
      positionEncoding: this.positionEncoding,
      temporalEncoding: this.temporalEncoding,
      attendEmptySlots: this.attendEmptySlots,
      weightTying: this.weightTying,
      nonlinearity: this.nonlinearity,
      linearStart: this.linearStart,
      randomNoise: this.randomNoise,
    };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = checkConfigKeys(config, ['vocabSize', 'sentenceLength', 'memorySize', 'embedDim', 'hops', 'positionEncoding', 'temporalEncoding', 'attendEmptySlots', 'weightTying', 'nonlinearity', 'linearStart', 'randomNoise', 'seed'], where);
    positiveInt(c, 'vocabSize', where);
    positiveInt(c, 'sentenceLength', where);
    for (const k of ['memorySize', 'embedDim', 'hops']) if (c[k] !== undefined) positiveInt(c, k, where);
    for (const k of ['positionEncoding', 'temporalEncoding', 'attendEmptySlots', 'linearStart']) optionalBool(c, k, where);
    const rn = c.randomNoise;
    if (rn !== undefined && (typeof rn !== 'number' || !(rn >= 0 && rn < 1))) throw new KnobsError(`${where}: randomNoise must be a number in [0, 1), got ${JSON.stringify(rn)}`);
    for (const [k, allowed] of [['weightTying', ['adjacent', 'layerwise']], ['nonlinearity', ['none', 'relu']]] as const) {
      if (c[k] !== undefined && !(allowed as readonly unknown[]).includes(c[k])) throw new KnobsError(`${where}: ${k} must be one of ${allowed.join(', ')}, got ${JSON.stringify(c[k])}`);
    }
    optionalSeed(c, where);
  }
  static fromConfig(config: JsonObject): MemN2N {
    MemN2N.validateConfig(config, 'MemN2N.fromConfig');
    return new MemN2N(config as unknown as MemN2NOptions);
  }
}

register(MemN2N);

/**
 * The paper's linear-start schedule as a fit() callback: trains the model with linearStart on and
 * switches the softmax back in after the epoch where the monitored loss (default val_loss, else
 * loss) stops falling, or after `maxEpochs` epochs at most.
 */
export class LinearStart implements Callback {
  private best = Infinity;
  /** Epoch after which the softmax was reinserted, or null while still linear. */
  switchedAt: number | null = null;
  constructor(readonly model: MemN2N, readonly opts: { monitor?: string; maxEpochs?: number } = {}) {
    if (!(model instanceof MemN2N)) throw new KnobsError('LinearStart: expected a MemN2N model');
  }
  onTrainBegin(): void {
    this.model.linearStart = true;
    this.best = Infinity;
    this.switchedAt = null;
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.model.linearStart) return;
    const v = logs[this.opts.monitor ?? ('val_loss' in logs ? 'val_loss' : 'loss')];
    if (v === undefined || v >= this.best || epoch + 1 >= (this.opts.maxEpochs ?? Infinity)) {
      this.model.linearStart = false;
      this.switchedAt = epoch;
    } else {
      this.best = v;
    }
  }
}
