/**
 * word2vec on the State of the Union addresses (1790–2016, 1.79M words), measured against
 * gensim 4.4.0 on the same corpus and settings: dim 100, window 5, negative 5, min count 5,
 * sample 1e-3, 5 epochs. Prints knobs' analogy accuracy (Google questions, vocabulary restricted
 * to the 30k most frequent words), WordSim-353 and SimLex-999 Spearman and words/s beside the
 * figures scripts/gensim-word2vec-reference.py wrote to test/fixtures/gensim-word2vec-sotu.json.
 *
 *   bash scripts/fetch-data.sh gensim sotu
 *   npm run example -- word2vec [--mode skipgram|cbow|both] [--seeds 3] [--epochs 5] [--workers 2]
 *
 * With --seeds N, knobs trains with seeds 1..N and prints the mean, as the gensim fixture does.
 *
 * Data: .data/ at the repository root, or KNOBS_DATA_DIR. One thread (the gensim figures beside
 * are 1 worker, and 2 workers for skip-gram's speed); --workers N trains Hogwild on a pool of N
 * threads. bench/word2vec.ts runs both beside gensim in one session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { init } from '../ts/index.js';
import { root, word2vecFiles } from './word2vec-shared.js';
import { evaluateWordAnalogies, evaluateWordPairs, sentences, Word2Vec } from '../ts/text/index.js';

const files = word2vecFiles('word2vec');

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'both' }, seeds: { type: 'string', default: '1' }, epochs: { type: 'string', default: '5' }, workers: { type: 'string', default: '1' } } });
const workers = Number(values.workers);
const modes = values.mode === 'both' ? (['skipgram', 'cbow'] as const) : [values.mode as 'skipgram' | 'cbow'];

await init({ threads: workers });
// The reference script's corpus rule: each address cut at . ! ?, lowercased, runs of a–z.
const corpus = readFileSync(files.corpus, 'utf8').split('\n').flatMap((line) => sentences(line, { letters: 'ascii' }));
const words = corpus.reduce((s, x) => s + x.length, 0);
console.log(`corpus: ${corpus.length} sentences, ${words} words`);

type Row = { analogy: number; wordsim353: number; simlex999: number; wordsPerSec: number; wordsPerCpuSec?: number };
const ref = JSON.parse(readFileSync(join(root, 'test/fixtures/gensim-word2vec-sotu.json'), 'utf8'));
const fmt = (r: Row) => `analogy ${(100 * r.analogy).toFixed(2)}%  WordSim-353 ${r.wordsim353.toFixed(3)}  SimLex-999 ${r.simlex999.toFixed(3)}  ${Math.round(r.wordsPerSec / 1000)}k words/s (${r.wordsPerCpuSec ? Math.round(r.wordsPerCpuSec / 1000) : '?'}k per CPU second)`;

const mean = (rows: Row[]): Row => ({
  analogy: rows.reduce((s, r) => s + r.analogy, 0) / rows.length,
  wordsim353: rows.reduce((s, r) => s + r.wordsim353, 0) / rows.length,
  simlex999: rows.reduce((s, r) => s + r.simlex999, 0) / rows.length,
  wordsPerSec: rows.reduce((s, r) => s + r.wordsPerSec, 0) / rows.length,
  wordsPerCpuSec: rows.reduce((s, r) => s + r.wordsPerCpuSec!, 0) / rows.length,
});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);

for (const mode of modes) {
  const rows: Row[] = [];
  let last: Word2Vec | null = null;
  let cosmulScore = 0, counted = '';
  for (const seed of seeds) {
    const w2v = new Word2Vec({ mode, vectorSize: 100, window: 5, negative: 5, minCount: 5, sample: 1e-3, epochs: Number(values.epochs), seed, workers });
    w2v.buildVocab(corpus);
    // CPU time as well as wall time: on a machine shared with other jobs, CPU seconds are what compare.
    const cpu0 = process.cpuUsage();
    w2v.train(corpus);
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const kv = w2v.wv!;
    const t = w2v.lastTrain!;
    const analogy = evaluateWordAnalogies(kv, readFileSync(files.questions, 'utf8'), { restrictVocab: 30000 });
    const cosmul = evaluateWordAnalogies(kv, readFileSync(files.questions, 'utf8'), { restrictVocab: 30000, method: '3cosmul' });
    const ws = evaluateWordPairs(kv, readFileSync(files.wordsim, 'utf8'));
    const sl = evaluateWordPairs(kv, readFileSync(files.simlex, 'utf8'));
    const row: Row = { analogy: analogy.score, wordsim353: ws.spearman, simlex999: sl.spearman, wordsPerSec: t.wordsPerSec, wordsPerCpuSec: (t.words * w2v.params.epochs) / cpuSeconds };
    console.log(`${mode} seed ${seed}: ${fmt(row)}; 3CosMul analogy ${(100 * cosmul.score).toFixed(2)}%`);
    rows.push(row);
    cosmulScore += cosmul.score / seeds.length;
    counted = `questions counted ${analogy.correct + analogy.incorrect}, skipped ${analogy.skipped}; pairs ${ws.pairs} and ${sl.pairs}`;
    last = w2v;
  }
  const mine = mean(rows);
  const kv = last!.wv!;
  const g = mode === 'skipgram' ? ref.skipgram1Worker.mean : ref.cbow1Worker.mean;
  console.log(`\n${mode}: vocabulary ${kv.size} words; ${counted}`);
  console.log(`  knobs (${workers} thread${workers > 1 ? 's' : ''})    ${fmt(mine)}   mean of ${seeds.length} seed(s)`);
  console.log(`  gensim (1 worker)    ${fmt(g)}   mean of ${(mode === 'skipgram' ? ref.skipgram1Worker : ref.cbow1Worker).runs.length} seeds`);
  if (mode === 'skipgram') console.log(`  gensim (2 workers)   ${fmt(ref.skipgram2Workers.mean)}`);
  console.log(`  knobs 3CosMul analogy ${(100 * cosmulScore).toFixed(2)}%`);
  console.log(`  speed: ${(mine.wordsPerSec / g.wordsPerSec).toFixed(2)}× gensim 1 worker (wall), ${g.wordsPerCpuSec ? (mine.wordsPerCpuSec! / g.wordsPerCpuSec).toFixed(2) : '?'}× per CPU second`);
  for (const w of ['war', 'congress', 'freedom']) if (kv.has(w)) console.log(`  near ${w}: ${kv.mostSimilar(w, 6).map(([x]) => x).join(', ')}`);
  if (['king', 'man', 'woman'].every((w) => kv.has(w))) console.log(`  king − man + woman: ${kv.analogy({ positive: ['king', 'woman'], negative: ['man'], topn: 5 }).map(([x]) => x).join(', ')}`);
}
