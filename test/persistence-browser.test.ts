/**
 * Browser persistence in headless Chromium: saveModel to IndexedDB and loadModel from it in a new
 * page (a fresh wasm instance) give the same prediction bits and optimizer state; downloads://
 * writes the two files Node's load() reads, and loadModel of the picked files restores them too.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { init } from '../ts/index.js';
import { load } from '../ts/node.js';
import { browserSuite } from './helpers/browser-suite.js';
import { hasChromium } from './helpers/chromium.js';
import { startSourceServer } from './helpers/vite.js';

const repo = resolve(__dirname, '..');

const suite = browserSuite('persistence-browser', () =>
  startSourceServer(repo, { cacheDir: '.vite-persistence', optimizeDeps: { entries: [] }, pages: [{ path: '/blank.html', title: 'knobs persistence', isolated: false }] }),
);

/** Page-side helpers as plain JavaScript: a fixed input and the bits of the model's output on it. */
const PRELUDE = `
  const k = await import('/ts/index.ts');
  await k.init();
  const x = k.tensor(Array.from({ length: 5 * 4 }, (_, i) => Math.sin(i * 1.7)), [5, 4]);
  const bits = (m) => { m.eval(); return Array.from(new Uint32Array(k.noGrad(() => m.forward(x)).toFloat32Array().slice().buffer)); };
`;

const TRAIN_AND_SAVE = `(async () => {${PRELUDE}
  const model = new k.nn.Sequential(new k.nn.Linear(4, 8, { seed: 1 }), new k.nn.BatchNorm1d(8), new k.nn.ReLU(), new k.nn.Linear(8, 3, { seed: 2 }));
  const opt = new k.optim.Adam(model.parameters(), { lr: 0.01 });
  const y = k.tensor([0, 1, 2, 1, 0]);
  for (let i = 0; i < 3; i++) k.tidy(() => { opt.zeroGrad(); const l = k.crossEntropy(model.forward(x), y); l.backward(); opt.step(); });
  const info = await k.saveModel(model, 'indexeddb://round-trip', { optimizer: opt, metadata: { note: 'page 1' } });
  const listed = await k.listModels();
  return { bits: bits(model), info, listed: listed.map((m) => m.url), step: opt.stateDict().step };
})()`;

const LOAD = `(async () => {${PRELUDE}
  const { model, optimizer, metadata } = await k.loadModel('indexeddb://round-trip');
  let missing = '';
  try { await k.loadModel('indexeddb://no-such-model'); } catch (e) { missing = String(e.message); }
  return { bits: bits(model), step: optimizer.stateDict().step, metadata, missing };
})()`;

describe.skipIf(!hasChromium)('browser persistence (headless Chromium)', () => {
  it('IndexedDB: saved in one page, loaded in another, the same prediction bits and optimizer state', async () => {
    const a = await suite.open('blank.html');
    const saved = (await a.page.evaluate(TRAIN_AND_SAVE)) as { bits: number[]; info: { url: string }; listed: string[]; step: number };
    await a.page.close();
    expect(a.errors).toEqual([]);
    expect(saved.info.url).toBe('indexeddb://round-trip');
    expect(saved.listed).toContain('indexeddb://round-trip');
    expect(saved.step).toBe(3);

    const b = await suite.open('blank.html');
    const loaded = (await b.page.evaluate(LOAD)) as { bits: number[]; step: number; metadata: Record<string, unknown>; missing: string };
    await b.page.close();
    expect(loaded.bits).toHaveLength(15);
    expect(loaded.bits).toEqual(saved.bits);
    expect(loaded.step).toBe(3);
    expect(loaded.metadata).toEqual({ note: 'page 1' });
    expect(loaded.missing).toMatch(/no model named 'no-such-model' in IndexedDB \(saved ones: .*indexeddb:\/\/round-trip/);
  }, 120_000);

  it('downloads://: two files Node load() reads, and loadModel of the picked files restores the model', async () => {
    const { page, errors } = await suite.open('blank.html');
    const downloads = [page.waitForEvent('download'), page.waitForEvent('download')];
    // Both downloads may fire from one evaluate; collect them in order.
    const got: import('playwright-core').Download[] = [];
    page.on('download', (d) => got.push(d));
    const saved = (await page.evaluate(`(async () => {${PRELUDE}
      const model = new k.nn.Sequential(new k.nn.Linear(4, 6, { seed: 3 }), new k.nn.Tanh(), new k.nn.Linear(6, 2, { seed: 4 }));
      const info = await k.saveModel(model, 'downloads://tiny');
      window.__bits = bits(model);
      return { bits: window.__bits, info };
    })()`)) as { bits: number[]; info: { files: { json: string; weights: string } } };
    await Promise.all(downloads);
    while (got.length < 2) await new Promise((r) => setTimeout(r, 50));
    expect(saved.info.files).toEqual({ json: 'tiny.json', weights: 'tiny.safetensors' });
    const dir = mkdtempSync(join(tmpdir(), 'knobs-downloads-'));
    for (const d of got) await d.saveAs(join(dir, d.suggestedFilename()));
    expect(got.map((d) => d.suggestedFilename()).sort()).toEqual(['tiny.json', 'tiny.safetensors']);
    expect(JSON.parse(readFileSync(join(dir, 'tiny.json'), 'utf8')).weightsSha256).toMatch(/^[0-9a-f]{64}$/);

    // Node reads the pair (its sha256 pairing check included).
    await init();
    const node = await load(join(dir, 'tiny'));
    expect(node.model.constructor.name).toBe('Sequential');
    node.model.dispose?.();

    // The user picks the two files; loadModel(input.files) rebuilds the same model.
    await page.setContent('<input id="pick" type="file" multiple>');
    await page.setInputFiles('#pick', [join(dir, 'tiny.json'), join(dir, 'tiny.safetensors')]);
    const loaded = (await page.evaluate(`(async () => {${PRELUDE}
      const { model } = await k.loadModel(document.getElementById('pick').files);
      let wrong = '';
      try { await k.loadModel([document.getElementById('pick').files[0]]); } catch (e) { wrong = String(e.message); }
      return { bits: bits(model), wrong };
    })()`)) as { bits: number[]; wrong: string };
    await page.close();
    expect(errors).toEqual([]);
    expect(saved.bits).toHaveLength(10);
    expect(loaded.bits).toEqual(saved.bits);
    expect(loaded.wrong).toMatch(/pick the two files of one saved model, name\.json and name\.safetensors/);
  }, 120_000);
});
