/**
 * The demo page: MNIST trains in a worker (trainInWorker reads the IDX files there), and this thread
 * only draws, with knobs/vis — the curves, the worker's predictions for test digits (its `probe`)
 * and their confusion matrix, the first layer's weights (MLP) or kernels and feature maps (CNN).
 * A drawn digit is predicted, and the model saved, by the same worker (predictInWorker,
 * saveModelInWorker). No model work runs here: progress handlers only store what arrived, and one
 * drawing pass per animation frame shows the latest of it, so the page stays responsive however
 * fast reports come.
 */
import 'uplot/dist/uPlot.min.css';
import { MNIST_FILES } from '../ts/index.js';
import { createTrainWorker, predictInWorker, saveModelInWorker, trainInWorker, type TrainProgress, type TrainResult, type TrainWorker } from '../ts/worker/index.js';
import { parseIdx } from '../ts/data/idx.js';
import { toBlobs } from '../ts/io/save.js';
import type { ModelSpec } from '../ts/nn/spec.js';
import type { ChildSpec } from '../ts/nn/registry.js';
import type { StateDict } from '../ts/nn/module.js';
import { TrainingCurves, drawConfusionMatrix, drawImageGrid } from '../ts/vis/index.js';
import { drawPad } from './draw.js';
import { compileWasm } from './compile-wasm.js';
import { formatInt } from './format.js';

/** Test digits shown with their predictions; the probe (and the confusion matrix) covers PROBED. */
const SHOWN = 16;
const PROBED = 256;
/** The CNN's first convolution and the ReLU after it, by their paths in the Sequential. */
const CONV = '0', CONV_RELU = '1';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

type Mode = 'mlp' | 'cnn';
type DemoState = 'loading' | 'ready' | 'training' | 'stopping' | 'stopped' | 'done' | 'error' | 'no-data';
/** What the page is doing, for people (status line) and for the end-to-end test (window.knobsDemo). */
const demo = {
  state: 'loading' as DemoState,
  mode: 'mlp' as Mode,
  events: 0,
  /** [step, loss, accuracy, ms since the worker started] of every batch report. */
  points: [] as [number, number, number, number][],
  /** [epoch, test accuracy] after every epoch. */
  val: [] as [number, number][],
  trainStartedAt: NaN,
  trainEndedAt: NaN,
  predictionsUpdated: 0,
  confusionUpdated: 0,
  weightsDrawn: 0,
  kernelsDrawn: 0,
  mapsDrawn: 0,
  /** The worker's answer for the drawn digit. */
  drawPrediction: null as null | { digit: number; probs: number[] },
  saved: null as null | { weightsBytes: number; json: string },
  /** Longest time this thread spent handling one progress report. */
  maxProgressMs: 0,
  /** Longest drawing pass (one per animation frame at most). */
  maxDrawMs: 0,
  result: null as null | { aborted: boolean; steps: number; epochs: number },
  error: '',
};
(window as unknown as { knobsDemo: typeof demo }).knobsDemo = demo;

function setState(s: DemoState, text: string | Node[], isError = false): void {
  demo.state = s;
  document.body.dataset.state = s;
  const el = $('status');
  if (typeof text === 'string') el.textContent = text;
  else el.replaceChildren(...text);
  el.classList.toggle('error', isError);
  const busy = s === 'training' || s === 'stopping';
  $<HTMLButtonElement>('start').disabled = s === 'loading' || s === 'no-data' || s === 'error' || busy;
  $<HTMLButtonElement>('stop').disabled = s !== 'training';
  $<HTMLSelectElement>('model').disabled = busy;
}

const mnistUrl = (name: string) => new URL(`mnist/${name}`, document.baseURI).href;

/** The MNIST files are not where the page looks: told once, plainly, with what to do. */
class MissingData extends Error {}

