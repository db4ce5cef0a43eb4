/**
 * KeyedVectors: words and their vectors, and the queries of gensim's class of the same name.
 * Every query works on unit-normalised vectors (cosine similarity), and the similarity of a query
 * to the whole vocabulary is one matmul on the Rust core (kernels/matmul.rs via matmul_nt).
 *
 * The book's chapter-11 analogy code differs: it multiplies every vector by its squared norm
 * (`weights_0_1 * norms`, norms = Σ w² per row), builds the query
 * b − a + c from those, ranks words by the Euclidean distance of their raw vectors to the query,
 * and drops the first answer instead of the query words. Long (frequent) vectors then dominate
 * both the query and the ranking. Here every vector is divided by its norm, the query is the
 * normalised sum of unit vectors (3CosAdd) or a product of shifted cosines (3CosMul, Levy &
 * Goldberg 2014), candidates are ranked by cosine and the query words are left out: what gensim
 * and the analogy benchmarks use.
 */
import { allocF32, freeF32, heap, K } from '../backend/wasm.js';
import { KnobsError, ShapeError } from '../errors.js';

export interface MostSimilarOptions {
  positive?: readonly string[];
  negative?: readonly string[];
  /** How many results (default 10). */
  topn?: number;
  /** Search only the first this many words (the most frequent, when trained here); default all. */
  restrictVocab?: number;
}

export interface AnalogyOptions extends MostSimilarOptions {
  /** '3cosadd' (default; gensim's most_similar) or '3cosmul' (gensim's most_similar_cosmul). */
  method?: '3cosadd' | '3cosmul';
}

/** [word, score] pairs, best first. */
export type Similar = [word: string, score: number][];

/** Queries per matmul when scoring many at once (16 MB of scores for a 32k vocabulary). */
const QUERY_BLOCK = 128;

export class KeyedVectors {
  readonly vectorSize: number;
  /** Words by row. */
  readonly indexToKey: readonly string[];
  /** [words × vectorSize], row-major. */
  readonly vectors: Float32Array;
  /** How often each word was seen in training, when known (word2vec files do not carry counts). */
  readonly counts: readonly number[] | null;
  private readonly keyToIndex = new Map<string, number>();
  private normed: Float32Array | null = null;

  constructor(words: readonly string[], vectors: Float32Array, vectorSize: number, counts: readonly number[] | null = null) {
    const op = 'KeyedVectors';
    if (!Number.isInteger(vectorSize) || vectorSize < 1) throw new KnobsError(`${op}: vectorSize must be an integer ≥ 1, got ${JSON.stringify(vectorSize)}`);
    if (!(vectors instanceof Float32Array)) throw new KnobsError(`${op}: vectors must be a Float32Array`);
    if (vectors.length !== words.length * vectorSize) throw new ShapeError(`${op}: ${words.length} words × vectorSize ${vectorSize} needs ${words.length * vectorSize} values, got ${vectors.length}`);
    words.forEach((w, i) => {
      if (typeof w !== 'string' || w.length === 0 || /\s/.test(w)) throw new KnobsError(`${op}: word ${i} must be a non-empty string without whitespace, got ${JSON.stringify(w)}`);
      if (this.keyToIndex.has(w)) throw new KnobsError(`${op}: the word ${JSON.stringify(w)} appears twice`);
      this.keyToIndex.set(w, i);
    });
    if (counts !== null && counts.length !== words.length) throw new ShapeError(`${op}: ${words.length} words but ${counts.length} counts`);
    this.counts = counts === null ? null : [...counts];
    this.vectorSize = vectorSize;
    this.indexToKey = [...words];
    this.vectors = vectors;
  }

