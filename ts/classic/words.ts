/**
 * Word clusters by counting: the book's non-parametric unsupervised example. Every word is
 * described by how often each other word appears in the same sentence (its contexts); words used
 * in similar contexts get similar count vectors, and clustering those vectors groups them —
 * puppies and kittens come out with "cute", pizza and burgers with "delicious". The model is the
 * count table itself, so its size (nParameters) grows with the vocabulary.
 */
import { KnobsError } from '../errors.js';
import { checkOptions, StateReader } from './validate.js';
import { registerEstimator, type Estimator, type EstimatorJSON } from './estimator.js';
import { AgglomerativeClustering, type Linkage } from './agglomerative.js';
import { KMeans } from './kmeans.js';
import { checkPosInt, checkSeed } from './cluster-common.js';

/** Function words that appear next to everything and so say nothing about meaning. */
export const DEFAULT_STOP_WORDS: readonly string[] = [
  'a', 'an', 'the', 'i', 'we', 'you', 'he', 'she', 'it', 'they', 'is', 'are', 'was', 'were', 'be', 'am', 'and', 'or', 'so',
  'very', 'my', 'our', 'your', 'some', 'of', 'to', 'in', 'on', 'at', 'for', 'with', 'this', 'that', 'these', 'those', 'too', 'really',
];

export interface WordClustersParams {
  nClusters: number;
  /** The words to group (may be phrases such as "hot dog"); default: every word that is not a stop word. */
  words?: readonly string[];
  /** Context = words at most this many positions away (default 0: the whole sentence). */
  window?: number;
  stopWords?: readonly string[];
  /** Grouping method: agglomerative with this linkage (default 'average'), or 'kmeans'. */
  method?: Linkage | 'kmeans';
  /** Seed for 'kmeans'. */
  seed?: number;
}

interface Resolved {
  nClusters: number;
  words: string[] | null;
  window: number;
  stopWords: string[];
  method: Linkage | 'kmeans';
  seed: number;
}

export class WordClusters {
  readonly type = 'WordClusters';
  readonly params: Resolved;
  /** The grouped words, in first-seen order. */
  vocabulary: string[] = [];
  /** The context words (columns of `counts`). */
  contexts: string[] = [];
  /** Co-occurrence counts [vocabulary × contexts], row-major. */
  counts: Float64Array = new Float64Array(0);
  /** Group of each vocabulary word. */
  labels: Int32Array = new Int32Array(0);
  private fitted = false;

