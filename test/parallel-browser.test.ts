/**
 * DataParallel in a browser: Debian's headless Chromium (playwright-core, never a downloaded
 * browser) on a Vite dev server that serves the library sources with the two headers that make a
 * page cross-origin isolated (COOP same-origin + COEP require-corp), which is what exposes
 * SharedArrayBuffer to pages. Module Workers, the 'shared' and 'message' transports, the same
 * weights as training on the page's main thread, and a terminated worker rejecting the step.
 * Skipped (visibly) without /usr/bin/chromium.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasChromium } from './helpers/chromium.js';
import { browserSuite } from './helpers/browser-suite.js';
import { startSourceServer } from './helpers/vite.js';

const repo = resolve(__dirname, '..');

const suite = browserSuite('parallel-browser', () =>
  startSourceServer(repo, {
    cacheDir: '.vite-parallel',
    optimizeDeps: { include: ['comlink'], entries: [] },
    pages: [
      { path: '/isolated.html', title: 'knobs DataParallel', isolated: true },
      { path: '/plain.html', title: 'knobs DataParallel, not isolated', isolated: false },
    ],
  }),
);

/** The page-side checks as plain JavaScript source (a serialised TS function could need helpers the page lacks). */
const pageChecks = `(async () => {
  // DataParallel has its own entry (knobs/parallel), so a bundle ships it only when imported.
  const k = { ...(await import('/ts/index.ts')), ...(await import('/ts/parallel/index.ts')) };
  await k.init();
  const IN = 12, OUT = 4, ROWS = 21, STEPS = 6;
  const SPEC = { format: 'knobs.sequential', version: 1, layers: [
    { type: 'Linear', inFeatures: IN, outFeatures: 10, bias: true, seed: 3 }, { type: 'ReLU' },
    { type: 'Linear', inFeatures: 10, outFeatures: OUT, bias: true, seed: 4 }] };
  const state = k.nn.fromSpec(SPEC).stateDict();
  const rng = new k.Rng(5);
  const batches = Array.from({ length: STEPS }, () => {
    const x = new Float32Array(ROWS * IN).map(() => rng.next() * 2 - 1);
    const y = new Float32Array(ROWS).map((_, r) => Math.floor(((x[r * IN] + 1) / 2) * OUT * 0.999));
    return { x, y };
  });
  const optimizer = { type: 'SGD', lr: 0.1, momentum: 0.9 };

  const model = k.nn.fromSpec(SPEC);
  model.loadStateDict(state);
  const opt = new k.optim.SGD(model.parameters(), optimizer);
  for (const { x, y } of batches) k.tidy(() => { const l = k.crossEntropy(model.forward(k.tensor(x, [ROWS, IN])), y); opt.zeroGrad(); l.backward(); opt.step(); });
  const ref = model.stateDict();
  const diff = (a, b) => Math.max(...Object.keys(a).map((n) => Math.max(...a[n].data.map((v, i) => Math.abs(v - b[n].data[i])))));

  const runs = [];
  for (const transport of [undefined, 'shared', 'message']) {
    for (const workers of [1, 2, 3]) {
      const t = await k.DataParallel.create({ spec: SPEC, state, workers, optimizer, transport, inputShape: [IN] });
      for (const { x, y } of batches) await t.step(x, y);
      const got = await t.stateDict();
      runs.push({ transport: transport ?? 'default', chosen: t.transport, workers, diff: diff(got, ref) });
      await t.close();
    }
  }
  const moved = diff(ref, state);

  const t = await k.DataParallel.create({ spec: SPEC, state, workers: 2, optimizer, transport: 'shared', inputShape: [IN] });
  await t.step(batches[0].x, batches[0].y);
  const pending = t.step(batches[1].x, batches[1].y);
  t.threads[1].terminate();
  const terminated = await pending.then(() => 'resolved', (e) => e.name + ': ' + e.message);
  const after = await t.step(batches[1].x, batches[1].y).then(() => 'resolved', (e) => e.name + ': ' + e.message);
  await t.close();
  return { isolated: self.crossOriginIsolated, runs, moved, terminated, after };
})()`;

describe.skipIf(!hasChromium)('DataParallel in Chromium', () => {
  it('module workers on a cross-origin isolated page: both transports train like the page thread; a terminated worker rejects the step', async () => {
    const { page, errors } = await suite.open('isolated.html');
    const out = (await page.evaluate(pageChecks)) as {
      isolated: boolean;
      runs: { transport: string; chosen: string; workers: number; diff: number }[];
      moved: number;
      terminated: string;
      after: string;
    };
    expect(out.isolated).toBe(true);
    expect(out.runs).toHaveLength(9);
    expect(out.moved).toBeGreaterThan(0.01);
    for (const r of out.runs) {
      expect(r.chosen).toBe(r.transport === 'default' ? 'message' : r.transport);
      // One worker: bitwise the page's own training; more: float reassociation only (see parallel.test.ts).
      if (r.workers === 1) expect(r.diff).toBe(0);
      else expect(r.diff).toBeLessThan(2e-5);
    }
    // Terminated before or while the step runs, depending on timing: either way a WorkerError that says so.
    expect(out.terminated).toMatch(/^WorkerError: DataParallel(\.step: the trainer failed earlier: DataParallel)?: worker 1 was terminated/);
    expect(out.after).toMatch(/^WorkerError: DataParallel.step: the trainer failed earlier: DataParallel: worker 1 was terminated/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('on a page that is not cross-origin isolated, the default transport works and shared says what is missing', async () => {
    const { page } = await suite.open('plain.html');
    const out = (await page.evaluate(`(async () => {
      const k = { ...(await import('/ts/index.ts')), ...(await import('/ts/parallel/index.ts')) };
      const SPEC = { format: 'knobs.sequential', version: 1, layers: [{ type: 'Linear', inFeatures: 3, outFeatures: 2, bias: true, seed: 1 }] };
      const optimizer = { type: 'SGD', lr: 0.1 };
      const t = await k.DataParallel.create({ spec: SPEC, workers: 2, optimizer });
      const loss = await t.step(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([0, 1]), [2, 3]);
      await t.close();
      const shared = await k.DataParallel.create({ spec: SPEC, workers: 2, optimizer, transport: 'shared' }).then(() => 'created', (e) => e.message);
      return { isolated: self.crossOriginIsolated, transport: t.transport, loss, shared };
    })()`)) as { isolated: boolean; transport: string; loss: number; shared: string };
    expect(out.isolated).toBe(false);
    expect(out.transport).toBe('message');
    expect(Number.isFinite(out.loss)).toBe(true);
    expect(out.shared).toMatch(/transport 'shared' needs SharedArrayBuffer .*cross-origin isolated \(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp\)/);
    await page.close();
  });
});