  get size(): number {
    return this.indexToKey.length;
  }
  has(word: string): boolean {
    return this.keyToIndex.has(word);
  }
  /** The row of `word`, or undefined. */
  getIndex(word: string): number | undefined {
    return this.keyToIndex.get(word);
  }
  /** A copy of the vector of `word`; `norm: true` divides it by its length. */
  getVector(word: string, opts: { norm?: boolean } = {}): Float32Array {
    const i = this.index('getVector', word);
    const d = this.vectorSize;
    return (opts.norm ? this.unit() : this.vectors).slice(i * d, (i + 1) * d);
  }
  /** Unit-length rows (a zero vector stays zero), made once and kept. Call after editing `vectors`. */
  unit(): Float32Array {
    if (this.normed) return this.normed;
    const d = this.vectorSize, v = this.vectors, out = new Float32Array(v.length);
    for (let i = 0; i < this.size; i++) {
      let s = 0;
      for (let k = i * d; k < (i + 1) * d; k++) s += v[k] * v[k];
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let k = i * d; k < (i + 1) * d; k++) out[k] = v[k] * inv;
    }
    return (this.normed = out);
  }
  /** Forgets the unit vectors (after changing `vectors` in place). */
  resetNorms(): void {
    this.normed = null;
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const u = this.unit(), d = this.vectorSize;
    const i = this.index('similarity', a) * d, j = this.index('similarity', b) * d;
    let s = 0;
    for (let k = 0; k < d; k++) s += u[i + k] * u[j + k];
    return s;
  }

  /**
   * The words nearest the mean of the unit vectors of `positive` minus those of `negative`
   * (gensim's most_similar; the query words themselves are left out). A word alone is `positive: [word]`.
   */
  mostSimilar(word: string | MostSimilarOptions, topn?: number): Similar {
    const o: MostSimilarOptions = typeof word === 'string' ? { positive: [word], topn } : word;
    return this.analogy({ ...o, method: '3cosadd' }, 'mostSimilar');
  }

  /**
   * a : b :: c : ?  as `analogy({ positive: [b, c], negative: [a] })`. 3CosAdd ranks words by
   * cos(w, b) − cos(w, a) + cos(w, c) (through the normalised mean, as gensim); 3CosMul by
   * Π (1 + cos(w, p))/2 / (Π (1 + cos(w, n))/2 + 1e-6), which keeps one large term from
   * outweighing the others.
   */
  analogy(opts: AnalogyOptions, op = 'analogy'): Similar {
    const q = this.resolve(op, opts);
    return this.rank([q.positive], [q.negative], q.method, q.topn, q.limit)[0];
  }

  /** The word least like the mean of the others (gensim's doesnt_match); unknown words are skipped. */
  doesntMatch(words: readonly string[]): string {
    const known = words.filter((w) => this.has(w));
    if (known.length === 0) throw new KnobsError(`doesntMatch: none of ${JSON.stringify(words)} is in the vocabulary`);
    const u = this.unit(), d = this.vectorSize;
    const mean = new Float64Array(d);
    for (const w of known) for (let k = 0; k < d; k++) mean[k] += u[this.keyToIndex.get(w)! * d + k];
    let n = 0;
    for (let k = 0; k < d; k++) n += mean[k] * mean[k];
    n = Math.sqrt(n) || 1;
    let worst = known[0], low = Infinity;
    for (const w of known) {
      let s = 0;
      for (let k = 0; k < d; k++) s += u[this.keyToIndex.get(w)! * d + k] * mean[k] / n;
      if (s < low) [low, worst] = [s, w];
    }
    return worst;
  }

  /**
   * Many analogy queries at once (the benchmark's 20k questions): one matmul per block of queries.
   * Each query is rows of positive and negative words; returns the topn of each.
   */
  rank(positive: number[][], negative: number[][], method: '3cosadd' | '3cosmul', topn: number, limit: number): Similar[] {
    const d = this.vectorSize, u = this.unit();
    const out: Similar[] = [];
    for (let q0 = 0; q0 < positive.length; q0 += QUERY_BLOCK) {
      const q1 = Math.min(positive.length, q0 + QUERY_BLOCK);
      // 3CosAdd: one query row per question (the normalised signed mean); 3CosMul: one per word.
      const rows: number[][] = [];
      const queries: Float32Array[] = [];
      for (let q = q0; q < q1; q++) {
        if (method === '3cosadd') {
          const m = new Float64Array(d);
          for (const i of positive[q]) for (let k = 0; k < d; k++) m[k] += u[i * d + k];
          for (const i of negative[q]) for (let k = 0; k < d; k++) m[k] -= u[i * d + k];
          const cnt = positive[q].length + negative[q].length;
          let n = 0;
          for (let k = 0; k < d; k++) n += (m[k] / cnt) ** 2;
          n = Math.sqrt(n) || 1;
          const row = new Float32Array(d);
          for (let k = 0; k < d; k++) row[k] = m[k] / cnt / n;
          rows.push([queries.length]);
          queries.push(row);
        } else {
          const r: number[] = [];
          for (const i of [...positive[q], ...negative[q]]) {
            r.push(queries.length);
            queries.push(u.subarray(i * d, (i + 1) * d));
          }
          rows.push(r);
        }
      }
      const scores = this.cosines(queries, limit);
      for (let q = q0; q < q1; q++) {
        const r = rows[q - q0];
        const exclude = new Set([...positive[q], ...negative[q]]);
        const score = (w: number): number => {
          if (method === '3cosadd') return scores[r[0] * limit + w];
          let num = 1, den = 1;
          r.forEach((row, k) => {
            const c = (1 + scores[row * limit + w]) / 2;
            if (k < positive[q].length) num *= c;
            else den *= c;
          });
          return num / (negative[q].length > 0 ? den + 1e-6 : 1);
        };
        out.push(topK(limit, topn, exclude, score).map(([w, s]) => [this.indexToKey[w], s]));
      }
    }
    return out;
  }

  /** cos(query_i, word_j) for j < limit: [queries × limit], by matmul_nt on the core. */
  private cosines(queries: Float32Array[], limit: number): Float32Array {
    const d = this.vectorSize, m = queries.length;
    if (m * limit > 2 ** 32 - 1 || limit * d > 2 ** 32 - 1) throw new KnobsError(`KeyedVectors: ${m} queries × ${limit} words is too large for one block`);
    const pa = allocF32(m * d);
    let pb = 0, pc = 0;
    try {
      pb = allocF32(limit * d);
      pc = allocF32(m * limit);
      const h = heap();
      queries.forEach((q, i) => h.set(q, (pa >>> 2) + i * d));
      h.set(this.unit().subarray(0, limit * d), pb >>> 2);
      K().matmul_nt(pa, pb, pc, m, d, limit, false);
      return heap().slice(pc >>> 2, (pc >>> 2) + m * limit);
    } finally {
      freeF32(pa, m * d);
      if (pb) freeF32(pb, limit * d);
      if (pc) freeF32(pc, m * limit);
    }
  }

  private index(op: string, word: string): number {
    const i = this.keyToIndex.get(word);
    if (i === undefined) throw new KnobsError(`${op}: ${JSON.stringify(word)} is not in the vocabulary (${this.size} words)`);
    return i;
  }

  private resolve(op: string, o: AnalogyOptions): { positive: number[]; negative: number[]; method: '3cosadd' | '3cosmul'; topn: number; limit: number } {
    if (typeof o !== 'object' || o === null) throw new KnobsError(`${op}: expected { positive, negative }, got ${JSON.stringify(o)}`);
    const positive = o.positive ?? [], negative = o.negative ?? [];
    if (!Array.isArray(positive) || !Array.isArray(negative)) throw new KnobsError(`${op}: positive and negative must be arrays of words`);
    if (positive.length + negative.length === 0) throw new KnobsError(`${op}: give at least one word in positive or negative`);
    const method = o.method ?? '3cosadd';
    if (method !== '3cosadd' && method !== '3cosmul') throw new KnobsError(`${op}: method must be '3cosadd' or '3cosmul', got ${JSON.stringify(method)}`);
    if (method === '3cosmul' && positive.length === 0) throw new KnobsError(`${op}: 3cosmul needs at least one positive word`);
    const topn = o.topn ?? 10;
    if (!Number.isInteger(topn) || topn < 1) throw new KnobsError(`${op}: topn must be an integer ≥ 1, got ${JSON.stringify(topn)}`);
    const limit = o.restrictVocab ?? this.size;
    if (!Number.isInteger(limit) || limit < 1) throw new KnobsError(`${op}: restrictVocab must be an integer ≥ 1, got ${JSON.stringify(limit)}`);
    return { positive: positive.map((w) => this.index(op, w)), negative: negative.map((w) => this.index(op, w)), method, topn, limit: Math.min(limit, this.size) };
  }
}

/** The k best of score(0..n−1) not in `exclude`, best first (ties: lower index first). */
function topK(n: number, k: number, exclude: Set<number>, score: (i: number) => number): [number, number][] {
  const best: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (exclude.has(i)) continue;
    const s = score(i);
    if (best.length === k && !(s > best[k - 1][1])) continue;
    let j = best.length < k ? best.length : k - 1;
    best[j] = [i, s];
    while (j > 0 && best[j - 1][1] < s) {
      [best[j - 1], best[j]] = [best[j], best[j - 1]];
      j--;
    }
  }
  return best;
}
