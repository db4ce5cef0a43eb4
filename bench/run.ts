/**
 * The benchmark suite in Node: knobs and its peers (TensorFlow.js 4.22 wasm/cpu backends,
 * brain.js) side by side in one process, same shapes, data and step counts. Prints a table of
 * medians with ratios knobs/peer and writes bench/results/latest.{json,md} (quick.* with --quick).
 *
 *   node --import tsx bench/run.ts            full run (npm run bench)
 *   node --import tsx bench/run.ts --quick    CI smoke: small shapes, short times, no speed asserted
 *   --no-peers                                knobs only
 *   --threads N                               knobs' thread pool (default: all cores, ≤ 8; 1 = no pool)
 *   --simd relaxed|simd128|auto               knobs' wasm build (init({ simd }); relaxed needs --threads 1)
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumThreads, init } from '../ts/index.js';
import { ensureInstalled, loadPeers, type Peers } from './peers.js';
import { toMarkdown, toTable } from './report.js';
import { runSuite } from './suite.js';
import { charLmRows, formatLmRows } from './cases-seq.js';
import { MOBY_DICK } from '../examples/char-lstm.js';

const quick = process.argv.includes('--quick');
const noPeers = process.argv.includes('--no-peers');
const here = dirname(fileURLToPath(import.meta.url));
const tStart = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - tStart) / 1000).toFixed(1)} s] ${s}`);

function sh(cmd: string): string {
  try {
    return execSync(cmd, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'n/a';
  }
}

/** The commit measured, and whether the library's sources differ from it (a shared tree). */
function gitState() {
  return { commit: sh('git rev-parse --short HEAD'), uncommitted: sh('git status --porcelain -- ts wasm-pkg crates') || 'none' };
}

function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {}
  const nproc = Number(sh('nproc')) || cpus().length;
  return { nproc, cpu, node: process.version, date: new Date().toISOString(), platform: `${process.platform} ${process.arch}`, runtime: 'node', ...gitState(), loadBefore: sh('uptime') };
}

const ti = process.argv.indexOf('--threads');
const threadsArg = ti > 0 ? Number(process.argv[ti + 1]) : 'auto';
const si = process.argv.indexOf('--simd');
const simdArg = si > 0 ? (process.argv[si + 1] as 'relaxed' | 'simd128' | 'auto') : undefined;
await init({ threads: threadsArg, ...(simdArg ? { simd: simdArg } : {}) });
const threads = getNumThreads();
log(`bench: knobs thread pool: ${threads} thread(s)`);
let peers: Peers = { tf: null, tfBackends: [], tfWasmBuild: null, brain: null, notes: [] };
if (noPeers) peers.notes.push('peers skipped (--no-peers)');
else if (ensureInstalled(log)) peers = await loadPeers();
else peers.notes.push('peers skipped: `npm --prefix bench install` failed (knobs-only run)');
for (const n of peers.notes) log(`bench: ${n}`);
if (peers.tfWasmBuild) log(`bench: tfjs wasm build: ${peers.tfWasmBuild}`);

const result = await runSuite({ quick, peers, threads, machine: machine(), log, finish: () => ({ loadAfter: sh('uptime') }) });
console.log('');
console.log(toTable(result));
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const base = quick ? 'quick' : 'latest';
writeFileSync(join(outDir, `${base}.json`), JSON.stringify(result, null, 2) + '\n');
writeFileSync(join(outDir, `${base}.md`), toMarkdown(result));
log(`bench: wrote bench/results/${base}.{json,md} (suite ${result.seconds.toFixed(0)} s)`);

// Transformer vs LSTM character LMs: perplexity reached per training second (bench/cases-seq.ts).
log('bench: char LM, Transformer vs LSTM…');
const seqLoad = sh('uptime');
const seq = charLmRows(readFileSync(MOBY_DICK, 'utf8'), quick ? { seconds: 4, chars: 30_000, valChars: 4_000, points: 2 } : { seconds: 60, chars: 100_000, valChars: 10_000, points: 6 });
console.log(formatLmRows(seq));
writeFileSync(join(outDir, `${base}-seq.json`), JSON.stringify({ loadBefore: seqLoad, loadAfter: sh('uptime'), rows: seq }, null, 2) + '\n');
// DataParallel's workers are closed by its cases; exit anyway in case a peer keeps a handle open.
process.exit(0);
