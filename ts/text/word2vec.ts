/**
 * Word2Vec: skip-gram and CBOW with negative sampling, with gensim's parameters and their
 * meanings (camelCase). The corpus, the keep thresholds of subsampling, the cumulative negative
 * table and both weight matrices live in wasm memory for the whole of `train`; each call to the
 * kernel (kernels/word2vec.rs, `word2vec_train`) trains about 10,000 words at one learning rate,
 * as a gensim job does, so the rate decays linearly from `alpha` to `minAlpha` over all epochs.
 * With `workers: 1` (the default): one thread, one RNG stream from `seed`, so the same seed and
 * corpus give the same vectors. With `workers` > 1 the batches become jobs that the threads of
 * the pool (`init({ threads })`) take in turn, Hogwild-style (`word2vec_train_hogwild`): each job
 * has its own RNG stream drawn from `seed` and its own learning rate from its place in the
 * corpus, and the threads update the shared vectors without locks, so a run is not
 * bit-reproducible (like gensim with several workers) — only its quality is.
 */
import { allocF32, freeF32, getNumThreads, heap, K } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import { Rng } from '../random.js';
import { KeyedVectors } from './keyed-vectors.js';
import { Vocab } from './vocab.js';

export interface Word2VecOptions {
  /** Dimensions of a word vector (default 100). */
  vectorSize?: number;
  /** Largest distance between a centre and a context word; each word uses a random 1..window (default 5). */
  window?: number;
  /** Words seen fewer times are ignored (default 5). */
  minCount?: number;
  /** Noise words drawn per positive pair (default 5; at least 1: there is no hierarchical softmax). */
  negative?: number;
  /** The exponent of the unigram counts that negatives are drawn from (default 0.75). */
  nsExponent?: number;
  /** Subsampling threshold: frequent words are dropped with gensim's probability (default 1e-3; 0: off). */
  sample?: number;
  /** Initial learning rate (default 0.025). */
  alpha?: number;
  /** Learning rate at the end of the last epoch (default 0.0001). */
  minAlpha?: number;
  /** Passes over the corpus (default 5). */
  epochs?: number;
  /** 1 or true: skip-gram; 0 or false: CBOW (default 0, as gensim). `mode` says the same in words. */
  sg?: 0 | 1 | boolean;
  mode?: 'skipgram' | 'cbow';
  /** CBOW: average the context vectors (default true) instead of summing them. */
  cbowMean?: boolean;
  /** Seeds the initial vectors and every random draw of training (default 1, as gensim). */
  seed?: number;
  /**
   * Threads to train on (default 1): more than 1 runs Hogwild on the pool that `init({ threads })`
   * started, on at most getNumThreads() threads; the vectors then vary a little from run to run.
   */
  workers?: number;
}

interface Params {
  vectorSize: number; window: number; minCount: number; negative: number; nsExponent: number; sample: number;
  alpha: number; minAlpha: number; epochs: number; sg: boolean; cbowMean: boolean; seed: number; workers: number;
}

export interface TrainStats {
  /** Corpus words per epoch (vocabulary words, before subsampling) and in all epochs after subsampling. */
  words: number;
  effectiveWords: number;
  seconds: number;
  /** words × epochs / seconds: the rate gensim's reference script reports too. */
  wordsPerSec: number;
  /** Threads the training could run on (workers, capped by getNumThreads()). */
  threads: number;
  /**
   * Words (after subsampling) each of those threads trained: threads take jobs as they come, so
   * a thread the OS did not run gets few or none.
   */
  wordsPerThread: number[];
}

/** Raw words per kernel call: gensim's batch_words, so the learning rate steps as gensim's does. */
const BATCH_WORDS = 10_000;
/** u32s per job of word2vec_train_hogwild: first and end sentence, rate (f32), RNG low and high words. */
const JOB_WORDS = 5;
/** gensim's cum_table domain. */
const DOMAIN = 2 ** 31 - 1;

