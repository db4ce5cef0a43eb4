/**
 * Loads the peers from bench/node_modules (bench/package.json, not the library's dependencies).
 * Any peer that fails to load is reported with its reason and left out, so the suite still runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Typed loosely on purpose: tsconfig type-checks bench/*.ts before CI has installed bench/'s
// peers, so nothing here may name their packages' types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tf = any;
// A module name in a variable keeps tsc from resolving it.
const load = (name: string): Promise<any> => import(name);

export interface Peers {
  tf: Tf | null;
  /** Backends that initialised: 'wasm' (SIMD build, checked) and/or 'cpu'. */
  tfBackends: string[];
  tfWasmBuild: string | null;
  brain: BrainModule | null;
  notes: string[];
}

// brain.js 1.6.1 has no types; only what the suite calls.
export interface BrainNet {
  train(data: { input: number[]; output: number[] }[], opts: Record<string, unknown>): { error: number; iterations: number };
}
export interface BrainModule {
  NeuralNetwork: new (opts: Record<string, unknown>) => BrainNet;
}

const benchDir = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(benchDir, 'package.json'));

/** `npm --prefix bench install` when bench/node_modules lacks a peer; false if that failed. */
export function ensureInstalled(log: (s: string) => void): boolean {
  const need = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', 'brain.js'];
  if (need.every((p) => existsSync(join(benchDir, 'node_modules', p, 'package.json')))) return true;
  log('bench: peers missing; running `npm --prefix bench install` (timeout 300 s)…');
  const r = spawnSync('npm', ['--prefix', benchDir, 'install', '--no-audit', '--no-fund'], { stdio: 'inherit', timeout: 300_000 });
  if (r.status !== 0) {
    log(`bench: npm install failed (${r.error?.message ?? `exit ${r.status}`}); peers will be skipped`);
    return false;
  }
  return true;
}

export async function loadPeers(): Promise<Peers> {
  const notes: string[] = [];
  let tf: Tf | null = null;
  const tfBackends: string[] = [];
  let tfWasmBuild: string | null = null;
  try {
    tf = await load('@tensorflow/tfjs-core');
    await load('@tensorflow/tfjs-backend-cpu');
    // tfjs-core's Node bundle has no gradients; the umbrella package's bundle registers them all
    // (into the same global registry: it requires this same tfjs-core).
    await load('@tensorflow/tfjs');
    const wasm = await load('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    // Only the SIMD binary is given a real path: if the backend picked any other build, init
    // would fail to read it, so a running 'wasm' backend proves it is the SIMD (+XNNPACK) build.
    // Node 20 never gets the threaded build from tfjs 4.22 (it disables threads in Node).
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': join(dist, 'not-used-plain.wasm'),
      'tfjs-backend-wasm-simd.wasm': join(dist, 'tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': join(dist, 'not-used-threaded-simd.wasm'),
    });
    if (await tf.setBackend('wasm')) {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      tfWasmBuild = `tfjs-backend-wasm-simd.wasm (SIMD=${simd}, XNNPACK threads=${wasm.getThreadsCount()})`;
      tfBackends.push('wasm');
    } else notes.push('tfjs wasm backend failed to initialise; left out');
    if (await tf.setBackend('cpu')) tfBackends.push('cpu');
    else notes.push('tfjs cpu backend failed to initialise; left out');
  } catch (e) {
    notes.push(`tfjs not loaded: ${(e as Error).message}`);
    tf = null;
  }
  let brain: BrainModule | null = null;
  try {
    const m = (await load('brain.js')) as { default?: BrainModule } & BrainModule;
    brain = m.NeuralNetwork ? m : (m.default ?? null);
  } catch (e) {
    notes.push(`brain.js not loaded: ${(e as Error).message}`);
  }
  return { tf, tfBackends, tfWasmBuild, brain, notes };
}
