/**
 * The demo page: MNIST trains in a worker (trainInWorker reads the IDX files there), and this thread
 * only draws — the chart, the worker's predictions for a few test digits (its `probe`), and the first
 * layer's weights as images. No model work runs here: progress handlers only store what arrived,
 * and one drawing pass per animation frame shows the latest of it, so the page stays responsive
 * however fast reports come.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { MNIST_FILES } from '../ts/index.js';
import { trainInWorker, type TrainProgress, type TrainResult } from '../ts/worker/index.js';
import { parseIdx } from '../ts/data/idx.js';
import type { ModelSpec } from '../ts/nn/spec.js';
import type { StateDict } from '../ts/nn/module.js';

const SHOWN = 16;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

type DemoState = 'loading' | 'ready' | 'training' | 'stopping' | 'stopped' | 'done' | 'error';
/** What the page is doing, for people (status line) and for the end-to-end test (window.knobsDemo). */
const demo = {
  state: 'loading' as DemoState,
  events: 0,
  /** [step, loss, accuracy, ms since the worker started] of every batch report. */
  points: [] as [number, number, number, number][],
  /** [epoch, test accuracy] after every epoch. */
  val: [] as [number, number][],
  trainStartedAt: NaN,
  trainEndedAt: NaN,
  predictionsUpdated: 0,
  /** Longest time this thread spent handling one progress report (chart, predictions, weights). */
  maxProgressMs: 0,
  /** Longest drawing pass (one per animation frame at most). */
  maxDrawMs: 0,
  result: null as null | { aborted: boolean; steps: number; epochs: number },
  error: '',
};
(window as unknown as { knobsDemo: typeof demo }).knobsDemo = demo;

function setState(s: DemoState, text: string, isError = false): void {
  demo.state = s;
  document.body.dataset.state = s;
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  $<HTMLButtonElement>('start').disabled = s === 'loading' || s === 'training' || s === 'stopping';
  $<HTMLButtonElement>('stop').disabled = s !== 'training';
}

const mnistUrl = (name: string) => new URL(`mnist/${name}`, document.baseURI).href;

async function fetchBytes(name: string): Promise<Uint8Array> {
  const res = await fetch(mnistUrl(name));
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status} — ${(await res.text()).trim()}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Compiled here (asynchronously, off the main thread) and handed to the worker, which then skips the fetch. */
async function compileWasm(): Promise<WebAssembly.Module> {
  const url = new URL('../wasm-pkg/knobs_core_bg.wasm', import.meta.url);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server that does not send application/wasm: compile from the bytes instead.
    return WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  }
}

// ---------- test digits ----------
interface Shown {
  x: Float32Array;
  labels: number[];
}

function drawDigits(images: Uint8Array, labels: number[]): HTMLElement[] {
  const box = $('digits');
  box.replaceChildren();
  const cells: HTMLElement[] = [];
  for (let i = 0; i < labels.length; i++) {
    const cell = document.createElement('div');
    cell.className = 'digit';
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = images[i * 784 + p];
      img.data.set([v, v, v, 255], p * 4);
    }
    ctx.putImageData(img, 0, 0);
    const label = document.createElement('span');
    label.textContent = `label ${labels[i]}`;
    cell.append(c, label);
    box.append(cell);
    cells.push(cell);
  }
  return cells;
}

// ---------- first-layer weights ----------
function drawWeights(w: StateDict[string]): void {
  const [inputs, units] = w.shape;
  if (inputs !== 784) return;
  const cols = 8, rows = Math.ceil(units / cols), tile = 28, gap = 2;
  const canvas = $<HTMLCanvasElement>('weights');
  const width = cols * (tile + gap) - gap, height = rows * (tile + gap) - gap;
  if (canvas.width !== width || canvas.height !== height) (canvas.width = width), (canvas.height = height);
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  img.data.fill(255);
  for (let u = 0; u < units; u++) {
    // Column u of W [784, units] is unit u's receptive field; scaled per unit so each is visible.
    let max = 1e-8;
    for (let p = 0; p < 784; p++) max = Math.max(max, Math.abs(w.data[p * units + u]));
    const ox = (u % cols) * (tile + gap), oy = Math.floor(u / cols) * (tile + gap);
    for (let p = 0; p < 784; p++) {
      const v = w.data[p * units + u] / max;
      const o = ((oy + Math.floor(p / 28)) * width + ox + (p % 28)) * 4;
      const a = Math.round(255 * (1 - Math.abs(v)));
      img.data[o] = v > 0 ? 255 : a;
      img.data[o + 1] = a;
      img.data[o + 2] = v < 0 ? 255 : a;
    }
  }
  ctx.putImageData(img, 0, 0);
}