async function fetchIdx(name: string): Promise<Uint8Array> {
  const url = mnistUrl(name);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new MissingData(`cannot fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new MissingData(`${name} is not served at ${url} (HTTP ${res.status})`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  // A static host's fallback page comes back as 200 text/html: check the IDX magic, not the status.
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 8) throw new MissingData(`${url} is not an IDX file (the server answered ${res.headers.get('content-type') ?? 'something else'})`);
  return bytes;
}


function specFor(mode: Mode, hidden: number): ModelSpec {
  const children: ChildSpec[] =
    mode === 'mlp'
      ? [
          { name: '0', type: 'Linear', config: { inFeatures: 784, outFeatures: hidden, bias: true } },
          { name: '1', type: 'ReLU', config: {} },
          { name: '2', type: 'Linear', config: { inFeatures: hidden, outFeatures: 10, bias: true } },
        ]
      : [
          // 28 → 24 (5 × 5 kernels) → 12 (2 × 2 pooling): 8 maps of 12 × 12 into the classifier.
          { name: CONV, type: 'Conv2d', config: { inChannels: 1, outChannels: 8, kernelSize: [5, 5] } },
          { name: CONV_RELU, type: 'ReLU', config: {} },
          { name: '2', type: 'MaxPool2d', config: { kernelSize: [2, 2] } },
          { name: '3', type: 'Flatten', config: {} },
          { name: '4', type: 'Linear', config: { inFeatures: 8 * 12 * 12, outFeatures: 10, bias: true } },
        ];
  return { format: 'knobs.module', version: 2, root: { type: 'Sequential', config: {}, children } };
}

const sampleShape = (mode: Mode): number[] => (mode === 'cnn' ? [1, 28, 28] : [784]);

// ---------- test digits ----------
function drawDigits(images: Uint8Array, labels: number[]): HTMLElement[] {
  const box = $('digits');
  box.replaceChildren();
  return labels.map((label, i) => {
    const cell = document.createElement('div');
    cell.className = 'digit';
    const c = document.createElement('canvas');
    drawImageGrid(c, { data: images.subarray(i * 784, (i + 1) * 784), shape: [28, 28] }, { colormap: 'gray', range: 'tile', gap: 0 });
    const span = document.createElement('span');
    span.textContent = `label ${label}`;
    cell.append(c, span);
    box.append(cell);
    return cell;
  });
}

/** Argmax and softmax of each row of logits [n, 10]. */
function classify(logits: Float32Array, n: number): { best: number[]; probs: number[][] } {
  const best: number[] = [], probs: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    let b = 0;
    for (let c = 1; c < 10; c++) if (row[c] > row[b]) b = c;
    const e = Array.from(row, (v) => Math.exp(v - row[b]));
    const z = e.reduce((a, v) => a + v, 0);
    best.push(b);
    probs.push(e.map((v) => v / z));
  }
  return { best, probs };
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

function showMode(mode: Mode): void {
  demo.mode = mode;
  $('hidden-label').hidden = mode !== 'mlp';
  $('layer-title').textContent = mode === 'mlp' ? 'First layer · one image per hidden unit' : 'First convolution · kernels and feature maps';
}

async function main(): Promise<void> {
  setState('loading', 'Loading the wasm core and the test digits…');
  watchFrames();
  const curves = new TrainingCurves($('chart'), { height: 200, placeholder: 'The loss and accuracy curves appear here once training starts.' });
  showMode($<HTMLSelectElement>('model').value as Mode);
  $('model').addEventListener('change', () => showMode($<HTMLSelectElement>('model').value as Mode));

  let wasm: WebAssembly.Module, testImages: Uint8Array, testLabels: Uint8Array;
  try {
    [wasm, testImages, testLabels] = await Promise.all([compileWasm(), fetchIdx(MNIST_FILES.testImages), fetchIdx(MNIST_FILES.testLabels)]);
  } catch (e) {
    if (!(e instanceof MissingData)) throw e;
    const code = (t: string) => Object.assign(document.createElement('code'), { textContent: t });
    setState('no-data', [
      document.createTextNode(`The MNIST files are missing: ${e.message}. Run `), code('npm run setup:data'),
      document.createTextNode(' (it downloads them into .data/mnist, or set KNOBS_MNIST_DIR) and reload this page; a static host must serve them under '),
      code('mnist/'), document.createTextNode('.'),
    ], true);
    return;
  }
  // parseIdx only checks the header and views the bytes: no conversion of 10 000 images here.
  const images = parseIdx(testImages), labels = parseIdx(testLabels);
  const probeX = Float32Array.from(images.data.subarray(0, PROBED * 784) as Uint8Array, (v) => v / 255);
  const probeLabels = Array.from(labels.data.subarray(0, PROBED));
  const cells = drawDigits(images.data.subarray(0, SHOWN * 784) as Uint8Array, probeLabels.slice(0, SHOWN));
  $('cm-n').textContent = String(PROBED);
  drawImageGrid($('maps-input'), { data: probeX.subarray(0, 784), shape: [28, 28] }, { colormap: 'gray', range: 'fixed' });

  // One worker for the page: it trains, and between its batches predicts drawn digits and saves.
  const worker: TrainWorker = await createTrainWorker();
  let controller: AbortController | null = null;
  let batchSize = 0;
  /** The model as the worker last reported it: what a drawn digit is predicted with and what Save saves. */
  let current: { mode: Mode; spec: ModelSpec; weights: StateDict; extraState?: TrainResult['extraState'] } | null = null;

  /** What arrived since the last frame; drawn by one pass per animation frame. */
  const pending = { probe: null as Float32Array | null, weights: null as StateDict | null, maps: null as TrainProgress['probeOutputs'] | null, stats: null as null | (() => void) };
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
    pending.stats = null;
    // One panel per frame: the first frame of a training un-hides and lays out every panel at
    // once otherwise, which (with the curves drawn in the same frame) is the page's longest task.
    if (pending.probe) {
      showPredictions(pending.probe);
      pending.probe = null;
    } else if (pending.weights) {
      drawFirstLayer(pending.weights);
      pending.weights = null;
    } else if (pending.maps) {
      if (pending.maps[CONV_RELU]) {
        drawImageGrid($('maps'), pending.maps[CONV_RELU], { colormap: 'gray', columns: 8 });
        demo.mapsDrawn++;
      }
      pending.maps = null;
    }
    if (pending.probe || pending.weights || pending.maps) schedule();
    demo.maxDrawMs = Math.max(demo.maxDrawMs, performance.now() - t0);
  }

  function drawFirstLayer(w: StateDict): void {
    $('layer-placeholder').hidden = true;
    if (demo.mode === 'mlp') {
      const W = w['0.weight'];
      $('mlp-view').hidden = false;
      // W is [784, units]: unit u's image is column u (stride `units` between its pixels).
      drawImageGrid($('weights'), W, { count: W.shape[1], height: 28, width: 28, imageStride: 1, pixelStride: W.shape[1], columns: 8 });
      demo.weightsDrawn++;
    } else {
      $('cnn-view').hidden = false;
      drawImageGrid($('kernels'), w[`${CONV}.weight`], { columns: 8, gap: 1 });
      demo.kernelsDrawn++;
    }
  }

  /** Logits [PROBED, 10] from the worker's probe → labels under the digits and the confusion matrix. */
  function showPredictions(logits: Float32Array): void {
    const { best, probs } = classify(logits, PROBED);
    for (let i = 0; i < SHOWN; i++) {
      cells[i].className = `digit ${best[i] === probeLabels[i] ? 'ok' : 'bad'}`;
      // Short enough for a 40 px cell: "7·100%".
      cells[i].querySelector('span')!.textContent = `${best[i]}·${Math.round(100 * probs[i][best[i]])}%`;
    }
    const counts = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < PROBED; i++) counts[probeLabels[i]][best[i]]++;
    $('cm-placeholder').hidden = true;
    $('confusion').hidden = false;
    drawConfusionMatrix($('confusion'), counts, { cellSize: 26 });
    demo.predictionsUpdated++;
    demo.confusionUpdated++;
  }

  function onProgress(p: TrainProgress, spec: ModelSpec, mode: Mode): void {
    const t0 = performance.now();
    try {
      demo.events++;
      curves.onProgress(p);
      if (p.type === 'batch') demo.points.push([p.step, p.logs.loss, p.logs.accuracy ?? NaN, p.elapsedMs]);
      else demo.val.push([p.epoch, p.logs.val_accuracy ?? NaN]);
      if (p.probe) pending.probe = p.probe.data;
      if (p.probeOutputs) pending.maps = p.probeOutputs;
      if (p.weights) {
        pending.weights = p.weights;
        current = { mode, spec, weights: p.weights };
      }
      pending.stats = () => {
        $('s-epoch').textContent = `${p.epoch + 1} / ${p.epochs}`;
        $('s-step').textContent = String(p.step);
        if (p.type === 'batch') {
          $('s-acc').textContent = (p.logs.accuracy ?? NaN).toFixed(3);
          $('s-rate').textContent = formatInt((p.step * batchSize) / (p.elapsedMs / 1000));
          if (demo.state === 'training') setState('training', `Training the ${mode.toUpperCase()} in the worker: epoch ${p.epoch + 1} of ${p.epochs}, batch ${p.batch} of ${p.batches}`);
        } else {
          $('s-val').textContent = (p.logs.val_accuracy ?? NaN).toFixed(4);
        }
      };
      schedule();
    } finally {
      demo.maxProgressMs = Math.max(demo.maxProgressMs, performance.now() - t0);
    }
  }

  async function start(): Promise<void> {
    const mode = $<HTMLSelectElement>('model').value as Mode;
    showMode(mode);
    const hidden = Number($<HTMLSelectElement>('hidden').value);
    const epochs = Math.max(1, Math.round(Number($<HTMLInputElement>('epochs').value)));
    batchSize = Math.max(1, Math.round(Number($<HTMLInputElement>('batch').value)));
    const lr = Number($<HTMLInputElement>('lr').value);
    const spec = specFor(mode, hidden);
    demo.points.length = demo.val.length = 0;
    demo.events = demo.maxProgressMs = demo.maxDrawMs = 0;
    demo.result = null;
    curves.clear();
    $('mlp-view').hidden = $('cnn-view').hidden = true;
    $('layer-placeholder').hidden = false;
    $<HTMLButtonElement>('save').disabled = true;
    current = null;
    controller = new AbortController();
    demo.trainStartedAt = performance.now();
    demo.trainEndedAt = NaN;
    setState('training', 'Starting the worker; it fetches and converts the 60 000 training images itself…');
    const idx = (images: string, labels: string) => ({ images: mnistUrl(images), labels: mnistUrl(labels), sampleShape: sampleShape(mode) });
    let result: TrainResult;
    try {
      result = await trainInWorker(spec, idx(MNIST_FILES.trainImages, MNIST_FILES.trainLabels), {
        epochs,
        batchSize,
        seed: 1,
        optimizer: { type: 'Adam', lr },
        validation: idx(MNIST_FILES.testImages, MNIST_FILES.testLabels),
        progressEveryMs: 50,
        weightsEveryMs: 500,
        // The CNN costs more per probe row: probe it less often.
        probe: { x: { data: probeX, shape: [PROBED, ...sampleShape(mode)] }, everyMs: mode === 'cnn' ? 1000 : 500, ...(mode === 'cnn' ? { outputs: [CONV_RELU], outputRows: 1 } : {}) },
        wasm,
        worker,
        signal: controller.signal,
      }, (p) => onProgress(p, spec, mode));
    } catch (e) {
      demo.trainEndedAt = performance.now();
      demo.error = (e as Error).message;
      setState('error', `Training failed: ${(e as Error).message}`, true);
      // The worker may be gone (it is terminated when it ignores a stop): training again needs a new one.
      $<HTMLButtonElement>('start').disabled = true;
      return;
    }
    demo.trainEndedAt = performance.now();
    current = { mode, spec, weights: result.weights, extraState: result.extraState };
    if (result.probe) pending.probe = result.probe.data;
    if (result.probeOutputs) pending.maps = result.probeOutputs;
    pending.weights = result.weights;
    schedule();
    $<HTMLButtonElement>('save').disabled = false;
    demo.result = { aborted: result.aborted, steps: result.steps, epochs: result.history.epoch.length };
    const acc = result.history.history.val_accuracy?.at(-1);
    const accText = acc === undefined ? 'no epoch completed yet' : `test accuracy ${acc.toFixed(4)} after epoch ${result.history.epoch.length}`;
    if (result.aborted) setState('stopped', `Stopped after ${result.steps} steps (${accText}); predictions use the weights at the stop.`);
    else setState('done', `Done: ${accText}, ${result.steps} steps.`);
  }

  // ---------- draw a digit: predicted by the worker ----------
  let asked = 0;
  const pad = drawPad($('pad'), () => void predictDrawing());
  async function predictDrawing(): Promise<void> {
    const x = pad.input();
    const id = ++asked;
    if (!x) {
      $('guess').textContent = '';
      $('bars').replaceChildren();
      demo.drawPrediction = null;
      return;
    }
    if (!current) {
      $('guess-note').textContent = 'Start training first: the worker predicts with the weights it is learning.';
      return;
    }
    const model = current;
    try {
      const { y } = await predictInWorker(worker, model, { data: x, shape: [1, ...sampleShape(model.mode)] }, { wasm });
      if (id !== asked) return; // a newer drawing is on its way
      const { best, probs } = classify(y.data, 1);
      $('guess').textContent = String(best[0]);
      $('guess-note').textContent = `The ${model.mode.toUpperCase()} says ${best[0]} (${Math.round(100 * probs[0][best[0]])}%).`;
      $('bars').replaceChildren(...probs[0].flatMap((p, c) => [
        Object.assign(document.createElement('span'), { textContent: String(c) }),
        Object.assign(document.createElement('i'), { style: `width: ${(100 * p).toFixed(1)}%` }),
      ]));
      demo.drawPrediction = { digit: best[0], probs: probs[0] };
    } catch (e) {
      $('guess-note').textContent = `Could not predict: ${(e as Error).message}`;
    }
  }
  $('clear').addEventListener('click', () => pad.clear());

  // ---------- save: serialised by the worker, downloaded from here ----------
  $('save').addEventListener('click', async () => {
    if (!current) return;
    const button = $<HTMLButtonElement>('save');
    button.disabled = true;
    try {
      const saved = await saveModelInWorker(worker, current, { metadata: { demo: 'mnist', mode: current.mode, steps: demo.result?.steps ?? null }, wasm });
      const blobs = toBlobs(saved);
      for (const [blob, name] of [[blobs.weights, `knobs-mnist-${current.mode}.safetensors`], [blobs.json, `knobs-mnist-${current.mode}.json`]] as const) {
        const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }
      demo.saved = { weightsBytes: saved.weights.length, json: saved.json };
    } catch (e) {
      setState(demo.state, `Could not save: ${(e as Error).message}`, true);
    } finally {
      button.disabled = false;
    }
  });

  $('start').addEventListener('click', () => void start());
  $('stop').addEventListener('click', () => {
    setState('stopping', 'Stopping after the current batch…');
    controller?.abort();
  });
  setState('ready', 'Ready. Start trains the chosen model with Adam on the 60 000 training images; the test set is scored after each epoch.');
}

main().catch((e: Error) => {
  demo.error = e.message;
  setState('error', `Could not start: ${e.message}`, true);
});
