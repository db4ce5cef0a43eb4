/**
 * Fuzzing every file format knobs reads: safetensors, model JSON (through the public loadModel),
 * estimator JSON (loadEstimator and saveEstimator's pair), IDX and CSV. Each case mutates a valid
 * file (bit flips, truncation, extension, header fields, hostile values in JSON trees) and feeds it
 * to the reader; the case passes if the reader returns a usable object or throws a KnobsError, with
 * wasm live memory unchanged afterwards. A case is reproducible from (seed, index) alone, so a
 * failure report is its own reproduction. Shared by test/fuzz.test.ts and scripts/fuzz.ts.
 */
import { KnobsError, loadModel, memoryStats, nn, optim, saveModel, tensor, tidy, Rng } from '../../ts/index.js';
import * as classic from '../../ts/classic/index.js';
import { readSafetensors, writeSafetensors } from '../../ts/io/safetensors.js';
import { parseIdx } from '../../ts/data/idx.js';
import { parseNumericTable, parseSklearnCsv } from '../../ts/data/csv.js';
import { parseCsv } from '../../ts/data/csv-table.js';

export interface FuzzFailure {
  format: string;
  index: number;
  seed: number;
  problem: string;
  /** The input, shortened for printing. */
  input: string;
  /** The whole input as text, for filters that look at any part of it. */
  full: string;
}

interface Format {
  name: string;
  /** One case: mutate a corpus entry with rng and consume it; throws only non-KnobsErrors worth reporting. */
  run(rng: Rng): { describe: (max?: number) => string; consume: () => void };
}

// ---------- mutations ----------

const HOSTILE: unknown[] = [
  -1, 0, 1, 2, 1.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53, 1e308, -1e308, 1e20, NaN, Infinity, -Infinity,
  '', 'abc', '__proto__', 'constructor', 'F64', 'F32', '12', null, true, false, [], {}, [1, 2, 3], [-1], [2 ** 32, 2 ** 32],
  { __proto__: null, x: 1 }, [[1, 2], [3]], 'NaN',
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

function pick<T>(rng: Rng, a: readonly T[]): T {
  return a[rng.int(a.length)];
}

/** Every (parent, key) slot in a JSON tree, so one can be replaced or removed. */
function slots(root: unknown): { parent: Record<string | number, unknown>; key: string | number }[] {
  const out: { parent: Record<string | number, unknown>; key: string | number }[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 12 || out.length > 5000 || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      // Long arrays: a few positions are enough, and visiting all would make cases slow.
      const n = v.length, idx = n <= 8 ? [...Array(n).keys()] : [0, 1, n >> 1, n - 1];
      for (const i of idx) {
        out.push({ parent: v as unknown as Record<number, unknown>, key: i });
        walk(v[i], depth + 1);
      }
    } else {
      for (const k of Object.keys(v)) {
        out.push({ parent: v as Record<string, unknown>, key: k });
        walk((v as Record<string, unknown>)[k], depth + 1);
      }
    }
  };
  walk(root, 0);
  return out;
}

