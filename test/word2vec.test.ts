/**
 * Text tools and Word2Vec: tokenizer, Vocab, context windows; training on a generated topic
 * corpus (related words must end up closer than unrelated ones, which untrained vectors fail),
 * determinism by seed, the queries against float64 brute force, the word2vec format against
 * files gensim 4.4.0 wrote (scripts/gensim-word2vec-reference.py), safetensors round trips, and
 * bad input. The kernel itself is tested against a naive update step in kernels/word2vec.rs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, memoryStats, Rng } from '../ts/index.js';
import {
  contextWindows, cumTable, evaluateWordAnalogies, evaluateWordPairs, formatFloat32, fromWord2VecFormat, keepThresholds,
  KeyedVectors, loadKeyedVectors, saveKeyedVectors, sentences, spearman, tokenize, toWord2VecFormat, Vocab, Word2Vec,
} from '../ts/text/index.js';
import { expectKnobsError } from './helpers/errors.js';

beforeAll(() => init());

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))));

/**
 * Sentences from 4 topics of 6 words, with 6 filler words used everywhere: words of one topic
 * share contexts, words of different topics only share the fillers.
 */
function topicCorpus(seed: number, n = 1500): { corpus: string[][]; topics: string[][] } {
  const topics = [
    ['king', 'queen', 'prince', 'crown', 'throne', 'palace'],
    ['ship', 'sea', 'sail', 'harbor', 'captain', 'wave'],
    ['bread', 'cheese', 'wine', 'butter', 'soup', 'apple'],
    ['rain', 'cloud', 'storm', 'wind', 'snow', 'thunder'],
  ];
  const filler = ['the', 'a', 'of', 'and', 'is', 'was'];
  const rng = new Rng(seed);
  const pick = <T>(a: T[]): T => a[rng.nextU32() % a.length];
  const corpus: string[][] = [];
  for (let i = 0; i < n; i++) {
    const t = pick(topics);
    corpus.push(Array.from({ length: 10 }, () => (rng.nextU32() % 10 < 7 ? pick(t) : pick(filler))));
  }
  return { corpus, topics };
}

/** Mean cosine of same-topic pairs minus mean cosine of cross-topic pairs. */
function topicGap(kv: KeyedVectors, topics: string[][]): number {
  let same = 0, ns = 0, cross = 0, nc = 0;
  topics.forEach((t, a) => topics.forEach((u, b) => {
    for (const x of t) for (const y of u) {
      if (x === y) continue;
      const s = kv.similarity(x, y);
      if (a === b) (same += s), ns++;
      else (cross += s), nc++;
    }
  }));
  return same / ns - cross / nc;
}

describe('tokenize and sentences', () => {
  it('lowercases, drops or splits punctuation, keeps inner apostrophes and any script', () => {
    expect(tokenize("Don't STOP, café-au-lait 42!")).toEqual(["don't", 'stop', 'café', 'au', 'lait', '42']);
    expect(tokenize('Hi, you!', { punctuation: 'split' })).toEqual(['hi', ',', 'you', '!']);
    expect(tokenize('Hi There', { lowercase: false })).toEqual(['Hi', 'There']);
    // The corpus rule of the gensim reference: letters a–z only.
    expect(tokenize("Don't x2y café", { letters: 'ascii' })).toEqual(['don', 't', 'x', 'y', 'caf']);
    expect(tokenize('')).toEqual([]);
  });
  it('cuts sentences at . ! ? and skips empty ones', () => {
    expect(sentences('One two. Three\nfour!? ...')).toEqual([['one', 'two'], ['three', 'four']]);
    expect(sentences('a;b c', { sentenceEnds: ';' })).toEqual([['a'], ['b', 'c']]);
  });
  it('rejects bad options by name', () => {
    expectKnobsError(() => tokenize('x', { punctuation: 'keep' as 'split' }), /tokenize: punctuation must be 'remove' or 'split', got "keep"/);
    expectKnobsError(() => tokenize(3 as unknown as string), /tokenize: text must be a string/);
    expectKnobsError(() => sentences('x', { sentenceEnds: '' }), /sentences: sentenceEnds must be a non-empty string/);
  });
});