  constructor(params: WordClustersParams) {
    const op = 'WordClusters';
    params = checkOptions(op, params, ['nClusters', 'words', 'window', 'stopWords', 'method', 'seed']);
    for (const key of ['words', 'stopWords'] as const) {
      const v = params[key];
      if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((w) => typeof w !== 'string'))) throw new KnobsError(`${op}: ${key} must be an array of strings`);
    }
    const method = params.method ?? 'average';
    if (!['single', 'complete', 'average', 'ward', 'kmeans'].includes(method)) throw new KnobsError(`${op}: method must be a linkage or 'kmeans', got ${JSON.stringify(method)}`);
    const window = params.window ?? 0;
    if (!Number.isInteger(window) || window < 0) throw new KnobsError(`${op}: window must be a non-negative integer, got ${JSON.stringify(window)}`);
    this.params = {
      nClusters: checkPosInt(op, 'nClusters', params.nClusters),
      words: params.words ? params.words.map((w) => normalise(w)) : null,
      window,
      stopWords: [...(params.stopWords ?? DEFAULT_STOP_WORDS)].map((w) => w.toLowerCase()),
      method,
      seed: checkSeed(op, params.seed ?? 0),
    };
    if (this.params.words && this.params.words.some((w) => w === '')) throw new KnobsError(`${op}: words must be non-empty`);
  }

  /** Non-parametric: one count per (word, context) pair, so it grows as the text brings new words. */
  get nParameters(): number {
    return this.vocabulary.length * this.contexts.length;
  }

  get isFitted(): boolean {
    return this.fitted;
  }

  /** Counts contexts in the sentences and groups the words. */
  fit(sentences: readonly string[]): this {
    const op = 'WordClusters.fit';
    if (!Array.isArray(sentences) || sentences.some((s) => typeof s !== 'string')) throw new KnobsError(`${op}: expected an array of sentences (strings)`);
    const stop = new Set(this.params.stopWords);
    const phrases = (this.params.words ?? []).filter((w) => w.includes(' '));
    const docs = sentences.map((s) => tokenize(s, phrases).filter((t) => !stop.has(t)));
    const targets = this.params.words ?? unique(docs.flat());
    const seen = new Set(docs.flat());
    const missing = targets.filter((w) => !seen.has(w.replace(/ /g, '_')));
    if (missing.length) throw new KnobsError(`${op}: these words never occur in the sentences: ${missing.join(', ')}`);
    if (this.params.nClusters > targets.length) throw new KnobsError(`${op}: nClusters = ${this.params.nClusters} is larger than the ${targets.length} words to group`);
    const row = new Map(targets.map((w, i) => [w.replace(/ /g, '_'), i]));
    const ctxIndex = new Map<string, number>();
    const cells = new Map<number, number>();
    const w = this.params.window;
    for (const toks of docs) {
      toks.forEach((t, i) => {
        const r = row.get(t);
        if (r === undefined) return;
        toks.forEach((c, j) => {
          if (j === i || (w > 0 && Math.abs(i - j) > w)) return;
          if (!ctxIndex.has(c)) ctxIndex.set(c, ctxIndex.size);
          const key = r * 1e6 + ctxIndex.get(c)!;
          cells.set(key, (cells.get(key) ?? 0) + 1);
        });
      });
    }
    const nc = ctxIndex.size;
    const counts = new Float64Array(targets.length * nc);
    for (const [key, v] of cells) counts[Math.floor(key / 1e6) * nc + (key % 1e6)] = v;
    this.vocabulary = [...targets];
    this.contexts = [...ctxIndex.keys()].map((c) => c.replace(/_/g, ' '));
    this.counts = counts;
    this.labels = this.group();
    this.fitted = true;
    return this;
  }

  /** Group of each word (−1 for a word the model has not seen). */
  predict(words: readonly string[]): Int32Array {
    if (!this.fitted) throw new KnobsError('WordClusters.predict: not fitted yet; call fit(sentences) first');
    const pos = new Map(this.vocabulary.map((w, i) => [w, i]));
    return Int32Array.from(words, (w) => {
      const i = pos.get(normalise(w));
      return i === undefined ? -1 : this.labels[i];
    });
  }

  /** The words of each group. */
  groups(): string[][] {
    if (!this.fitted) throw new KnobsError('WordClusters.groups: not fitted yet; call fit(sentences) first');
    const out: string[][] = Array.from({ length: this.params.nClusters }, () => []);
    this.vocabulary.forEach((w, i) => out[this.labels[i]].push(w));
    return out.filter((g) => g.length > 0);
  }

  /** Cosine similarity of two words' context counts. */
  similarity(a: string, b: string): number {
    if (!this.fitted) throw new KnobsError('WordClusters.similarity: not fitted yet; call fit(sentences) first');
    const ia = this.vocabulary.indexOf(normalise(a)), ib = this.vocabulary.indexOf(normalise(b));
    if (ia < 0 || ib < 0) throw new KnobsError(`WordClusters.similarity: unknown word ${ia < 0 ? a : b}`);
    const u = this.unitRows();
    const nc = this.contexts.length;
    let s = 0;
    for (let t = 0; t < nc; t++) s += u[ia * nc + t] * u[ib * nc + t];
    return s;
  }

  /** Rows scaled to unit length: frequent and rare words compare by the mix of their contexts, not by how often they occur. */
  private unitRows(): Float64Array {
    const nc = this.contexts.length, u = Float64Array.from(this.counts);
    for (let i = 0; i < this.vocabulary.length; i++) {
      let s = 0;
      for (let t = 0; t < nc; t++) s += u[i * nc + t] ** 2;
      const r = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let t = 0; t < nc; t++) u[i * nc + t] *= r;
    }
    return u;
  }

  private group(): Int32Array {
    const x = { data: this.unitRows(), shape: [this.vocabulary.length, this.contexts.length] };
    const { nClusters, method, seed } = this.params;
    if (method === 'kmeans') return new KMeans({ k: nClusters, seed }).fit(x).labels;
    return new AgglomerativeClustering({ linkage: method, nClusters }).fit(x).labels;
  }

  toJSON(): EstimatorJSON {
    return {
      format: 'knobs.estimator', version: 1, type: this.type,
      params: { ...this.params } as unknown as Record<string, unknown>,
      state: this.fitted ? { vocabulary: this.vocabulary, contexts: this.contexts, counts: Array.from(this.counts), labels: Array.from(this.labels) } : null,
    };
  }

  static fromJSON(j: EstimatorJSON): WordClusters {
    const p = j.params as unknown as Resolved;
    const m = new WordClusters({ ...p, words: p.words ?? undefined });
    if (j.state) {
      const r = new StateReader('WordClusters', j.state);
      m.vocabulary = r.strings('vocabulary');
      m.contexts = r.strings('contexts');
      m.counts = r.nums('counts', m.vocabulary.length * m.contexts.length);
      m.labels = r.ints('labels', m.vocabulary.length, 0, 2 ** 31 - 1);
      m.fitted = true;
    }
    return m;
  }
}
// Not an Estimator on matrices (it fits sentences), but saved and loaded through the same registry.
registerEstimator('WordClusters', (j) => WordClusters.fromJSON(j) as unknown as Estimator);

function normalise(w: string): string {
  return w.toLowerCase().trim().replace(/\s+/g, ' ');
}

/** Lower-case word tokens; known phrases ("hot dog") become one token ("hot_dog"). */
export function tokenize(sentence: string, phrases: readonly string[] = []): string[] {
  if (typeof sentence !== 'string') throw new KnobsError(`tokenize: sentence must be a string, got ${sentence === null ? 'null' : typeof sentence}`);
  if (!Array.isArray(phrases) || phrases.some((p) => typeof p !== 'string')) throw new KnobsError('tokenize: phrases must be an array of strings');
  let s = ` ${sentence.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').replace(/\s+/g, ' ')} `;
  for (const p of [...phrases].sort((a, b) => b.length - a.length)) {
    // Lookarounds, not the spaces themselves, so back-to-back phrases both match.
    const re = new RegExp(`(?<= )${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?= )`, 'g');
    s = s.replace(re, p.replace(/ /g, '_'));
  }
  return s.trim().split(' ').filter((t) => t.length > 0);
}

function unique(a: string[]): string[] {
  return [...new Set(a)];
}