function defineOwn(o: object, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Applies 1–3 mutations to a deep copy of a JSON-able tree (NaN/Infinity survive in object form). */
export function mutateTree(rng: Rng, tree: unknown): unknown {
  const root = { v: structuredClone(tree) };
  const n = 1 + rng.int(3);
  for (let m = 0; m < n; m++) {
    const all = slots(root);
    const { parent, key } = pick(rng, all);
    const cur = parent[key];
    switch (rng.int(8)) {
      case 0:
      case 1:
        parent[key] = structuredClone(pick(rng, HOSTILE));
        break;
      case 2: // numbers nudged or scaled, sizes off by one
        if (typeof cur === 'number') parent[key] = pick(rng, [cur + 1, cur - 1, cur * 2, -cur, cur * 1e6, Math.floor(cur / 2)]);
        else parent[key] = structuredClone(pick(rng, HOSTILE));
        break;
      case 3: // remove
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (key !== 'v') delete parent[key];
        break;
      case 4: // arrays shortened, lengthened, emptied
        if (Array.isArray(cur)) {
          const r = rng.int(3);
          parent[key] = r === 0 ? cur.slice(0, cur.length >> 1) : r === 1 ? [...cur, ...cur.slice(0, 1 + rng.int(3))] : [];
        } else parent[key] = [cur];
        break;
      case 5: // prototype keys and unknown keys
        if (cur && typeof cur === 'object' && !Array.isArray(cur)) defineOwn(cur, pick(rng, [...PROTO_KEYS, 'unknownOption', '$tensor']), structuredClone(pick(rng, HOSTILE)));
        else parent[key] = JSON.parse(`{"__proto__": ${JSON.stringify(cur) ?? 'null'}}`);
        break;
      case 6: // wrong type for the same content
        parent[key] = typeof cur === 'number' ? String(cur) : typeof cur === 'string' ? Number(cur) || 0 : Array.isArray(cur) ? Object.assign({}, cur) : JSON.stringify(cur);
        break;
      default: // deep nesting
        parent[key] = JSON.parse('['.repeat(200) + ']'.repeat(200));
    }
  }
  return root.v;
}

/** Byte-level damage: flips, truncation, extension, overwrites, insertions. */
export function mutateBytes(rng: Rng, src: Uint8Array): Uint8Array {
  let b: Uint8Array = src.slice();
  const n = 1 + rng.int(3);
  for (let m = 0; m < n; m++) {
    const len = b.length;
    switch (rng.int(6)) {
      case 0:
        for (let f = 1 + rng.int(8); f > 0 && len > 0; f--) b[rng.int(len)] ^= 1 << rng.int(8);
        break;
      case 1:
        b = b.slice(0, rng.int(len + 1));
        break;
      case 2: {
        const extra = new Uint8Array(1 + rng.int(64));
        if (rng.int(2)) for (let i = 0; i < extra.length; i++) extra[i] = rng.int(256);
        const c = new Uint8Array(len + extra.length);
        c.set(b);
        c.set(extra, len);
        b = c;
        break;
      }
      case 3:
        if (len > 0) {
          const at = rng.int(len);
          b.fill(pick(rng, [0, 0xff, 0x7f, 0x80]), at, Math.min(len, at + 1 + rng.int(8)));
        }
        break;
      case 4: {
        const at = rng.int(len + 1);
        const c = new Uint8Array(len + 1);
        c.set(b.subarray(0, at));
        c[at] = rng.int(256);
        c.set(b.subarray(at), at + 1);
        b = c;
        break;
      }
      default:
        if (len >= 8) new DataView(b.buffer, b.byteOffset).setUint32(rng.int(len - 3), pick(rng, [0, 1, 0xffffffff, 0x80000000, 0x7fffffff, rng.nextU32()]), rng.int(2) === 0);
    }
  }
  return b;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Text damage for JSON/CSV strings: truncation, a flipped character, a dropped or doubled span. */
function mutateText(rng: Rng, s: string): string {
  const at = rng.int(s.length + 1);
  switch (rng.int(4)) {
    case 0:
      return s.slice(0, at);
    case 1:
      return s.slice(0, at) + pick(rng, ['"', '{', ']', ',', '-', 'e', '9', '\u0000', '\uD800', 'NaN', '1e999']) + s.slice(at + 1);
    case 2:
      return s.slice(0, at) + s.slice(at + 1 + rng.int(20));
    default:
      return s.slice(0, at) + s.slice(Math.max(0, at - 20), at) + s.slice(at);
  }
}

function summary(v: unknown, max = 400): string {
  let s: string;
  if (v instanceof Uint8Array) s = `bytes(${v.length}) ${Array.from(v.subarray(0, 48), (x) => x.toString(16).padStart(2, '0')).join('')}`;
  else if (typeof v === 'string') s = JSON.stringify(v);
  else {
    try {
      s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x instanceof Uint8Array ? `bytes(${x.length})` : x));
    } catch {
      s = String(v);
    }
  }
  return s.length > max ? s.slice(0, max) + '…' : s;
}

// ---------- corpora ----------

function randRows(rng: Rng, n: number, d: number, classes = 0): { x: number[][]; y: number[] } {
  const x: number[][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = classes ? i % classes : 0;
    x.push(Array.from({ length: d }, () => rng.next() * 2 - 1 + c * 2));
    y.push(classes ? c : x[i][0] * 3 - x[i][1]);
  }
  return { x, y };
}

interface EstimatorCase {
  json: classic.EstimatorJSON;
  saved: classic.SavedEstimator;
  nFeatures: number;
}