describe('Vocab', () => {
  const text = [['b', 'a', 'c', 'a'], ['b', 'd', 'a', 'e', 'e']];
  it('orders by count (ties first-seen), applies minCount and maxSize, specials first', () => {
    const v = Vocab.build(text);
    expect(v.words).toEqual(['<pad>', '<unk>', 'a', 'b', 'e', 'c', 'd']);
    expect(v.counts).toEqual([0, 0, 3, 2, 2, 1, 1]);
    expect(Vocab.build(text, { minCount: 2 }).words).toEqual(['<pad>', '<unk>', 'a', 'b', 'e']);
    expect(Vocab.build(text, { maxSize: 2, specials: [] }).words).toEqual(['a', 'b']);
  });
  it('encodes unknown words to <unk>, decodes without padding, round-trips through JSON', () => {
    const v = Vocab.build(text, { minCount: 2 });
    const ids = v.encode(['a', 'zzz', 'e']);
    expect(Array.from(ids)).toEqual([2, 1, 4]);
    expect(v.decode([0, 2, 1, 0])).toEqual(['a', '<unk>']);
    expect(v.decode([0, 2], { keepPadding: true })).toEqual(['<pad>', 'a']);
    const back = Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.words).toEqual(v.words);
    expect(back.counts).toEqual(v.counts);
    expect(Array.from(back.encode(['zzz']))).toEqual([1]);
  });
  it('errors: unknown word without <unk>, bad ids, bad options, bad JSON', () => {
    const v = Vocab.build(text, { specials: [] });
    expect(v.unkToken).toBe(null);
    expectKnobsError(() => v.encode(['zzz']), /Vocab.encode: "zzz" is not in the vocabulary and there is no unkToken/);
    expect(Array.from(v.encode(['zzz', 'a'], { skipUnknown: true }))).toEqual([0]);
    expectKnobsError(() => v.decode([99]), /Vocab.decode: id 99 at position 0 is outside \[0, 5\)/);
    expectKnobsError(() => Vocab.build(text, { minCount: 0 }), /Vocab.build: minCount must be an integer ≥ 1, got 0/);
    expectKnobsError(() => Vocab.build(text, { unkToken: '<oov>' }), /unkToken "<oov>" is not among the specials/);
    expectKnobsError(() => Vocab.fromJSON({ type: 'Vocab', words: ['a'], counts: [] } as never), /words and counts must be arrays of one length/);
  });
});

describe('contextWindows', () => {
  it('gives the neighbours on both sides, padded at the ends', () => {
    const w = contextWindows([5, 6, 7, 8], 2, 0);
    expect(w.width).toBe(4);
    expect(Array.from(w.centers)).toEqual([5, 6, 7, 8]);
    expect(Array.from(w.contexts)).toEqual([0, 0, 6, 7, 0, 5, 7, 8, 5, 6, 8, 0, 6, 7, 0, 0]);
    expectKnobsError(() => contextWindows([1], 0, 0), /contextWindows: window must be an integer ≥ 1, got 0/);
  });
});

describe('Word2Vec tables', () => {
  it('keepThresholds follow gensim: rare words always kept, frequent ones by (√(v/t)+1)·t/v', () => {
    const counts = [1000, 10, 1];
    const k = keepThresholds(counts, 1e-3);
    const t = 1e-3 * 1011;
    expect(k[0]).toBe(Math.floor(((Math.sqrt(1000 / t) + 1) * t) / 1000 * (2 ** 32 - 1)));
    expect(k[2]).toBe(2 ** 32 - 1);
    expect(k[0]).toBeLessThan(k[1]);
  });
  it('cumTable is the cumulative count^0.75 ending at 2^31 − 1', () => {
    const c = cumTable([16, 1], 0.75);
    expect(c[1]).toBe(2 ** 31 - 1);
    expect(c[0]).toBe(Math.round((8 / 9) * (2 ** 31 - 1)));
  });
});

