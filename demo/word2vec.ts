/**
 * The word2vec page: the worker (word2vec-worker.ts) fetches Moby-Dick, trains and answers every
 * query; this thread only reads the controls and draws lists and one small SVG, so it has no
 * long task whatever the corpus size.
 */
import * as Comlink from 'comlink';
import type { Similar } from '../ts/text/index.js';
import type { TrainReport, Word2VecWorkerApi } from './word2vec-worker.js';
import { compileWasm } from './compile-wasm.js';
import { formatInt } from './format.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => $<HTMLInputElement>(id).value.trim();

type PageState = 'loading' | 'ready' | 'training' | 'trained' | 'error';
/** What the page shows, for people (status line) and for the browser test (window.knobsWord2Vec). */
const page = {
  state: 'loading' as PageState,
  error: '',
  report: null as TrainReport | null,
  trainStartedAt: NaN,
  trainEndedAt: NaN,
  answers: null as Similar | null,
  nearest: null as Similar | null,
  projection: null as null | { words: string[]; missing: string[]; points: [number, number][]; explained: [number, number] },
  queryError: '',
};
(window as unknown as { knobsWord2Vec: typeof page }).knobsWord2Vec = page;

function setState(s: PageState, text: string, isError = false): void {
  page.state = s;
  document.body.dataset.state = s;
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  $<HTMLButtonElement>('train').disabled = s === 'loading' || s === 'training';
  for (const id of ['ask', 'near', 'project']) $<HTMLButtonElement>(id).disabled = s !== 'trained';
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));


const worker = Comlink.wrap<Word2VecWorkerApi>(new Worker(new URL('./word2vec-worker.ts', import.meta.url), { type: 'module' }));
let wasm: WebAssembly.Module;

function showList(id: string, list: Similar): void {
  $(id).replaceChildren(
    ...list.map(([w, s]) => {
      const li = document.createElement('li');
      li.textContent = w;
      const score = document.createElement('span');
      score.textContent = s.toFixed(3);
      li.append(score);
      return li;
    }),
  );
}

function showError(id: string, e: unknown): void {
  page.queryError = message(e);
  const li = document.createElement('li');
  li.className = 'error';
  li.textContent = page.queryError;
  $(id).replaceChildren(li);
}

async function train(): Promise<void> {
  const int = (id: string) => Number(value(id));
  const options = {
    mode: value('mode') as 'skipgram' | 'cbow',
    vectorSize: int('vectorSize'),
    window: int('window'),
    epochs: int('epochs'),
    minCount: int('minCount'),
    seed: int('seed'),
  };
  setState('training', `Training ${options.mode}, ${options.epochs} epochs…`);
  page.trainStartedAt = performance.now();
  try {
    const r = await worker.train(new URL('text/moby-dick.txt', document.baseURI).href, wasm, options);
    page.trainEndedAt = performance.now();
    page.report = r;
    setState(
      'trained',
      `Trained on ${formatInt(r.words)} words × ${options.epochs} epochs (${formatInt(r.sentences)} sentences, ` +
        `${formatInt(r.vocabSize)} words in the vocabulary) in ${r.seconds.toFixed(1)} s: ${formatInt(r.wordsPerSec)} words/s.`,
    );
    await Promise.all([ask(), near(), project()]);
  } catch (e) {
    page.error = message(e);
    setState('error', `Training failed: ${page.error}`, true);
  }
}

async function ask(): Promise<void> {
  try {
    page.answers = await worker.analogy(value('a').toLowerCase(), value('b').toLowerCase(), value('c').toLowerCase(), value('method') as '3cosadd' | '3cosmul', 10);
    showList('answers', page.answers);
  } catch (e) {
    showError('answers', e);
  }
}

async function near(): Promise<void> {
  try {
    page.nearest = await worker.nearest(value('word').toLowerCase(), 10);
    showList('nearest', page.nearest);
  } catch (e) {
    showError('nearest', e);
  }
}

async function project(): Promise<void> {
  const words = [...new Set(value('words').toLowerCase().split(/[\s,]+/).filter(Boolean))];
  const p = await worker.project(words);
  page.projection = p;
  const svg = $('plot');
  // Room on the right for the labels, which start at the dot.
  const W = 400, H = 300, pad = 20, right = 90;
  const xs = p.points.map((q) => q[0]), ys = p.points.map((q) => q[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (W - pad - right);
  const sy = (y: number) => H - pad - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  const ns = 'http://www.w3.org/2000/svg';
  svg.replaceChildren(
    ...p.points.flatMap(([x, y], i) => {
      const dot = document.createElementNS(ns, 'circle');
      dot.setAttribute('cx', sx(x).toFixed(1));
      dot.setAttribute('cy', sy(y).toFixed(1));
      dot.setAttribute('r', '3');
      const label = document.createElementNS(ns, 'text');
      label.setAttribute('x', (sx(x) + 5).toFixed(1));
      label.setAttribute('y', (sy(y) + 4).toFixed(1));
      label.textContent = p.words[i];
      return [dot, label];
    }),
  );
  const pct = (f: number) => `${(100 * f).toFixed(0)}%`;
  $('plotNote').textContent =
    `Unit vectors of the words on their first two principal axes (${pct(p.explained[0])} and ${pct(p.explained[1])} of their variance).` +
    (p.missing.length ? ` Not in the vocabulary: ${p.missing.join(', ')}.` : '');
}

$('train').addEventListener('click', () => void train());
$('ask').addEventListener('click', () => void ask());
$('near').addEventListener('click', () => void near());
$('project').addEventListener('click', () => void project().catch((e) => ($('plotNote').textContent = message(e))));
for (const [input, run] of [['a', ask], ['b', ask], ['c', ask], ['word', near], ['words', project]] as const)
  $(input).addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && page.state === 'trained') void run();
  });

compileWasm().then(
  (m) => {
    wasm = m;
    setState('ready', 'Ready: press Train (Moby-Dick, about 190,000 words).');
  },
  (e) => {
    page.error = message(e);
    setState('error', `Could not load the wasm module: ${page.error}`, true);
  },
);
