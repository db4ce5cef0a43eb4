/**
 * The suite inside a browser page (loaded by bench/browser.ts from a Vite dev server on a
 * cross-origin isolated page): the same cases as in Node, with the peers' browser builds.
 * Chromium gives tfjs-wasm its threaded SIMD build here, which Node never does.
 */
// A browser app ships the threads build only when it imports it (init({ threads: 'auto' }) below).
import '../ts/threads.js';
import { getNumThreads, init } from '../ts/index.js';
import type { BrainModule, Peers } from './peers.js';
import type { Result } from './report.js';
import { runSuite } from './suite.js';

async function loadBrowserPeers(): Promise<Peers> {
  const notes: string[] = [];
  const tfBackends: string[] = [];
  let tf: any = null;
  let tfWasmBuild: string | null = null;
  try {
    // The umbrella package: core + cpu backend + every gradient (webgl is registered but unused).
    tf = await import('@tensorflow/tfjs');
    const wasm: any = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths('/bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    // tfjs' own thread count (its threaded build sizes XNNPACK's pool itself: one thread on two
    // cores). Asking it for knobs' pool size (setThreadsCount(2)) was tried: tfjs-wasm got no
    // faster, and its threads kept a core busy, which slowed knobs' pool cases on the same page
    // to below one thread (step 784-40-10: 588k → 339k samples/s) and tfjs-cpu by half.
    if (await tf.setBackend('wasm')) {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      tfWasmBuild = `${simd && threads ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm'} (SIMD=${simd}, threads=${threads}, XNNPACK threads=${wasm.getThreadsCount()}, tfjs' default)`;
      tfBackends.push('wasm');
    } else notes.push('tfjs wasm backend failed to initialise; left out');
    if (await tf.setBackend('cpu')) tfBackends.push('cpu');
  } catch (e) {
    notes.push(`tfjs not loaded: ${(e as Error).message}`);
    tf = null;
  }
  let brain: BrainModule | null = null;
  try {
    const m: any = await import('brain.js');
    brain = m.NeuralNetwork ? m : (m.default ?? null);
  } catch (e) {
    // brain.js 1.6.1's index requires Node's stream module (its TrainStream), which a page lacks.
    notes.push(`brain.js not loaded in the browser: ${(e as Error).message}`);
  }
  return { tf, tfBackends, tfWasmBuild, brain, notes };
}

export async function run(quick: boolean, machine: Record<string, unknown>): Promise<Result> {
  // 'auto': the page is cross-origin isolated (tfjs' threaded build needs it too), so knobs gets its pool.
  await init({ threads: 'auto' });
  const peers = await loadBrowserPeers();
  const log = (s: string) => console.log(s);
  for (const n of peers.notes) log(`bench: ${n}`);
  if (peers.tfWasmBuild) log(`bench: tfjs wasm build: ${peers.tfWasmBuild}`);
  const ua = navigator.userAgent;
  return runSuite({
    quick,
    peers,
    threads: getNumThreads(),
    log,
    machine: { ...machine, runtime: 'chromium', userAgent: ua, hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated: globalThis.crossOriginIsolated },
  });
}