describe('Word2Vec training', () => {
  const { corpus, topics } = topicCorpus(7);
  const opts = { vectorSize: 24, window: 3, minCount: 1, negative: 5, sample: 0, epochs: 5, seed: 3 };

  it('skip-gram and CBOW put words of one topic closer than words of different topics', () => {
    for (const mode of ['skipgram', 'cbow'] as const) {
      const w2v = new Word2Vec({ ...opts, mode }).fit(corpus);
      expect(w2v.vocab!.size).toBe(30);
      expect(w2v.lastTrain!.words).toBe(15000);
      expect(w2v.lastTrain!.effectiveWords).toBe(15000 * 5); // sample: 0 keeps every word
      const gap = topicGap(w2v.wv!, topics);
      expect(gap, mode).toBeGreaterThan(0.3);
      // The nearest words of a topic word are its topic.
      const near = w2v.wv!.mostSimilar('king', 5).map(([w]) => w);
      expect(near.filter((w) => topics[0].includes(w)).length, `${mode}: ${near}`).toBeGreaterThanOrEqual(4);
    }
    // The same measure on the initial vectors (training 0 words) shows no such gap.
    const untrained = new Word2Vec({ ...opts, alpha: 1e-9, minAlpha: 0 }).fit(corpus);
    expect(Math.abs(topicGap(untrained.wv!, topics))).toBeLessThan(0.1);
  });

  it('is deterministic for a seed and changes with it; frees its wasm blocks', () => {
    const before = memoryStats().liveBlocks;
    const a = new Word2Vec({ ...opts, sg: 1 }).fit(corpus).wv!.vectors;
    const b = new Word2Vec({ ...opts, sg: 1 }).fit(corpus).wv!.vectors;
    const c = new Word2Vec({ ...opts, sg: 1, seed: 4 }).fit(corpus).wv!.vectors;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    expect(memoryStats().liveBlocks).toBe(before);
  });

  it('subsampling drops frequent words (fewer effective words) and skips out-of-vocabulary words', () => {
    const w2v = new Word2Vec({ ...opts, minCount: 1, sample: 1e-3 }).fit(corpus);
    expect(w2v.lastTrain!.effectiveWords).toBeLessThan(15000 * 5 * 0.9);
    const m = new Word2Vec({ ...opts }).buildVocab([['only', 'these']]);
    m.train([['only', 'unknown', 'these']]);
    expect(m.lastTrain!.words).toBe(2);
  });

  it('rejects bad options and misuse with clear errors, and stays usable', () => {
    expectKnobsError(() => new Word2Vec({ vectorSize: 0 }), /Word2Vec: vectorSize must be an integer ≥ 1, got 0/);
    expectKnobsError(() => new Word2Vec({ window: 1.5 }), /Word2Vec: window must be an integer ≥ 1, got 1.5/);
    expectKnobsError(() => new Word2Vec({ sample: 2 }), /Word2Vec: sample must be in \[0, 1\), got 2/);
    expectKnobsError(() => new Word2Vec({ negative: 0 }), /Word2Vec: negative must be an integer ≥ 1, got 0/);
    expectKnobsError(() => new Word2Vec({ mode: 'glove' as 'cbow' }), /Word2Vec: mode must be 'skipgram' or 'cbow', got "glove"/);
    expectKnobsError(() => new Word2Vec({ sg: 1, mode: 'cbow' }), /Word2Vec: give sg or mode, not both/);
    expectKnobsError(() => new Word2Vec({ alpha: 0.01, minAlpha: 0.1 }), /minAlpha \(0.1\) must not exceed alpha \(0.01\)/);
    expectKnobsError(() => new Word2Vec().train(corpus), /Word2Vec.train: call buildVocab\(sentences\) first/);
    expectKnobsError(() => new Word2Vec({ minCount: 5 }).fit([['a', 'b']]), /Word2Vec.buildVocab: no word occurs minCount=5 times in 1 sentences/);
    expectKnobsError(() => new Word2Vec().fit('text' as never), /Word2Vec.buildVocab: sentences must be an array of token arrays/);
    expectKnobsError(() => new Word2Vec({ minCount: 1 }).buildVocab([['a']]).train([['b']]), /Word2Vec.train: no word of the 1 sentences is in the vocabulary/);
    const ok = new Word2Vec({ ...opts, epochs: 1 }).fit(corpus);
    expect(ok.wv!.size).toBe(30);
  });
});

/** A small vector set where every query can be worked out by hand and by brute force. */
function handmade(): KeyedVectors {
  const rng = new Rng(11);
  const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const v = Float32Array.from({ length: 40 * 8 }, () => (rng.nextU32() / 2 ** 32) * 2 - 1);
  return new KeyedVectors(words, v, 8, words.map((_, i) => 100 - i));
}