function resolve(o: Word2VecOptions): Params {
  const op = 'Word2Vec';
  if (typeof o !== 'object' || o === null) throw new KnobsError(`${op}: options must be an object`);
  const int = (name: keyof Word2VecOptions, def: number, min: number): number => {
    const v = o[name] ?? def;
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > 2 ** 31 - 1) throw new KnobsError(`${op}: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const num = (name: keyof Word2VecOptions, def: number, ok: (x: number) => boolean, what: string): number => {
    const v = o[name] ?? def;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new KnobsError(`${op}: ${name} must be ${what}, got ${JSON.stringify(v)}`);
    return v;
  };
  if (o.sg !== undefined && o.mode !== undefined) throw new KnobsError(`${op}: give sg or mode, not both`);
  if (o.mode !== undefined && o.mode !== 'skipgram' && o.mode !== 'cbow') throw new KnobsError(`${op}: mode must be 'skipgram' or 'cbow', got ${JSON.stringify(o.mode)}`);
  if (o.sg !== undefined && ![0, 1, true, false].includes(o.sg)) throw new KnobsError(`${op}: sg must be 0, 1, true or false, got ${JSON.stringify(o.sg)}`);
  if (o.cbowMean !== undefined && typeof o.cbowMean !== 'boolean') throw new KnobsError(`${op}: cbowMean must be true or false, got ${JSON.stringify(o.cbowMean)}`);
  const p: Params = {
    vectorSize: int('vectorSize', 100, 1),
    window: int('window', 5, 1),
    minCount: int('minCount', 5, 1),
    negative: int('negative', 5, 1),
    nsExponent: num('nsExponent', 0.75, (x) => x >= 0, 'a number ≥ 0'),
    sample: num('sample', 1e-3, (x) => x >= 0 && x < 1, 'in [0, 1)'),
    alpha: num('alpha', 0.025, (x) => x > 0, 'a number > 0'),
    minAlpha: num('minAlpha', 0.0001, (x) => x >= 0, 'a number ≥ 0'),
    epochs: int('epochs', 5, 1),
    sg: o.mode !== undefined ? o.mode === 'skipgram' : Boolean(o.sg ?? 0),
    cbowMean: o.cbowMean ?? true,
    seed: num('seed', 1, (x) => Number.isInteger(x), 'an integer'),
    workers: int('workers', 1, 1),
  };
  if (p.minAlpha > p.alpha) throw new KnobsError(`${op}: minAlpha (${p.minAlpha}) must not exceed alpha (${p.alpha})`);
  return p;
}

function checkSentences(op: string, sentences: readonly (readonly string[])[]): void {
  if (!Array.isArray(sentences)) throw new KnobsError(`${op}: sentences must be an array of token arrays`);
  sentences.forEach((s, i) => {
    if (!Array.isArray(s)) throw new KnobsError(`${op}: sentence ${i} must be an array of strings, got ${typeof s}`);
  });
}

export class Word2Vec {
  readonly params: Readonly<Params>;
  /** The trained words (most frequent first) with their counts; null before buildVocab. */
  vocab: Vocab | null = null;
  /** The word vectors (syn0): what the queries use; null before training. */
  wv: KeyedVectors | null = null;
  /** The figures of the last `train`. */
  lastTrain: TrainStats | null = null;

  constructor(opts: Word2VecOptions = {}) {
    this.params = resolve(opts);
  }

  /** Counts words and keeps those seen at least minCount times (gensim's build_vocab). */
  buildVocab(sentences: readonly (readonly string[])[]): this {
    checkSentences('Word2Vec.buildVocab', sentences);
    const vocab = Vocab.build(sentences, { minCount: this.params.minCount, specials: [] });
    if (vocab.size === 0) throw new KnobsError(`Word2Vec.buildVocab: no word occurs minCount=${this.params.minCount} times in ${sentences.length} sentences`);
    this.vocab = vocab;
    return this;
  }

  /** buildVocab, then train. */
  fit(sentences: readonly (readonly string[])[]): this {
    return this.buildVocab(sentences).train(sentences);
  }

  /**
   * Trains from freshly initialised vectors: uniform in ±1/vectorSize (input), zeros (output),
   * as gensim 4 (word2vec.c and gensim 3 used ±0.5/vectorSize). Words not in the vocabulary are skipped, as gensim does.
   */
  train(sentences: readonly (readonly string[])[]): this {
    const op = 'Word2Vec.train';
    checkSentences(op, sentences);
    const vocab = this.vocab;
    if (!vocab) throw new KnobsError(`${op}: call buildVocab(sentences) first (or fit)`);
    const p = this.params, V = vocab.size, d = p.vectorSize;
    // Encode: every sentence's known words, back to back; ends[i] is where sentence i stops.
    let total = 0;
    for (const s of sentences) total += s.length;
    if (total > 2 ** 32 / 4 - 1 || V * d > 2 ** 32 / 8 - 1) throw new KnobsError(`${op}: ${total} words and ${V}×${d} vectors do not fit in wasm memory (4 GB)`);
    const ids = new Uint32Array(total);
    const ends: number[] = [];
    let n = 0;
    for (const s of sentences) {
      const start = n;
      for (const w of s) {
        const i = vocab.id(w);
        if (i !== undefined) ids[n++] = i;
      }
      if (n > start) ends.push(n);
    }
    if (n === 0) throw new KnobsError(`${op}: no word of the ${sentences.length} sentences is in the vocabulary`);
    // Batches: runs of whole sentences of about BATCH_WORDS words.
    const batchEnds: number[] = [];
    for (let i = 0, acc = 0; i < ends.length; i++) {
      if (ends[i] - acc >= BATCH_WORDS || i === ends.length - 1) {
        batchEnds.push(i + 1);
        acc = ends[i];
      }
    }

    const blocks: [number, number][] = [];
    const alloc = (len: number): number => {
      const ptr = allocF32(Math.max(1, len));
      blocks.push([ptr, Math.max(1, len)]);
      return ptr;
    };
    try {
      const hogwild = p.workers > 1;
      const lanes = hogwild ? Math.min(p.workers, getNumThreads()) : 1;
      const pTok = alloc(n), pEnds = alloc(ends.length), pKeep = alloc(V), pCum = alloc(V), pSyn0 = alloc(V * d), pSyn1 = alloc(V * d);
      const pJobs = hogwild ? alloc(JOB_WORDS * batchEnds.length) : 0;
      const h = heap(), u32 = new Uint32Array(h.buffer);
      u32.set(ids.subarray(0, n), pTok >>> 2);
      u32.set(ends, pEnds >>> 2);
      u32.set(keepThresholds(vocab.counts, p.sample), pKeep >>> 2);
      u32.set(cumTable(vocab.counts, p.nsExponent), pCum >>> 2);
      h.fill(0, pSyn1 >>> 2, (pSyn1 >>> 2) + V * d);
      const rng = new Rng(p.seed);
      K().fill_uniform(pSyn0, V * d, rng.nextU32(), rng.nextU32(), -1 / d, 1 / d);
      // The kernel's LCG keeps 48 bits.
      const state = Uint32Array.of(rng.nextU32(), rng.nextU32() & 0xffff);
      const t0 = performance.now();
      let effective = 0;
      const k = K();
      const perThread = new Array<number>(lanes).fill(0);
      for (let epoch = 0; epoch < p.epochs && hogwild; epoch++) {
        // The same jobs as the batches below, each with its rate and a 48-bit RNG state of its own.
        const f32 = heap(), u = new Uint32Array(f32.buffer);
        let first = 0;
        batchEnds.forEach((last, j) => {
          const start = first === 0 ? 0 : ends[first - 1];
          const at = (pJobs >>> 2) + JOB_WORDS * j;
          u[at] = first;
          u[at + 1] = last;
          f32[at + 2] = p.alpha - (p.alpha - p.minAlpha) * ((epoch + start / n) / p.epochs);
          u[at + 3] = rng.nextU32();
          u[at + 4] = rng.nextU32() & 0xffff;
          first = last;
        });
        const laneWords = new Uint32Array(lanes);
        effective += k.word2vec_train_hogwild(pTok, n, pEnds, ends.length, pJobs, batchEnds.length, pKeep, pCum, V, pSyn0, pSyn1, d, p.window, p.negative, p.sg, p.cbowMean, laneWords);
        laneWords.forEach((w, i) => (perThread[i] += w));
      }
      for (let epoch = 0; epoch < p.epochs && !hogwild; epoch++) {
        let first = 0;
        for (const last of batchEnds) {
          const start = first === 0 ? 0 : ends[first - 1];
          const progress = (epoch + start / n) / p.epochs;
          const alpha = p.alpha - (p.alpha - p.minAlpha) * progress;
          effective += k.word2vec_train(pTok, n, start, pEnds + 4 * first, last - first, pKeep, pCum, V, pSyn0, pSyn1, d, p.window, p.negative, p.sg, p.cbowMean, alpha, state);
          first = last;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      this.wv = new KeyedVectors(vocab.words, heap().slice(pSyn0 >>> 2, (pSyn0 >>> 2) + V * d), d, vocab.counts);
      this.lastTrain = { words: n, effectiveWords: effective, seconds, wordsPerSec: (n * p.epochs) / seconds, threads: lanes, wordsPerThread: hogwild ? perThread : [effective] };
    } finally {
      for (const [ptr, len] of blocks) freeF32(ptr, len);
    }
    return this;
  }
}

/**
 * gensim's subsampling: a word seen v times is kept with probability (√(v/t) + 1)·t/v, t = sample ×
 * (all words), at most 1; as a 32-bit threshold the kernel compares with a random draw.
 */
export function keepThresholds(counts: readonly number[], sample: number): Uint32Array {
  let total = 0;
  for (const c of counts) total += c;
  const t = sample > 0 ? sample * total : total;
  return Uint32Array.from(counts, (v) => {
    const prob = v > 0 ? (Math.sqrt(v / t) + 1) * (t / v) : 1;
    return Math.floor(Math.min(1, prob) * (2 ** 32 - 1));
  });
}

/** Cumulative count^exponent over the vocabulary, scaled to gensim's domain 2^31 − 1. */
export function cumTable(counts: readonly number[], exponent: number): Uint32Array {
  let z = 0;
  for (const c of counts) z += c ** exponent;
  let acc = 0;
  return Uint32Array.from(counts, (c) => {
    acc += c ** exponent;
    return Math.round((acc / z) * DOMAIN);
  });
}