/** One fitted estimator of every kind, small enough that loading and predicting is fast. */
export async function estimatorCorpus(): Promise<EstimatorCase[]> {
  const rng = new Rng(7);
  const { x: xc, y: yc } = randRows(rng, 40, 3, 3);
  const { x: xr, y: yr } = randRows(rng, 40, 3);
  const codes = xc.map((r) => r.map((v) => Math.abs(Math.round(v)) % 4));
  const fitted: { e: classic.Estimator | classic.WordClusters; d: number }[] = [
    { e: new classic.CountModel().fit(codes, yc), d: 3 },
    { e: new classic.GaussianNB().fit(xc, yc), d: 3 },
    { e: new classic.CategoricalNB().fit(codes, yc), d: 3 },
    { e: new classic.KNeighborsClassifier({ k: 3 }).fit(xc, yc), d: 3 },
    { e: new classic.KNeighborsRegressor({ k: 3, weights: 'distance' }).fit(xr, yr), d: 3 },
    { e: new classic.LinearRegression().fit(xr, yr), d: 3 },
    { e: new classic.LogisticRegression({ maxIter: 50 }).fit(xc, yc), d: 3 },
    { e: new classic.KMeans({ k: 3, nInit: 1, seed: 1 }).fit(xc), d: 3 },
    { e: new classic.GaussianMixture({ k: 2, seed: 1 }).fit(xc), d: 3 },
    { e: new classic.GaussianMixture({ k: 2, seed: 1, covariance: 'diag' }).fit(xc), d: 3 },
    { e: new classic.CompetitiveLearning({ k: 3, epochs: 5, seed: 1 }).fit(xc), d: 3 },
    { e: new classic.DBSCAN({ eps: 0.8, minSamples: 3 }).fit(xc), d: 3 },
    { e: new classic.AgglomerativeClustering({ nClusters: 3 }).fit(xc), d: 3 },
    { e: new classic.WordClusters({ nClusters: 2 }).fit(['the cat sat on the mat', 'a dog sat on a log', 'the cat and the dog']), d: 0 },
  ];
  const net = new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.ReLU(), new nn.Linear(4, 3, { seed: 2 }));
  const clf = new classic.Classifier(net, { epochs: 2, seed: 1 });
  await clf.fit(xc, yc);
  fitted.push({ e: clf as unknown as classic.Estimator, d: 3 });
  return fitted.map(({ e, d }) => ({ json: JSON.parse(JSON.stringify(e.toJSON())), saved: classic.saveEstimator(e as classic.Estimator), nFeatures: d }));
}

/** Uses a loaded estimator the way a user would: predict on rows of its width. */
function useEstimator(e: unknown, d: number): void {
  const p = (e as { predict?: (x: number[][]) => ArrayLike<number> }).predict;
  try {
    if (typeof p !== 'function' || d === 0) return;
    const out = p.call(e, [Array.from({ length: d }, (_, i) => i * 0.3 - 0.2), Array(d).fill(0.5)]);
    if (out.length !== 2) throw new Error(`predict returned ${out.length} values for 2 rows`);
  } finally {
    // A neural Classifier holds wasm tensors; the others are plain JS.
    (e as { model?: { dispose(): void } }).model?.dispose();
  }
}

function modelCorpus(): { saved: { weights: Uint8Array; json: string }; nIn: number }[] {
  const m1 = new nn.Sequential(new nn.Linear(4, 5, { seed: 1 }), new nn.ReLU(), new nn.Dropout(0.2, { seed: 3 }), new nn.Linear(5, 2, { seed: 2 }));
  const opt = new optim.Adam(m1.parameters(), { lr: 0.01 });
  // One step so the optimizer has state slots to save.
  const loss = m1.forward(tensor([[1, 2, 3, 4]])).sum();
  loss.backward();
  opt.step();
  loss.dispose();
  const m2 = new nn.Sequential(new nn.Linear(3, 2, { seed: 4 }), new nn.Tanh());
  const out = [
    { saved: saveModel(m1, opt, { metadata: { epoch: 1 } }), nIn: 4 },
    { saved: saveModel(m2, null), nIn: 3 },
  ];
  for (const p of m1.parameters()) p.grad?.dispose();
  opt.dispose();
  m1.dispose();
  m2.dispose();
  return out;
}

function safetensorsCorpus(): Uint8Array[] {
  return [
    writeSafetensors({ a: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }, b: { dtype: 'I64', shape: [2], data: new BigInt64Array([1n, -2n]) } }, { note: 'x' }),
    writeSafetensors({ w: { dtype: 'F64', shape: [4], data: new Float64Array([0.5, NaN, -1, 2]) }, s: { dtype: 'U8', shape: [], data: new Uint8Array([7]) }, e: { dtype: 'F16', shape: [0, 3], data: new Uint16Array(0) } }),
  ];
}