/** Float64 brute force of both analogy scores over every word but the query's. */
function bruteAnalogy(kv: KeyedVectors, pos: string[], neg: string[], method: '3cosadd' | '3cosmul', limit = kv.size): string[] {
  const d = kv.vectorSize;
  const unit = (i: number) => {
    const r = Array.from(kv.vectors.subarray(i * d, (i + 1) * d), Number);
    const n = Math.hypot(...r);
    return r.map((x) => x / n);
  };
  const cos = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k], 0) / Math.hypot(...a) / Math.hypot(...b);
  const P = pos.map((w) => unit(kv.getIndex(w)!)), N = neg.map((w) => unit(kv.getIndex(w)!));
  const mean = Array.from({ length: d }, (_, k) => P.reduce((s, r) => s + r[k], 0) - N.reduce((s, r) => s + r[k], 0));
  const scored: [string, number][] = [];
  for (let i = 0; i < limit; i++) {
    const w = kv.indexToKey[i];
    if (pos.includes(w) || neg.includes(w)) continue;
    const u = unit(i);
    const s = method === '3cosadd' ? cos(mean, u)
      : P.reduce((p, r) => p * (1 + cos(r, u)) / 2, 1) / (N.reduce((p, r) => p * (1 + cos(r, u)) / 2, 1) + (N.length ? 1e-6 : 0));
    scored.push([w, s]);
  }
  return scored.sort((a, b) => b[1] - a[1]).map(([w]) => w);
}

describe('KeyedVectors queries', () => {
  it('mostSimilar and analogy (3CosAdd, 3CosMul) rank as a float64 brute force does', () => {
    const kv = handmade();
    expect(kv.mostSimilar('w3', 5).map(([w]) => w)).toEqual(bruteAnalogy(kv, ['w3'], [], '3cosadd').slice(0, 5));
    for (const method of ['3cosadd', '3cosmul'] as const) {
      const q = { positive: ['w1', 'w2'], negative: ['w0'], topn: 6, method };
      expect(kv.analogy(q).map(([w]) => w), method).toEqual(bruteAnalogy(kv, ['w1', 'w2'], ['w0'], method).slice(0, 6));
      expect(kv.analogy({ ...q, restrictVocab: 20 }).map(([w]) => w)).toEqual(bruteAnalogy(kv, ['w1', 'w2'], ['w0'], method, 20).slice(0, 6));
    }
    // Scores are cosines: the best 3CosAdd score equals the brute force's to f32 precision.
    const [w, s] = kv.mostSimilar('w3', 1)[0];
    expect(s).toBeCloseTo(kv.similarity('w3', w), 5);
    expect(kv.similarity('w5', 'w5')).toBeCloseTo(1, 6);
  });

  it('doesntMatch finds the odd word out; unknown words are errors by name', () => {
    const words = ['a', 'b', 'c', 'd'];
    const v = Float32Array.from([1, 0.1, 0, 0.9, 0.2, 0, 1, 0, 0.1, 0, 0, 1]);
    const kv = new KeyedVectors(words, v, 3);
    expect(kv.doesntMatch(['a', 'b', 'c', 'd', 'zzz'])).toBe('d');
    expectKnobsError(() => kv.similarity('a', 'zzz'), /similarity: "zzz" is not in the vocabulary \(4 words\)/);
    expectKnobsError(() => kv.analogy({ positive: ['a'], negative: ['q'] }), /analogy: "q" is not in the vocabulary/);
    expectKnobsError(() => kv.analogy({}), /analogy: give at least one word in positive or negative/);
    expectKnobsError(() => kv.mostSimilar('a', 0), /mostSimilar: topn must be an integer ≥ 1, got 0/);
    expectKnobsError(() => kv.doesntMatch(['x']), /doesntMatch: none of \["x"\] is in the vocabulary/);
    expectKnobsError(() => new KeyedVectors(['a'], new Float32Array(3), 2), /KeyedVectors: 1 words × vectorSize 2 needs 2 values, got 3/);
  });
});