// ---------- chart ----------
function makeChart(): uPlot {
  const el = $('chart');
  const opts: uPlot.Options = {
    width: Math.max(320, el.clientWidth),
    height: 300,
    scales: { x: { time: false }, loss: { range: (_u, _min, max) => [0, Math.max(0.5, max)] }, acc: { range: [0, 1] } },
    axes: [
      { label: 'step' },
      { scale: 'loss', label: 'loss' },
      { scale: 'acc', side: 1, label: 'accuracy', grid: { show: false } },
    ],
    series: [
      { label: 'step' },
      { label: 'train loss', scale: 'loss', stroke: '#c4320a', width: 1.5, spanGaps: true, points: { show: false } },
      { label: 'train accuracy', scale: 'acc', stroke: '#2563eb', width: 1.5, spanGaps: true, points: { show: false } },
      { label: 'test accuracy', scale: 'acc', stroke: '#12805c', width: 2, spanGaps: true, points: { show: true, size: 7 } },
    ],
  };
  const chart = new uPlot(opts, [[], [], [], []], el);
  new ResizeObserver(() => chart.setSize({ width: Math.max(320, el.clientWidth), height: 300 })).observe(el);
  return chart;
}

// ---------- main-thread responsiveness readout ----------
function watchFrames(): void {
  let frames = 0, last = performance.now();
  const tick = (t: number) => {
    frames++;
    if (t - last >= 1000) {
      $('s-fps').textContent = String(Math.round((frames * 1000) / (t - last)));
      frames = 0;
      last = t;
      const tasks = (window as unknown as { knobsLongTasks: { start: number; duration: number }[] | null }).knobsLongTasks;
      if (tasks && Number.isFinite(demo.trainStartedAt)) {
        const end = Number.isFinite(demo.trainEndedAt) ? demo.trainEndedAt : Infinity;
        const during = tasks.filter((e) => e.start >= demo.trainStartedAt && e.start <= end);
        $('s-long').textContent = during.length ? `${during.length} (longest ${Math.round(Math.max(...during.map((e) => e.duration)))} ms)` : 'none';
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function main(): Promise<void> {
  setState('loading', 'Loading the wasm core and the test digits…');
  watchFrames();
  const [wasm, testImages, testLabels] = await Promise.all([compileWasm(), fetchBytes(MNIST_FILES.testImages), fetchBytes(MNIST_FILES.testLabels)]);
  // parseIdx only checks the header and views the bytes: no conversion of 10 000 images here.
  const images = parseIdx(testImages), labels = parseIdx(testLabels);
  const pick = images.data.subarray(0, SHOWN * 784) as Uint8Array;
  const shown: Shown = { x: Float32Array.from(pick, (v) => v / 255), labels: Array.from(labels.data.subarray(0, SHOWN)) };
  const cells = drawDigits(pick, shown.labels);
  const chart = makeChart();
  const data: (number | null)[][] = [[], [], [], []];
  let controller: AbortController | null = null;
  let batchSize = 0;

  /** What arrived since the last frame; drawn by one pass per animation frame. */
  const pending = { chart: false, probe: null as Float32Array | null, weights: null as StateDict | null, stats: null as null | (() => void) };
  let frameRequested = false;
  function schedule(): void {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(draw);
  }
  function draw(): void {
    const t0 = performance.now();
    frameRequested = false;
    pending.stats?.();
    if (pending.chart) chart.setData(data as uPlot.AlignedData);
    if (pending.probe) showPredictions(pending.probe);
    if (pending.weights) drawWeights(pending.weights['0.weight']);
    pending.chart = false;
    pending.probe = null;
    pending.weights = null;
    pending.stats = null;
    const ms = performance.now() - t0;
    demo.maxDrawMs = Math.max(demo.maxDrawMs, ms);
  }

  /** Logits [SHOWN, 10] from the worker's probe → labels under the digits. */
  function showPredictions(logits: Float32Array): void {
    for (let i = 0; i < SHOWN; i++) {
      const row = logits.subarray(i * 10, i * 10 + 10);
      let best = 0;
      for (let c = 1; c < 10; c++) if (row[c] > row[best]) best = c;
      let z = 0;
      for (let c = 0; c < 10; c++) z += Math.exp(row[c] - row[best]);
      const ok = best === shown.labels[i];
      cells[i].className = `digit ${ok ? 'ok' : 'bad'}`;
      cells[i].querySelector('span')!.textContent = `${best} · ${Math.round(100 / z)}%`;
    }
    demo.predictionsUpdated++;
  }

  function onProgress(p: TrainProgress): void {
    const t0 = performance.now();
    try {
      handleProgress(p);
    } finally {
      const ms = performance.now() - t0;
      demo.maxProgressMs = Math.max(demo.maxProgressMs, ms);
    }
  }

  /** Stores the report and asks for a frame; all DOM and canvas work happens in draw(). */
  function handleProgress(p: TrainProgress): void {
    demo.events++;
    if (p.type === 'batch') {
      demo.points.push([p.step, p.logs.loss, p.logs.accuracy ?? NaN, p.elapsedMs]);
      data[0].push(p.step), data[1].push(p.logs.loss), data[2].push(p.logs.accuracy ?? null), data[3].push(null);
    } else {
      demo.val.push([p.epoch, p.logs.val_accuracy ?? NaN]);
      data[0].push(p.step), data[1].push(null), data[2].push(null), data[3].push(p.logs.val_accuracy ?? null);
    }
    pending.chart = true;
    if (p.probe) pending.probe = p.probe.data;
    if (p.weights) pending.weights = p.weights;
    pending.stats = () => {
      $('s-epoch').textContent = `${p.epoch + 1} / ${p.epochs}`;
      $('s-step').textContent = String(p.step);
      if (p.type === 'batch') {
        $('s-acc').textContent = (p.logs.accuracy ?? NaN).toFixed(3);
        $('s-rate').textContent = Math.round((p.step * batchSize) / (p.elapsedMs / 1000)).toLocaleString('en');
        if (demo.state === 'training') setState('training', `Training in the worker: epoch ${p.epoch + 1} of ${p.epochs}, batch ${p.batch} of ${p.batches}`);
      } else {
        $('s-val').textContent = (p.logs.val_accuracy ?? NaN).toFixed(4);
      }
    };
    schedule();
  }

  async function start(): Promise<void> {
    const hidden = Number($<HTMLSelectElement>('hidden').value);
    const epochs = Math.max(1, Math.round(Number($<HTMLInputElement>('epochs').value)));
    batchSize = Math.max(1, Math.round(Number($<HTMLInputElement>('batch').value)));
    const lr = Number($<HTMLInputElement>('lr').value);
    const spec: ModelSpec = {
      format: 'knobs.module',
      version: 2,
      root: {
        type: 'Sequential',
        config: {},
        children: [
          { name: '0', type: 'Linear', config: { inFeatures: 784, outFeatures: hidden, bias: true } },
          { name: '1', type: 'ReLU', config: {} },
          { name: '2', type: 'Linear', config: { inFeatures: hidden, outFeatures: 10, bias: true } },
        ],
      },
    };
    for (const a of data) a.length = 0;
    demo.points.length = demo.val.length = 0;
    demo.events = 0;
    demo.maxProgressMs = demo.maxDrawMs = 0;
    demo.result = null;
    chart.setData(data as uPlot.AlignedData);
    controller = new AbortController();
    demo.trainStartedAt = performance.now();
    demo.trainEndedAt = NaN;
    setState('training', 'Starting the worker; it fetches and converts the 60 000 training images itself…');
    let result: TrainResult;
    try {
      result = await trainInWorker(
        spec,
        { images: mnistUrl(MNIST_FILES.trainImages), labels: mnistUrl(MNIST_FILES.trainLabels) },
        {
          epochs,
          batchSize,
          seed: 1,
          optimizer: { type: 'Adam', lr },
          validation: { images: mnistUrl(MNIST_FILES.testImages), labels: mnistUrl(MNIST_FILES.testLabels) },
          progressEveryMs: 50,
          weightsEveryMs: 250,
          probe: { x: { data: shown.x, shape: [SHOWN, 784] } },
          wasm,
          signal: controller.signal,
        },
        onProgress,
      );
    } catch (e) {
      demo.trainEndedAt = performance.now();
      demo.error = (e as Error).message;
      setState('error', `Training failed: ${(e as Error).message}`, true);
      return;
    }
    demo.trainEndedAt = performance.now();
    if (result.probe) pending.probe = result.probe.data;
    pending.weights = result.weights;
    schedule();
    demo.result = { aborted: result.aborted, steps: result.steps, epochs: result.history.epoch.length };
    const acc = result.history.history.val_accuracy?.at(-1);
    const accText = acc === undefined ? 'no epoch completed yet' : `test accuracy ${acc.toFixed(4)} after epoch ${result.history.epoch.length}`;
    if (result.aborted) setState('stopped', `Stopped after ${result.steps} steps (${accText}); predictions use the weights at the stop.`);
    else setState('done', `Done: ${accText}, ${result.steps} steps.`);
  }

  $('start').addEventListener('click', () => void start());
  $('stop').addEventListener('click', () => {
    setState('stopping', 'Stopping after the current batch…');
    controller?.abort();
  });
  setState('ready', 'Ready. Start trains a 784-hidden-10 MLP with Adam on the 60 000 training images; the test set is scored after each epoch.');
}

main().catch((e: Error) => {
  demo.error = e.message;
  setState('error', `Could not start: ${e.message}`, true);
});
