/**
 * The text page: a character LSTM trains on Moby Dick in a worker (demo/text-worker.ts) and
 * streams samples; the temperature slider changes how the next samples are drawn. This thread
 * only handles clicks and appends text.
 */
import type { FromPage, ToPage } from './text-protocol.js';
import { formatInt } from './format.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the page is doing, for people (status line) and for the browser test (window.knobsText). */
const demo = {
  state: 'loading' as 'loading' | 'ready' | 'training' | 'stopped' | 'error',
  error: '',
  samples: [] as { step: number; temperature: number; text: string }[],
  perplexity: [] as [step: number, perplexity: number][],
  startedAt: 0,
  endedAt: 0,
};
(window as unknown as { knobsText: typeof demo }).knobsText = demo;

let worker: Worker | null = null;
const status = (s: string, error = false) => {
  $('status').textContent = s;
  $('status').classList.toggle('error', error);
};
const send = (m: FromPage) => worker?.postMessage(m);
const temperature = () => Number($<HTMLInputElement>('temperature').value);

function onMessage(m: ToPage): void {
  if (m.type === 'ready') status(`Training on ${formatInt(m.chars)} characters (${m.vocab} distinct)…`);
  else if (m.type === 'progress') {
    demo.perplexity.push([m.step, m.perplexity]);
    status(`epoch ${m.epoch} · window ${m.step} · perplexity ${m.perplexity.toFixed(2)} per character`);
  } else if (m.type === 'sample') {
    demo.samples.push({ step: m.step, temperature: m.temperature, text: m.text });
    const div = document.createElement('div');
    div.className = 'sample';
    const meta = document.createElement('div');
    meta.className = 'meta';
    meta.textContent = `after ${m.step} windows · temperature ${m.temperature.toFixed(2)}`;
    const pre = document.createElement('pre');
    pre.textContent = `The ${m.text}`;
    div.append(meta, pre);
    $('samples').prepend(div);
    // Old samples go: the page stays small however long it trains.
    while ($('samples').childElementCount > 30) $('samples').lastElementChild!.remove();
  } else if (m.type === 'stopped') {
    demo.state = 'stopped';
    demo.endedAt = performance.now();
    status(`Stopped after ${m.step} windows.`);
    finish();
  } else {
    demo.state = 'error';
    demo.error = m.message;
    demo.endedAt = performance.now();
    status(m.message, true);
    finish();
  }
}

function finish(): void {
  worker?.terminate();
  worker = null;
  $<HTMLButtonElement>('start').disabled = false;
  $<HTMLButtonElement>('stop').disabled = true;
}

$('start').addEventListener('click', () => {
  worker = new Worker(new URL('./text-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<ToPage>) => onMessage(e.data);
  worker.onerror = (e) => onMessage({ type: 'error', message: e.message || 'the worker failed to load' });
  demo.state = 'training';
  demo.samples = [];
  demo.perplexity = [];
  demo.startedAt = performance.now();
  $('samples').replaceChildren();
  $<HTMLButtonElement>('start').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  status('Starting the worker…');
  send({
    type: 'start',
    textUrl: new URL('text/moby-dick.txt', location.href).href,
    chars: 100_000,
    hidden: Number($<HTMLSelectElement>('hidden').value),
    seed: 1,
    temperature: temperature(),
    sampleEvery: 20,
    sampleLength: 160,
  });
});
$('stop').addEventListener('click', () => {
  $<HTMLButtonElement>('stop').disabled = true;
  send({ type: 'stop' });
});
$('temperature').addEventListener('input', () => {
  $('temp-value').textContent = temperature().toFixed(2);
  send({ type: 'temperature', value: temperature() });
});

$('temp-value').textContent = temperature().toFixed(2);
demo.state = 'ready';
status('Ready. Start trains a character LSTM in a worker.');
$<HTMLButtonElement>('start').disabled = false;