describe('evaluation', () => {
  it('spearman matches scipy.stats.spearmanr (with ties)', () => {
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });
  it('analogy accuracy counts right answers among questions inside the restricted vocabulary', () => {
    // b − a + c lands exactly on the expected word's direction.
    const words = ['man', 'woman', 'king', 'queen', 'apple', 'rare'];
    const v = Float32Array.from([1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, -1, 0.3, -1, 0.2]);
    const kv = new KeyedVectors(words, v, 3);
    const q = ': family\nMan Woman King Queen\nman woman king apple\nman woman king rare\n';
    const r = evaluateWordAnalogies(kv, q, { restrictVocab: 5 });
    expect(r).toMatchObject({ correct: 1, incorrect: 1, skipped: 1, score: 0.5 });
    expect(r.sections).toEqual([{ section: 'family', correct: 1, incorrect: 1 }]);
    const pairs = '# comment\nman\twoman\t3\nking\tqueen\t9\nman\tking\t5\nman\tnope\t1\n';
    const p = evaluateWordPairs(kv, pairs);
    expect(p.pairs).toBe(3);
    expect(p.oovRatio).toBeCloseTo(25, 10);
    expect(p.spearman).toBeCloseTo(spearman([3, 9, 5], [kv.similarity('man', 'woman'), kv.similarity('king', 'queen'), kv.similarity('man', 'king')]), 12);
  });
});

describe('saving word vectors', () => {
  const gensimText = fixture('gensim-vectors.txt');
  const gensimBin = fixture('gensim-vectors.bin');

  it('reads the text and binary files gensim wrote, to the same float32 values', () => {
    const t = fromWord2VecFormat(gensimText), b = fromWord2VecFormat(gensimBin, { binary: true });
    expect(t.indexToKey).toEqual(['king', 'queen', 'café', 'naïve', 'x']);
    expect(b.indexToKey).toEqual(t.indexToKey);
    expect(Array.from(t.vectors.subarray(0, 4))).toEqual([0.5, -1.25, 3, Math.fround(1e-3)]);
    expect(Buffer.from(t.vectors.buffer).equals(Buffer.from(b.vectors.buffer))).toBe(true);
  });

  it('writes what gensim writes, byte for byte, text and binary', () => {
    const kv = fromWord2VecFormat(gensimBin, { binary: true });
    expect(Buffer.from(toWord2VecFormat(kv)).equals(Buffer.from(gensimText))).toBe(true);
    expect(Buffer.from(toWord2VecFormat(kv, { binary: true })).equals(Buffer.from(gensimBin))).toBe(true);
  });

  it('formats float32 as numpy str does', () => {
    const cases: [number, string][] = [[1e5, '100000.0'], [999999, '999999.0'], [1e6, '1e+06'], [1234567, '1.234567e+06'], [1e-4, '1e-04'],
      [9.9e-5, '9.9e-05'], [0.1, '0.1'], [-0, '-0.0'], [0, '0.0'], [1e-40, '1e-40'], [3.4e38, '3.4e+38'], [Infinity, 'inf'], [NaN, 'nan']];
    for (const [x, s] of cases) expect(formatFloat32(Math.fround(x)), String(x)).toBe(s);
  });

  it('round-trips trained vectors through both formats and safetensors + vocabulary JSON', () => {
    const { corpus } = topicCorpus(1, 200);
    const kv = new Word2Vec({ vectorSize: 7, minCount: 1, epochs: 1, sg: 1 }).fit(corpus).wv!;
    for (const back of [fromWord2VecFormat(toWord2VecFormat(kv)), fromWord2VecFormat(toWord2VecFormat(kv, { binary: true }), { binary: true }), loadKeyedVectors(saveKeyedVectors(kv))]) {
      expect(back.indexToKey).toEqual(kv.indexToKey);
      expect(Buffer.from(back.vectors.buffer).equals(Buffer.from(kv.vectors.buffer))).toBe(true);
    }
    expect(loadKeyedVectors(saveKeyedVectors(kv)).counts).toEqual(kv.counts);
  });

  it('reports malformed files by line', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expectKnobsError(() => fromWord2VecFormat(enc('2 3\na 1 2 3\nb 1 2\n')), /fromWord2VecFormat: line 3 has 2 values, the header says 3/);
    expectKnobsError(() => fromWord2VecFormat(enc('2 3\na 1 2 3\n')), /the header says 2 words, the file has 1/);
    expectKnobsError(() => fromWord2VecFormat(enc('x y\n')), /the header must be "words dims"/);
    expectKnobsError(() => fromWord2VecFormat(enc('1 2\na 1 q\n')), /line 2: "q" is not a number/);
    expectKnobsError(() => fromWord2VecFormat(enc('1 2\nab'), { binary: true }), /the file ends inside word 0 of 1/);
    expectKnobsError(() => loadKeyedVectors({ safetensors: new Uint8Array(0), vocab: '{' }), /loadKeyedVectors: the vocabulary is not valid JSON/);
  });
});
