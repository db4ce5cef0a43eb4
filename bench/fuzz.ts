/**
 * The long fuzz run: `npm run fuzz -- --cases 100000 --seed 1 [--only safetensors,csv]`.
 * Prints every failing case with its (seed, index) and input; exits 1 if any case failed.
 */
import { init, memoryStats } from '../ts/index.js';
import { runFuzz } from '../test/helpers/fuzz.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const cases = Number(arg('cases', '100000'));
const seed = Number(arg('seed', '1'));
const only = process.argv.includes('--only') ? arg('only', '').split(',') : undefined;
if (!Number.isInteger(cases) || cases < 1 || !Number.isFinite(seed)) {
  console.error('usage: npm run fuzz -- --cases N --seed S [--only fmt,fmt]');
  process.exit(2);
}

await init();
const t0 = performance.now();
const wasm0 = memoryStats().wasmBytes;
const res = await runFuzz({
  cases, seed, only,
  onProgress: (done) => {
    if (done % 10000 === 0) console.log(`${done} cases, ${((performance.now() - t0) / 1000).toFixed(0)} s, wasm memory ${(memoryStats().wasmBytes / 2 ** 20).toFixed(0)} MiB`);
  },
});
for (const f of res.failures) console.log(`FAIL ${f.format} seed=${f.seed} case=${f.index}: ${f.problem}\n  input: ${f.input}`);
console.log(JSON.stringify({ cases: res.cases, failures: res.failures.length, slowestMs: Math.round(res.slowestMs), perFormat: res.perFormat, wasmMiB: [wasm0 / 2 ** 20, memoryStats().wasmBytes / 2 ** 20], seconds: Math.round((performance.now() - t0) / 1000) }, null, 1));
process.exit(res.failures.length ? 1 : 0);