function idxFile(dtypeCode: number, shape: number[], bytesPer: number): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const b = new Uint8Array(4 + 4 * shape.length + n * bytesPer);
  b[2] = dtypeCode;
  b[3] = shape.length;
  const v = new DataView(b.buffer);
  shape.forEach((s, i) => v.setUint32(4 + 4 * i, s, false));
  for (let i = 4 + 4 * shape.length; i < b.length; i++) b[i] = (i * 37) & 0xff;
  return b;
}

const IDX_CORPUS = [idxFile(0x08, [3, 4, 5], 1), idxFile(0x08, [10], 1), idxFile(0x0d, [2, 3], 4), idxFile(0x0e, [2, 2, 2], 8), idxFile(0x0b, [5], 2)];

const CSV_CORPUS = [
  '4,3,setosa,versicolor\n5.1,3.5,1.4,0\n4.9,3.0,1.4,1\n6.2,2.9,4.3,1\n5.9,3.0,5.1,0\n',
  '3,2,a,b,c\n1,2,0\n3,4,2\n-5e-1,6,1\n',
];
const USER_CSV_CORPUS = [
  'w,colour,age,species\n4.5,black,3,cat\n30,"brown, light",5,dog\n# note\n0.2,green,1,frog\n',
  'w;colour;age;species\r\n1;a;2;x\r\n3;"b\nc";4;y\r\n',
];
const TABLE_CORPUS = ['1 2 3\n4 5 6\n', '0.5,1e-3,7\n2,3,4\n5,6,7\n'];

// ---------- formats ----------

export async function formats(): Promise<Format[]> {
  const est = await estimatorCorpus();
  const models = modelCorpus();
  const st = safetensorsCorpus();
  return [
    {
      name: 'safetensors',
      run(rng) {
        const src = pick(rng, st);
        let input: Uint8Array;
        if (rng.int(2) === 0) input = mutateBytes(rng, src);
        else {
          // Header field changes: the header JSON mutated, its length re-encoded (or not).
          const n = Number(new DataView(src.buffer, src.byteOffset).getBigUint64(0, true));
          const header = mutateTree(rng, JSON.parse(dec.decode(src.subarray(8, 8 + n))));
          const h = enc.encode(JSON.stringify(header) ?? 'null');
          input = new Uint8Array(8 + h.length + src.length - 8 - n);
          new DataView(input.buffer).setBigUint64(0, BigInt(rng.int(4) === 0 ? n : h.length), true);
          input.set(h, 8);
          input.set(src.subarray(8 + n), 8 + h.length);
        }
        return { describe: (max) => summary(input, max), consume: () => void readSafetensors(input, { copy: rng.int(2) === 0 }) };
      },
    },
    {
      name: 'model',
      run(rng) {
        const { saved, nIn } = pick(rng, models);
        let weights: Uint8Array = saved.weights, json: string | object = saved.json;
        const r = rng.int(4);
        if (r === 0) weights = mutateBytes(rng, weights);
        else if (r === 1) json = mutateText(rng, saved.json);
        else json = mutateTree(rng, JSON.parse(saved.json)) as object;
        if (r >= 2 && rng.int(2) === 0) json = JSON.stringify(json) ?? 'null';
        return {
          describe: (max) => `weights ${summary(weights, max)} json ${summary(json, max)}`,
          consume: () => {
            const { model, optimizer } = loadModel({ weights, json });
            try {
              tidy(() => model.forward(tensor(Array.from({ length: 2 * nIn }, (_, i) => i / 10), [2, nIn]))).dispose();
            } finally {
              optimizer?.dispose();
              model.dispose();
            }
          },
        };
      },
    },
    {
      name: 'estimator',
      run(rng) {
        const c = pick(rng, est);
        const r = rng.int(5);
        if (r <= 2) {
          let doc: unknown = mutateTree(rng, c.json);
          if (r === 2) doc = mutateText(rng, JSON.stringify(doc) ?? 'null');
          return { describe: (max) => summary(doc, max), consume: () => useEstimator(classic.loadEstimator(doc as classic.EstimatorJSON), c.nFeatures) };
        }
        const weights = r === 3 ? mutateBytes(rng, c.saved.weights) : c.saved.weights;
        const json = r === 4 ? (mutateTree(rng, JSON.parse(c.saved.json)) as object) : c.saved.json;
        return { describe: (max) => `weights ${summary(weights, max)} json ${summary(json, max)}`, consume: () => useEstimator(classic.loadSavedEstimator({ weights, json }), c.nFeatures) };
      },
    },
    {
      name: 'idx',
      run(rng) {
        const src = pick(rng, IDX_CORPUS);
        let input: Uint8Array;
        if (rng.int(2) === 0) input = mutateBytes(rng, src);
        else {
          // Header fields: dtype code, rank, one dimension.
          input = src.slice();
          const f = rng.int(3);
          if (f === 0) input[2] = pick(rng, [0, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff]);
          else if (f === 1) input[3] = pick(rng, [0, 1, 2, 3, 4, 8, 9, 200, 255]);
          else if (input[3] > 0) new DataView(input.buffer).setUint32(4 + 4 * rng.int(input[3]), pick(rng, [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 65536]), false);
        }
        return { describe: (max) => summary(input, max), consume: () => void parseIdx(input) };
      },
    },
    {
      name: 'csv',
      run(rng) {
        const kind = rng.int(4);
        const table = kind === 0, user = kind === 1;
        let text = pick(rng, table ? TABLE_CORPUS : user ? USER_CSV_CORPUS : CSV_CORPUS);
        for (let m = 1 + rng.int(3); m > 0; m--) {
          if (rng.int(2) === 0) text = mutateText(rng, text);
          else {
            // Field-level: replace one field with a hostile token.
            const fields = text.split(/([,\n ])/);
            const i = 2 * rng.int(Math.ceil(fields.length / 2));
            fields[i] = pick(rng, ['NaN', 'Infinity', '-Infinity', '', '1e999', '-1', 'abc', '1.5', '99999999999999999999', '0x10', '1e-400', ' ', '\r']);
            text = fields.join('');
          }
        }
        if (user) {
          const uopts = pick(rng, [{}, { target: 'species' }, { target: 3, header: false }, { columns: ['w', 'colour'], target: 'species', targetType: 'value' as const }, { categorical: ['colour'], target: 'species', comment: '#' }, { delimiter: ';' }]);
          return { describe: (max) => `${summary(text, max)} ${JSON.stringify(uopts)}`, consume: () => void parseCsv(text, uopts) };
        }
        const opts = pick(rng, [{}, { header: 'none' as const }, { target: 'value' as const }, { target: 'none' as const, header: 'none' as const, delimiter: 'whitespace' as const }, { targetNames: ['a', 'b'] }]);
        return { describe: (max) => `${summary(text, max)} ${JSON.stringify(opts)}`, consume: () => void (table ? parseNumericTable(text, opts) : parseSklearnCsv(text, opts)) };
      },
    },
  ];
}

