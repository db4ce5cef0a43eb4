/**
 * The package as users get it: `npm pack`, installed into a project outside the repository,
 * imported from Node and from a Vite-built page in headless Chromium; on one thread and on the
 * wasm thread pool (in Chromium on a cross-origin isolated page), with the same bits.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { init, nn, noGrad, saveModel, tensor } from '../ts/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './helpers/chromium.js';

const repo = resolve(__dirname, '..');
let proj = '';

const consumerCode = `
import { init, getNumThreads, matmul, randn, tensor, nn, optim, tidy } from 'knobs';
export async function run(threads = 1) {
  await init({ threads });
  // A product large enough to be split over the pool; its bits hashed (FNV-1a).
  const big = tidy(() => new Uint32Array(matmul(randn([300, 200], { seed: 1 }), randn([200, 100], { seed: 2 })).data.slice().buffer));
  let hash = 2166136261;
  for (const v of big) hash = Math.imul(hash ^ v, 16777619) >>> 0;
  const model = new nn.Sequential(new nn.Linear(2, 8, { seed: 1 }), new nn.Tanh(), new nn.Linear(8, 1, { seed: 2 }));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const lossFn = new nn.MSELoss();
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y = tensor([[0], [1], [1], [0]]);
  let first = 0, last = 0;
  for (let i = 0; i < 300; i++) {
    const l = tidy(() => { opt.zeroGrad(); const l = lossFn.forward(model.forward(x), y); l.backward(); opt.step(); return l.item(); });
    if (i === 0) first = l;
    last = l;
  }
  return { matmul: tensor([[1, 2]]).matmul(tensor([[3], [4]])).item(), first, last, threads: getNumThreads(), hash };
}
`;

// Asynchronous, so vitest's worker keeps answering its runner while npm runs (a loaded machine takes a minute).
const run = promisify(execFile);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knobs-pack-'));
  await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: repo });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  proj = join(dir, 'consumer');
  mkdirSync(join(proj, 'src'), { recursive: true });
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(dir, tgz)], { cwd: proj });
  writeFileSync(join(proj, 'src', 'consumer.js'), consumerCode);
  // The smallest app: what a bundler ships for init, tensor and sum alone.
  writeFileSync(join(proj, 'mini.html'), `<!doctype html><html><body><pre id="out">running</pre><script type="module" src="/src/mini.js"></script></body></html>`);
  writeFileSync(join(proj, 'src', 'mini.js'), `import { init, tensor, sum } from 'knobs';
init().then(() => { document.getElementById('out').textContent = String(sum(tensor([1, 2, 3.5])).item()); }, (e) => { document.getElementById('out').textContent = 'error: ' + e; });`);
  // trainInWorker from knobs/worker: a page that trains XOR in the worker.
  writeFileSync(join(proj, 'worker.html'), `<!doctype html><html><body><pre id="out">running</pre><script type="module" src="/src/worker-page.js"></script></body></html>`);
  writeFileSync(join(proj, 'src', 'worker-page.js'), `import { init, nn } from 'knobs';
import { trainInWorker } from 'knobs/worker';
const show = (t) => { document.getElementById('out').textContent = t; };
init().then(async () => {
  const model = new nn.Sequential(new nn.Linear(2, 8, { seed: 1 }), new nn.Tanh(), new nn.Linear(8, 1, { seed: 2 }));
  const data = { x: { data: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), shape: [4, 2] }, y: { data: new Float32Array([0, 1, 1, 0]), shape: [4, 1] } };
  const r = await trainInWorker(nn.toSpec(model), data, { epochs: 200, batchSize: 4, loss: 'mse', optimizer: { type: 'SGD', lr: 0.2, momentum: 0.9 }, seed: 1 });
  const loss = r.history.history.loss;
  show(JSON.stringify({ steps: r.steps, first: loss[0], last: loss.at(-1) }));
}).catch((e) => show('error: ' + e));`);
}, 180_000);

/** Vite's build with its warnings collected (a logger that records instead of printing). */
async function viteBuild(input: string | string[], outDir: string): Promise<string[]> {
  const vite = await import('vite');
  const warnings: string[] = [];
  const logger = vite.createLogger('warn');
  logger.warn = (msg) => void warnings.push(msg);
  logger.warnOnce = (msg) => void warnings.push(msg);
  await vite.build({ root: proj, customLogger: logger, build: { outDir, target: 'es2022', rollupOptions: { input } } });
  return warnings;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

/** The text #out shows once the page has run (a dev server may reload the page once while it pre-bundles). */
async function pageResult(browser: Awaited<ReturnType<typeof launchChromium>>, url: string, seen?: string[]): Promise<string> {
  const page = await browser.newPage();
  if (seen) page.on('response', (r) => seen.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', null, { timeout: 60_000 });
  const text = (await page.textContent('#out'))!;
  await page.close();
  return text;
}

describe('npm pack → install → import', () => {
  it('works from Node, on one thread and on the thread pool (same bits)', () => {
    writeFileSync(join(proj, 'node-main.mjs'), `import { run } from './src/consumer.js'; console.log(JSON.stringify(await run(Number(process.argv[2]))));`);
    const node = (threads: number) => JSON.parse(execFileSync('node', ['node-main.mjs', String(threads)], { cwd: proj, encoding: 'utf8' }));
    const one = node(1), two = node(2);
    for (const out of [one, two]) {
      expect(out.matmul).toBe(11);
      expect(out.last).toBeLessThan(out.first / 10);
    }
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(two.hash).toBe(one.hash);
    expect(two.last).toBe(one.last);
    // The relaxed build is not named by a literal URL (bundlers would ship it to every app); Node still finds it.
    writeFileSync(join(proj, 'relaxed-main.mjs'), `import { init, simdBuild, tensor } from 'knobs'; await init({ simd: 'relaxed' }); console.log(simdBuild(), tensor([[1, 2]]).matmul(tensor([[3], [4]])).item());`);
    expect(execFileSync('node', ['relaxed-main.mjs'], { cwd: proj, encoding: 'utf8' }).trim()).toBe('relaxed 11');
  });

  it('knobs-data fetches a data set into a chosen directory, and the loaders of knobs/node read it from there', async () => {
    const data = join(proj, 'my-data');
    await run(join(proj, 'node_modules', '.bin', 'knobs-data'), ['sentiment', '--dir', data], { cwd: proj });
    writeFileSync(join(proj, 'data-main.mjs'), `import { loadSentiment, loadMnist } from 'knobs/node';
const rows = await loadSentiment({ dataDir: process.argv[2] });
let missing = '';
try { await loadMnist({ dataDir: process.argv[2] }); } catch (e) { missing = e.message; }
console.log(JSON.stringify({ rows: rows.length, sources: [...new Set(rows.map((r) => r.source))].sort(), missing }));`);
    const out = JSON.parse(execFileSync('node', ['data-main.mjs', data], { cwd: proj, encoding: 'utf8' }));
    expect(out.rows).toBe(3000);
    expect(out.sources).toEqual(['amazon', 'imdb', 'yelp']);
    // The fix it names is the bin the package ships, not a script of the repository.
    expect(out.missing).toContain(`MNIST is not in ${join(data, 'mnist')}`);
    expect(out.missing).toContain('npx knobs-data mnist --dir <dir>');
    expect(out.missing).not.toMatch(/setup:data|scripts\//);
  }, 240_000);

  it.skipIf(!hasChromium)('works from a Vite-built page in headless Chromium', async () => {
    writeFileSync(join(proj, 'index.html'), `<!doctype html><html><body><pre id="out">running</pre><script type="module" src="/src/page.js"></script></body></html>`);
    // knobs/threads: a browser app ships the threads build only when it asks for it.
    writeFileSync(join(proj, 'src', 'page.js'), `import 'knobs/threads';
import { run } from './consumer.js';
run(Number(new URLSearchParams(location.search).get('threads') ?? 1)).then((r) => { document.getElementById('out').textContent = JSON.stringify(r); }, (e) => { document.getElementById('out').textContent = 'error: ' + e; });`);
    const vite = await import('vite');
    const warnings = await viteBuild([join(proj, 'index.html'), join(proj, 'worker.html')], join(proj, 'dist'));
    // dist/parallel/spawn.js once named worker.ts, which the package does not ship.
    expect(warnings.filter((w) => /doesn't exist at build time/.test(w))).toEqual([]);
    // Cross-origin isolated, so the page has SharedArrayBuffer for the thread pool.
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    const server = await vite.preview({ root: proj, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0, headers }, build: { outDir: join(proj, 'dist') } });
    const url = server.resolvedUrls!.local[0];
    const browser = await launchChromium();
    try {
      const open = async (threads: number) => {
        const page = await browser.newPage();
        await page.goto(`${url}?threads=${threads}`);
        await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', null, { timeout: 60_000 });
        const text = (await page.textContent('#out'))!;
        await page.close();
        expect(text).not.toMatch(/^error/);
        return JSON.parse(text);
      };
      const one = await open(1), two = await open(2);
      for (const out of [one, two]) {
        expect(out.matmul).toBe(11);
        expect(out.last).toBeLessThan(out.first / 10);
      }
      expect([one.threads, two.threads]).toEqual([1, 2]);
      expect(two.hash).toBe(one.hash);
      // trainInWorker from the built knobs/worker (its worker bundled by Vite).
      const trained = JSON.parse(await pageResult(browser, `${url}worker.html`));
      expect(trained.steps).toBe(200);
      expect(trained.last).toBeLessThan(trained.first / 10);
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  }, 240_000);
});

describe('a bundled app ships what it imports', () => {
  it.skipIf(!hasChromium)('init, tensor and sum alone: ≤ 40 kB of gzipped JS and one wasm file, and it runs', async () => {
    const out = join(proj, 'dist-mini');
    const warnings = await viteBuild(join(proj, 'mini.html'), out);
    expect(warnings).toEqual([]);
    const files = filesUnder(out);
    const js = files.filter((f) => f.endsWith('.js'));
    const gzipped = js.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    console.log(`minimal app: ${js.length} JS file(s), ${gzipped} bytes gzipped; wasm: ${wasm.map((f) => `${f.slice(out.length + 1)} ${statSync(f).size} bytes`).join(', ')}`);
    expect(gzipped).toBeLessThanOrEqual(40_000);
    expect(wasm).toHaveLength(1);
    expect(wasm[0]).toMatch(/knobs_core_bg-[^/]*\.wasm$/);
    const vite = await import('vite');
    const server = await vite.preview({ root: proj, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0 }, build: { outDir: out } });
    const browser = await launchChromium();
    try {
      expect(await pageResult(browser, `${server.resolvedUrls!.local[0]}mini.html`)).toBe('6.5');
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  }, 240_000);

  it.skipIf(!hasChromium)('an app that imports only loadModel restores built-in layers it never names (their registration is not tree-shaken away)', async () => {
    await init();
    const model = new nn.Sequential(new nn.Linear(6, 8, { seed: 1 }), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 4, { seed: 2 }), new nn.LayerNorm(4), new nn.Tanh());
    model.eval();
    const x = Array.from({ length: 3 * 6 }, (_, i) => Math.cos(i * 0.9));
    const want = Array.from(new Uint32Array(noGrad(() => model.forward(tensor(x, [3, 6]))).toFloat32Array().slice().buffer));
    const saved = saveModel(model);
    writeFileSync(join(proj, 'load.html'), `<!doctype html><html><body><pre id="out">running</pre><script type="module" src="/src/load.js"></script></body></html>`);
    writeFileSync(join(proj, 'src', 'load.js'), `import { init, loadModel, noGrad, tensor } from 'knobs';
const weights = Uint8Array.from(atob(${JSON.stringify(Buffer.from(saved.weights).toString('base64'))}), (c) => c.charCodeAt(0));
init().then(() => {
  const { model } = loadModel({ weights, json: ${JSON.stringify(saved.json)} });
  model.eval();
  const y = noGrad(() => model.forward(tensor(${JSON.stringify(x)}, [3, 6])));
  document.getElementById('out').textContent = JSON.stringify(Array.from(new Uint32Array(y.toFloat32Array().slice().buffer)));
}).catch((e) => { document.getElementById('out').textContent = 'error: ' + e; });`);
    const out = join(proj, 'dist-load');
    expect(await viteBuild(join(proj, 'load.html'), out)).toEqual([]);
    const vite = await import('vite');
    const server = await vite.preview({ root: proj, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0 }, build: { outDir: out } });
    const browser = await launchChromium();
    try {
      const got = await pageResult(browser, `${server.resolvedUrls!.local[0]}load.html`);
      expect(got).not.toMatch(/^error/);
      expect(JSON.parse(got)).toEqual(want);
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  }, 240_000);

  it.skipIf(!hasChromium)('plain browser ESM: the installed package served as files, mapped by an import map', async () => {
    writeFileSync(join(proj, 'plain.html'), `<!doctype html><html><body><pre id="out">running</pre>
<script type="importmap">{ "imports": { "knobs": "/node_modules/knobs/dist/index.js" } }</script>
<script type="module">
import { init, tensor, sum } from 'knobs';
init().then(() => { document.getElementById('out').textContent = String(sum(tensor([1, 2, 3.5])).item()); }, (e) => { document.getElementById('out').textContent = 'error: ' + e; });
</script></body></html>`);
    const vite = await import('vite');
    // preview is a static file server here: its "build output" is the app directory itself.
    const server = await vite.preview({ root: proj, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0 }, build: { outDir: proj } });
    const browser = await launchChromium();
    try {
      expect(await pageResult(browser, `${server.resolvedUrls!.local[0]}plain.html`)).toBe('6.5');
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  }, 240_000);

  it.skipIf(!hasChromium)("init() works under Vite's dev server with no config (the package pre-bundled)", async () => {
    const vite = await import('vite');
    const server = await vite.createServer({ root: proj, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0 } });
    await server.listen();
    const browser = await launchChromium();
    try {
      const seen: string[] = [];
      expect(await pageResult(browser, `${server.resolvedUrls!.local[0]}mini.html`, seen)).toBe('6.5');
      // The case that failed: knobs served from Vite's pre-bundle directory, the wasm beside the package.
      expect(seen.some((r) => /^200 .*\/node_modules\/\.vite\/deps\/knobs\.js/.test(r))).toBe(true);
      expect(seen.some((r) => /^200 .*\/node_modules\/knobs\/wasm-pkg\/knobs_core_bg\.wasm$/.test(r))).toBe(true);

      // knobs/worker too: the pre-bundled trainInWorker starts the package's own worker script.
      const trained = await pageResult(browser, `${server.resolvedUrls!.local[0]}worker.html`);
      expect(trained).not.toMatch(/^error/);
      const t = JSON.parse(trained);
      expect(t.steps).toBe(200);
      expect(t.last).toBeLessThan(t.first / 10);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 240_000);
});

afterAll(() => {});
