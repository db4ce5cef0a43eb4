/**
 * The memory-network page: a worker (memnet-worker.ts) trains nn.MemN2N on generated bAbI stories
 * and answers the story and question typed here; this thread only sends text and draws the answer
 * with each hop's attention over the story's sentences.
 */
import type { FromWorker, ToWorker } from './memnet-worker.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

type State = 'loading' | 'ready' | 'training' | 'trained' | 'error';
/** What the page shows, for people and for the browser test (window.knobsMemnet). */
const view = {
  state: 'loading' as State,
  epochs: [] as { epoch: number; loss: number; accuracy: number; valAccuracy: number }[],
  answer: null as null | { answer: string; confidence: number; hops: number[][]; sentences: string[] },
  asked: 0,
  error: '',
};
(window as unknown as { knobsMemnet: typeof view }).knobsMemnet = view;

const worker = new Worker(new URL('./memnet-worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);
let trained = false;
let pending: string[] = [];

function setState(s: State, text: string, isError = false): void {
  view.state = s;
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  $<HTMLButtonElement>('train').disabled = s === 'loading' || s === 'training';
  $<HTMLButtonElement>('stop').disabled = s !== 'training';
  $<HTMLButtonElement>('ask').disabled = !trained || s === 'training';
}

/** Sentences of the story box: one per line or per full stop. */
function sentences(text: string): string[] {
  return text.split(/(?<=[.?!])\s+|\n+/).map((s) => s.trim()).filter(Boolean);
}

function drawAnswer(): void {
  const a = view.answer!;
  $('answer').innerHTML = '';
  const b = document.createElement('b');
  b.textContent = a.answer;
  $('answer').append('Answer: ', b, ` (${(a.confidence * 100).toFixed(0)}% among the answer words)`);
  const table = $<HTMLTableElement>('weights');
  table.innerHTML = '';
  const head = table.insertRow();
  head.append(...['sentence', ...a.hops.map((_, k) => `hop ${k + 1}`)].map((t) => Object.assign(document.createElement('th'), { textContent: t })));
  a.sentences.forEach((s, i) => {
    const row = table.insertRow();
    row.insertCell().textContent = s;
    for (const hop of a.hops) {
      const cell = row.insertCell();
      cell.className = 'w';
      cell.title = hop[i].toFixed(3);
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${Math.round(hop[i] * 100)}%`;
      cell.append(bar, hop[i].toFixed(2));
    }
  });
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'ready') setState('ready', 'Ready: choose a task and train.');
  else if (m.type === 'epoch') {
    view.epochs.push(m);
    const line = document.createElement('div');
    line.textContent = `epoch ${m.epoch}: loss ${m.loss.toFixed(3)}, train accuracy ${(m.accuracy * 100).toFixed(1)}%, validation ${(m.valAccuracy * 100).toFixed(1)}%`;
    $('log').prepend(line);
    setState('training', `Training… epoch ${m.epoch}`);
  } else if (m.type === 'trained') {
    trained = true;
    const last = view.epochs.at(-1);
    setState('trained', `${m.aborted ? 'Stopped' : 'Trained'} in ${m.seconds.toFixed(1)} s${last ? `, validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%` : ''}. Words it knows: ${m.vocab.slice(1).join(' ')}`);
  } else if (m.type === 'answer') {
    view.answer = { ...m, sentences: pending };
    view.asked++;
    drawAnswer();
  } else {
    view.error = m.message;
    if (view.state === 'training' || view.state === 'loading') setState('error', m.message, true);
    else {
      $('answer').textContent = m.message;
      $('answer').className = 'error';
    }
  }
};
worker.onerror = (e) => setState('error', `worker failed: ${e.message}`, true);

$('train').onclick = () => {
  view.epochs = [];
  $('log').textContent = '';
  setState('training', 'Generating stories and training…');
  send({ type: 'train', task: Number($<HTMLSelectElement>('task').value) as 1 | 6, hops: Number($<HTMLInputElement>('hops').value), epochs: Number($<HTMLInputElement>('epochs').value), seed: 1 });
};
$('stop').onclick = () => send({ type: 'stop' });
$('ask').onclick = () => {
  pending = sentences($<HTMLTextAreaElement>('story').value);
  $('answer').className = '';
  send({ type: 'ask', story: pending, question: $<HTMLInputElement>('question').value });
};
$('task').onchange = () => {
  $<HTMLInputElement>('question').value = $<HTMLSelectElement>('task').value === '6' ? 'Is Mary in the office?' : 'Where is Mary?';
};