export interface FuzzResult {
  cases: number;
  failures: FuzzFailure[];
  /** Slowest single case in ms (a stand-in for "never hangs": cases are synchronous). */
  slowestMs: number;
  perFormat: Record<string, { cases: number; ok: number; knobsErrors: number }>;
}

/** Runs `cases` cases from `seed`; case i of format f is reproducible as runCase(f, seed, i). */
export async function runFuzz(opts: { cases: number; seed: number; only?: string[]; slowMs?: number; onProgress?: (done: number) => void }): Promise<FuzzResult> {
  const fs = (await formats()).filter((f) => !opts.only || opts.only.includes(f.name));
  const failures: FuzzFailure[] = [];
  const perFormat: FuzzResult['perFormat'] = {};
  let slowest = 0;
  for (let i = 0; i < opts.cases; i++) {
    const f = fs[i % fs.length];
    const stats = (perFormat[f.name] ??= { cases: 0, ok: 0, knobsErrors: 0 });
    stats.cases++;
    // Each case has its own stream, so case i does not depend on what earlier cases drew.
    const rng = new Rng(opts.seed * 1_000_003 + i);
    const { describe, consume } = f.run(rng);
    const before = memoryStats().liveBytes;
    const t0 = performance.now();
    let problem: string | null = null;
    try {
      consume();
      stats.ok++;
    } catch (e) {
      if (e instanceof KnobsError) stats.knobsErrors++;
      else problem = `${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`;
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    const after = memoryStats().liveBytes;
    if (!problem && after !== before) problem = `wasm live memory changed by ${after - before} bytes`;
    if (!problem && ms > (opts.slowMs ?? 2000)) problem = `took ${ms.toFixed(0)} ms`;
    if (problem) failures.push({ format: f.name, index: i, seed: opts.seed, problem, input: describe(), full: describe(1e6) });
    // Once the allocator's books are NaN every later comparison fails too: one report is enough.
    if (Number.isNaN(after)) break;
    opts.onProgress?.(i + 1);
  }
  return { cases: opts.cases, failures, slowestMs: slowest, perFormat };
}
