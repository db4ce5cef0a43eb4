/**
 * Word2Vec Hogwild on the wasm thread pool (`workers` > 1, kernels/word2vec.rs
 * `word2vec_train_hogwild`) on Moby Dick: a pool run learns as a one-thread run does (related
 * words move from random ranks to near the top of each other's neighbours), its threads both train words,
 * every word is trained (the subsampled count does not depend on the interleaving), one lane is
 * reproducible, and wasm memory does not grow.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getNumThreads, init, memoryStats, setNumThreads } from '../ts/index.js';
import { K } from '../ts/backend/wasm.js';
import { KeyedVectors, sentences, Word2Vec, type Word2VecOptions } from '../ts/text/index.js';
import { expectKnobsError } from './helpers/errors.js';

beforeAll(() => init({ threads: 2 }));

const text = readFileSync(fileURLToPath(new URL('../.data/text/moby-dick.txt', import.meta.url)), 'utf8');
const corpus = sentences(text);
const opts: Word2VecOptions = { mode: 'skipgram', vectorSize: 50, window: 5, minCount: 5, epochs: 3, seed: 1 };

/** Pairs a reader of the book would call related (all frequent enough for minCount 5). */
const RELATED = [
  ['ahab', 'captain'], ['sperm', 'whale'], ['queequeg', 'harpooneer'], ['boat', 'boats'], ['sea', 'ocean'],
  ['ship', 'vessel'], ['harpoon', 'lance'], ['mast', 'masts'], ['starbuck', 'mate'], ['deck', 'quarter'],
  ['three', 'four'], ['he', 'she'], ['his', 'her'], ['day', 'night'], ['head', 'tail'],
];

/**
 * The median over the pairs (a, b) of b's rank among a's nearest words (0 = nearest). Ranks, not
 * cosines: skip-gram on a small book leaves every frequent word's cosine high (0.7–0.9), so
 * related and random pairs differ little in cosine but much in rank.
 */
function medianRank(kv: KeyedVectors): number {
  const ranks = RELATED.map(([a, b]) => kv.mostSimilar(a, kv.size).findIndex(([w]) => w === b)).sort((x, y) => x - y);
  return ranks[ranks.length >> 1];
}

/**
 * Lets the event loop run between trainings: each blocks it for seconds on a loaded machine, and
 * vitest's worker must still answer its parent in time.
 */
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

describe('Word2Vec Hogwild on the thread pool', () => {
  it('every related pair is in the vocabulary', () => {
    const w2v = new Word2Vec(opts).buildVocab(corpus);
    for (const w of RELATED.flat()) expect(w2v.vocab!.id(w), w).toBeDefined();
  });

  it('learns as one thread does, on 2 threads that both train, and frees its memory', async () => {
    expect(getNumThreads()).toBe(2);
    const untrained = new Word2Vec({ ...opts, alpha: 1e-9, minAlpha: 0 }).fit(corpus).wv!;
    await tick();
    const one = new Word2Vec(opts).fit(corpus);
    await tick();
    const rankOne = medianRank(one.wv!);
    expect(one.lastTrain!.threads).toBe(1);

    const before = memoryStats().liveBlocks;
    const parts = K().thread_worker_parts();
    // On a loaded machine the OS may not run the worker's thread during a short training: the
    // claim is that the pool trains on both threads, so retry a few times before failing.
    let pool = new Word2Vec({ ...opts, workers: 2 }).fit(corpus);
    for (let i = 0; i < 4 && pool.lastTrain!.wordsPerThread.filter((w) => w > 0).length < 2; i++) {
      await tick();
      pool = new Word2Vec({ ...opts, workers: 2 }).fit(corpus);
    }
    await tick();
    const t = pool.lastTrain!;
    expect(t.threads).toBe(2);
    expect(t.wordsPerThread.filter((w) => w > 0).length, `words per thread ${t.wordsPerThread}`).toBe(2);
    expect(K().thread_worker_parts()).toBeGreaterThan(parts);
    expect(t.wordsPerThread.reduce((a, b) => a + b, 0)).toBe(t.effectiveWords);
    expect(memoryStats().liveBlocks).toBe(before);

    const rankPool = medianRank(pool.wv!);
    // Of a vocabulary of ~5,000 words: random before training, near the top after.
    expect(untrained.size).toBeGreaterThan(4000);
    expect(medianRank(untrained)).toBeGreaterThan(1000);
    expect(rankOne, 'one thread did not learn the pairs').toBeLessThan(150);
    // Hogwild's lost updates and its other order of jobs cost little (one thread: 59, pool: 46 when written).
    expect(rankPool, `pool ${rankPool} vs one thread ${rankOne}`).toBeLessThan(Math.max(150, 2 * rankOne));
    // Same words nearest to a frequent word in both runs (most of them).
    const near = (w: Word2Vec) => new Set(w.wv!.mostSimilar('whale', 10).map(([x]) => x));
    const a = near(one), b = near(pool);
    expect([...a].filter((x) => b.has(x)).length, `${[...a]} vs ${[...b]}`).toBeGreaterThanOrEqual(3);
  });

  it('subsamples the same words whatever the interleaving; one lane is reproducible; CBOW too', async () => {
    const a = new Word2Vec({ ...opts, mode: 'cbow', workers: 2 }).fit(corpus).lastTrain!;
    await tick();
    const b = new Word2Vec({ ...opts, mode: 'cbow', workers: 2 }).fit(corpus).lastTrain!;
    // Each job's draws come from its own stream, so the count of kept words is fixed by the seed.
    expect(a.effectiveWords).toBe(b.effectiveWords);
    setNumThreads(1);
    try {
      const x = new Word2Vec({ ...opts, mode: 'cbow', workers: 2 }).fit(corpus);
      await tick();
      const y = new Word2Vec({ ...opts, mode: 'cbow', workers: 2 }).fit(corpus);
      await tick();
      expect(x.lastTrain!.threads).toBe(1);
      expect(x.lastTrain!.effectiveWords).toBe(a.effectiveWords);
      expect(Buffer.from(x.wv!.vectors.buffer).equals(Buffer.from(y.wv!.vectors.buffer))).toBe(true);
      // One lane of jobs is not the one-stream path of workers: 1 (other random draws).
      const z = new Word2Vec({ ...opts, mode: 'cbow' }).fit(corpus);
      expect(Buffer.from(x.wv!.vectors.buffer).equals(Buffer.from(z.wv!.vectors.buffer))).toBe(false);
    } finally {
      setNumThreads(2);
    }
  });

  it('rejects a bad worker count by name', () => {
    expectKnobsError(() => new Word2Vec({ workers: 0 }), /Word2Vec: workers must be an integer ≥ 1, got 0/);
    expectKnobsError(() => new Word2Vec({ workers: 1.5 }), /Word2Vec: workers must be an integer ≥ 1, got 1.5/);
  });
});
