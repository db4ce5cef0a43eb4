/**
 * word2vec speed and quality: knobs on one thread and Hogwild on its thread pool, beside gensim
 * 4.4.0 with 1 and 2 workers, in one session on the State of the Union corpus (dim 100, window 5,
 * negative 5, min count 5, sample 1e-3, 5 epochs; seed 1). gensim runs from a Python that has it
 * (scripts/gensim-word2vec-reference.py --bench); knobs never needs Python.
 *
 *   bash scripts/fetch-data.sh gensim sotu
 *   node --import tsx bench/word2vec.ts [--mode skipgram|cbow] [--threads 2] [--python /path/to/python] [--quick]
 *
 * --quick: 1 epoch on the first 200k words, no gensim (a smoke run: the rows exist and run).
 * Prints words/s (wall), words per CPU second (the process's user+system time over all its
 * threads: on a shared machine the fairer figure) and the load average around each run, and
 * writes bench/results/word2vec.{json,md} (word2vec-quick.* with --quick).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getNumThreads, init } from '../ts/index.js';
import { dataDir as data, root, word2vecFiles } from '../examples/word2vec-shared.js';
import { evaluateWordAnalogies, evaluateWordPairs, sentences, Word2Vec } from '../ts/text/index.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'skipgram' },
    threads: { type: 'string', default: '2' },
    python: { type: 'string', default: '/work/wt/venv-w2v/bin/python' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick!;
const mode = values.mode as 'skipgram' | 'cbow';
const files = word2vecFiles('bench/word2vec');

await init({ threads: Number(values.threads) });
const pool = getNumThreads();
// The reference script's corpus rule: each address cut at . ! ?, lowercased, runs of a–z.
let corpus = readFileSync(files.corpus, 'utf8').split('\n').flatMap((line) => sentences(line, { letters: 'ascii' }));
if (quick) {
  let words = 0;
  corpus = corpus.filter((s) => (words += s.length) <= 200_000);
}
const words = corpus.reduce((s, x) => s + x.length, 0);
const epochs = quick ? 1 : 5;
const load = () => Number(loadavg()[0].toFixed(2));

interface Row {
  lib: string; threads: number; seconds: number; wordsPerSec: number; cpuSeconds: number; wordsPerCpuSec: number;
  analogy: number; wordsim353: number; simlex999: number; loadBefore: number; loadAfter: number; note?: string;
}
const rows: Row[] = [];

function knobs(workers: number): Row {
  const loadBefore = load();
  const w2v = new Word2Vec({ mode, vectorSize: 100, window: 5, negative: 5, minCount: 5, sample: 1e-3, epochs, seed: 1, workers });
  w2v.buildVocab(corpus);
  const cpu0 = process.cpuUsage();
  w2v.train(corpus);
  const cpu = process.cpuUsage(cpu0);
  const t = w2v.lastTrain!;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const kv = w2v.wv!;
  return {
    lib: workers > 1 ? 'knobs Hogwild pool' : 'knobs', threads: t.threads, seconds: t.seconds, wordsPerSec: t.wordsPerSec, cpuSeconds,
    wordsPerCpuSec: (words * epochs) / cpuSeconds,
    analogy: evaluateWordAnalogies(kv, readFileSync(files.questions, 'utf8'), { restrictVocab: 30000 }).score,
    wordsim353: evaluateWordPairs(kv, readFileSync(files.wordsim, 'utf8')).spearman,
    simlex999: evaluateWordPairs(kv, readFileSync(files.simlex, 'utf8')).spearman,
    loadBefore, loadAfter: load(),
    note: workers > 1 ? `words per thread: ${t.wordsPerThread.join(' / ')}` : undefined,
  };
}

function gensim(workers: number): Row | null {
  if (quick || !existsSync(values.python!)) return null;
  const out = execFileSync(values.python!, [join(root, 'scripts/gensim-word2vec-reference.py'), '--data', data, '--bench', `${mode === 'skipgram' ? 1 : 0}:${workers}`], {
    env: { ...process.env, PYTHONHASHSEED: '0' },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = out.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`gensim printed no BENCH line:\n${out}`);
  const r = JSON.parse(line.slice(6));
  return {
    lib: 'gensim 4.4.0', threads: workers, seconds: r.seconds, wordsPerSec: r.wordsPerSec, cpuSeconds: r.cpuSeconds, wordsPerCpuSec: r.wordsPerCpuSec,
    analogy: r.analogy, wordsim353: r.wordsim353, simlex999: r.simlex999, loadBefore: r.loadBefore, loadAfter: r.loadAfter,
  };
}

const fmt = (r: Row) =>
  `| ${r.lib} | ${r.threads} | ${Math.round(r.wordsPerSec / 1000)}k | ${Math.round(r.wordsPerCpuSec / 1000)}k | ${(100 * r.analogy).toFixed(2)}% | ${r.wordsim353.toFixed(3)} | ${r.simlex999.toFixed(3)} | ${r.loadBefore} → ${r.loadAfter} |${r.note ? ` ${r.note}` : ''}`;
const head = '| library | threads | words/s | words/CPU s | analogy | WordSim-353 | SimLex-999 | load avg | \n|---|---|---|---|---|---|---|---|';
console.log(`word2vec ${mode}: ${corpus.length} sentences, ${words} words × ${epochs} epochs; knobs pool ${pool} thread(s)\n${head}`);
// Interleaved, so a change of the machine's load during the session falls on both libraries.
for (const run of [() => gensim(1), () => knobs(1), () => gensim(2), () => knobs(pool)]) {
  const r = run();
  if (r) {
    rows.push(r);
    console.log(fmt(r));
  }
}
const out = join(root, 'bench/results');
mkdirSync(out, { recursive: true });
const name = quick ? 'word2vec-quick' : 'word2vec';
const meta = { date: new Date().toISOString(), mode, words, epochs, node: process.version, cores: (await import('node:os')).cpus().length };
writeFileSync(join(out, `${name}.json`), JSON.stringify({ ...meta, rows }, null, 1) + '\n');
writeFileSync(join(out, `${name}.md`), `# word2vec ${mode} (${meta.date})\n\n${words} words × ${epochs} epochs, ${meta.cores} cores shared with other jobs (load average beside each run).\n\n${head}\n${rows.map(fmt).join('\n')}\n`);
