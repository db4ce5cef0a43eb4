/**
 * The word2vec page's worker: it fetches and tokenizes the corpus, trains, and keeps the vectors,
 * so every query (analogy, nearest words, projection) is answered here and the page only draws.
 * It imports the wasm backend and ts/text directly, not the package index, which would drag the
 * training worker's bundle into this one.
 */
import * as Comlink from 'comlink';
import { init } from '../ts/backend/wasm.js';
import { sentences, Word2Vec, type KeyedVectors, type Similar, type Word2VecOptions } from '../ts/text/index.js';
import { pca2, type Projection } from './pca2.js';

export interface TrainReport {
  sentences: number;
  /** Corpus words (vocabulary words only) per epoch, and the trained vocabulary. */
  words: number;
  vocabSize: number;
  seconds: number;
  wordsPerSec: number;
  /** Milliseconds spent fetching and tokenizing the corpus. */
  prepareMs: number;
}

let wv: KeyedVectors | null = null;

function vectors(): KeyedVectors {
  if (!wv) throw new Error('train first');
  return wv;
}

const api = {
  async train(corpusUrl: string, wasm: WebAssembly.Module, options: Word2VecOptions): Promise<TrainReport> {
    await init({ wasm });
    const t0 = performance.now();
    const res = await fetch(corpusUrl);
    if (!res.ok) throw new Error(`${corpusUrl}: HTTP ${res.status} — ${(await res.text()).trim()}`);
    const corpus = sentences(await res.text());
    const prepareMs = performance.now() - t0;
    wv = null;
    const model = new Word2Vec(options).fit(corpus);
    wv = model.wv!;
    const s = model.lastTrain!;
    return { sentences: corpus.length, words: s.words, vocabSize: wv.size, seconds: s.seconds, wordsPerSec: s.wordsPerSec, prepareMs };
  },

  /** a : b :: c : ?  (3CosAdd or 3CosMul on unit vectors). */
  analogy(a: string, b: string, c: string, method: '3cosadd' | '3cosmul', topn: number): Similar {
    return vectors().analogy({ positive: [b, c], negative: [a], method, topn });
  },

  nearest(word: string, topn: number): Similar {
    return vectors().mostSimilar(word, topn);
  },

  /** The known words of `words` on the first two principal axes of their unit vectors; the others listed as missing. */
  project(words: string[]): Projection & { words: string[]; missing: string[] } {
    const kv = vectors();
    const known = words.filter((w) => kv.has(w));
    return { ...pca2(known.map((w) => kv.getVector(w, { norm: true }))), words: known, missing: words.filter((w) => !kv.has(w)) };
  },
};

export type Word2VecWorkerApi = typeof api;

Comlink.expose(api);
