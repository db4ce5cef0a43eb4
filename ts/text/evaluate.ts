/**
 * The standard word-vector benchmarks, scored as gensim 4.4 scores them
 * (KeyedVectors.evaluate_word_analogies / evaluate_word_pairs), from the files' text:
 * - analogies (questions-words.txt): ": section" lines, then "a b c expected"; a question counts
 *   only if its four words are among the first `restrictVocab` words; it is right when the best
 *   answer other than a, b, c is the expected word. Score = right / counted.
 * - word pairs (WordSim-353, SimLex-999): "w1<TAB>w2<TAB>score", "#" comments; pairs with an unknown
 *   word are left out (and counted as oov); score = Spearman correlation of cosine and human score.
 * Matching is case-insensitive (both sides lowercased).
 */
import { KnobsError } from '../errors.js';
import type { KeyedVectors } from './keyed-vectors.js';

export interface AnalogySection {
  section: string;
  correct: number;
  incorrect: number;
}
export interface AnalogyResult {
  /** Right / counted over all sections (0 when nothing was counted). */
  score: number;
  correct: number;
  incorrect: number;
  /** Questions left out because a word is outside the restricted vocabulary. */
  skipped: number;
  sections: AnalogySection[];
}

export function evaluateWordAnalogies(kv: KeyedVectors, questions: string, opts: { restrictVocab?: number; method?: '3cosadd' | '3cosmul' } = {}): AnalogyResult {
  const op = 'evaluateWordAnalogies';
  const restrict = Math.min(opts.restrictVocab ?? 300_000, kv.size);
  if (!Number.isInteger(restrict) || restrict < 1) throw new KnobsError(`${op}: restrictVocab must be an integer ≥ 1, got ${JSON.stringify(opts.restrictVocab)}`);
  // Lowercased word → row, the more frequent (lower) row winning as in gensim.
  const ok = new Map<string, number>();
  for (let i = restrict - 1; i >= 0; i--) ok.set(kv.indexToKey[i].toLowerCase(), i);
  const sections: AnalogySection[] = [];
  const pos: number[][] = [], neg: number[][] = [], want: number[] = [], sec: number[] = [];
  let skipped = 0;
  questions.split('\n').forEach((raw, lineNo) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith(':')) {
      sections.push({ section: line.slice(1).trim(), correct: 0, incorrect: 0 });
      return;
    }
    if (sections.length === 0) throw new KnobsError(`${op}: line ${lineNo + 1} comes before any ": section" header`);
    const w = line.toLowerCase().split(/\s+/);
    if (w.length !== 4) throw new KnobsError(`${op}: line ${lineNo + 1} must have 4 words, got ${JSON.stringify(raw)}`);
    const ids = w.map((x) => ok.get(x));
    if (ids.some((i) => i === undefined)) {
      skipped++;
      return;
    }
    const [a, b, c, e] = ids as number[];
    pos.push([b, c]);
    neg.push([a]);
    want.push(e);
    sec.push(sections.length - 1);
  });
  const answers = kv.rank(pos, neg, opts.method ?? '3cosadd', 1, restrict);
  let correct = 0;
  answers.forEach((ans, q) => {
    const s = sections[sec[q]];
    if (ans.length > 0 && kv.getIndex(ans[0][0]) === want[q]) {
      s.correct++;
      correct++;
    } else s.incorrect++;
  });
  const counted = answers.length;
  return { score: counted > 0 ? correct / counted : 0, correct, incorrect: counted - correct, skipped, sections };
}

export interface WordPairsResult {
  /** Spearman's ρ between cosine similarity and the human scores (NaN with fewer than 2 pairs). */
  spearman: number;
  pearson: number;
  pairs: number;
  /** Percentage of pairs left out for an unknown word (as gensim reports it). */
  oovRatio: number;
}

export function evaluateWordPairs(kv: KeyedVectors, text: string, opts: { restrictVocab?: number } = {}): WordPairsResult {
  const op = 'evaluateWordPairs';
  const restrict = Math.min(opts.restrictVocab ?? 300_000, kv.size);
  const ok = new Map<string, string>();
  for (let i = restrict - 1; i >= 0; i--) ok.set(kv.indexToKey[i].toLowerCase(), kv.indexToKey[i]);
  const gold: number[] = [], model: number[] = [];
  let oov = 0;
  text.split('\n').forEach((raw, lineNo) => {
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const f = raw.split('\t');
    if (f.length < 3) throw new KnobsError(`${op}: line ${lineNo + 1} must be "word1<TAB>word2<TAB>score", got ${JSON.stringify(raw)}`);
    const score = Number(f[2]);
    if (!Number.isFinite(score)) throw new KnobsError(`${op}: line ${lineNo + 1}: ${JSON.stringify(f[2])} is not a number`);
    const a = ok.get(f[0].toLowerCase()), b = ok.get(f[1].toLowerCase());
    if (a === undefined || b === undefined) {
      oov++;
      return;
    }
    gold.push(score);
    model.push(kv.similarity(a, b));
  });
  return { spearman: spearman(gold, model), pearson: pearson(gold, model), pairs: gold.length, oovRatio: (100 * oov) / Math.max(1, oov + gold.length) };
}

/** Pearson's r (NaN when either side is constant or there are fewer than 2 values). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n !== y.length) throw new KnobsError(`pearson: ${n} values against ${y.length}`);
  if (n < 2) return NaN;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Ranks from 1, ties sharing their average rank (as scipy.stats.rankdata). */
export function rankdata(x: readonly number[]): number[] {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's ρ: Pearson's r of the ranks (scipy.stats.spearmanr). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(rankdata(x), rankdata(y));
}
