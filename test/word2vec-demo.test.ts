/**
 * The word2vec demo page (demo/word2vec.html) in Debian's headless Chromium against the demo's Vite
 * dev server: it trains in its worker, the analogy, nearest-word and PCA answers appear and are the
 * same as the library's in Node for the same settings (one wasm binary, one seed: the same bits),
 * an unknown word gives a clear message and the page keeps answering, and the page's main thread
 * has no task of 50 ms CPU or more while the worker trains and answers (Chromium's trace, as
 * browser-e2e). Also the page's PCA helper against a case with a known answer.
 * Skipped (visibly) without /usr/bin/chromium or .data/text/moby-dick.txt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { pca2 } from '../demo/pca2.js';
import { init } from '../ts/index.js';
import { sentences, Word2Vec, type Similar } from '../ts/text/index.js';
import { CHROMIUM, hasChromium } from './helpers/chromium.js';
import { browserSuite } from './helpers/browser-suite.js';
import { traceMainThread } from './helpers/trace.js';
import { startViteServer } from './helpers/vite.js';

const repo = resolve(__dirname, '..');
const corpusFile = join(process.env.KNOBS_TEXT_DIR ?? join(repo, '.data', 'text'), 'moby-dick.txt');
const hasCorpus = existsSync(corpusFile);

describe('pca2 (the demo page\'s projection)', () => {
  it('recovers the coordinates of points on a plane inside 5-D, with their share of the variance', () => {
    // Orthonormal axes q1, q2 in 5-D and points mean + 3cos(t)·q1 + sin(t)·q2 at evenly spaced t:
    // the covariance's eigenvalues are 9/2 and 1/2 (9 : 1), and the scores are (3cos t, sin t) up to sign.
    const q1 = [1, 1, 1, 1, 0].map((v) => v / 2), q2 = [1, -1, 0, 0, Math.SQRT2].map((v) => v / 2);
    const mean = [0.3, -0.2, 0.1, 0.5, -0.4];
    const n = 12, t = Array.from({ length: n }, (_, i) => (2 * Math.PI * i) / n);
    const rows = t.map((a) => Float32Array.from(mean, (m, j) => m + 3 * Math.cos(a) * q1[j] + Math.sin(a) * q2[j]));
    const p = pca2(rows);
    expect(p.explained[0]).toBeCloseTo(0.9, 5);
    expect(p.explained[1]).toBeCloseTo(0.1, 5);
    const s0 = Math.sign(p.points[0][0]), s1 = Math.sign(p.points[3][1]);
    t.forEach((a, i) => {
      expect(p.points[i][0] * s0).toBeCloseTo(3 * Math.cos(a), 5);
      expect(p.points[i][1] * s1).toBeCloseTo(Math.sin(a), 5);
    });
    expect(pca2([])).toEqual({ points: [], explained: [0, 0] });
  });
});

interface PageView {
  state: string;
  error: string;
  report: null | { sentences: number; words: number; vocabSize: number; seconds: number; wordsPerSec: number; prepareMs: number };
  trainStartedAt: number;
  trainEndedAt: number;
  answers: Similar | null;
  nearest: Similar | null;
  projection: null | { words: string[]; missing: string[]; points: [number, number][]; explained: [number, number] };
  queryError: string;
}
const view = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { knobsWord2Vec: unknown }).knobsWord2Vec)) as PageView);

const suite = browserSuite('word2vec-demo', () => startViteServer({ configFile: join(repo, 'demo', 'vite.config.ts') }));

describe.skipIf(!hasChromium || !hasCorpus)(`the word2vec page in headless Chromium (${CHROMIUM})`, () => {
  it('trains in its worker, answers analogies and nearest words as the library does in Node, projects words, no main-thread long tasks', async () => {
    // The page's default settings (skip-gram, 100 dims, window 5, 5 epochs, min count 5, seed 1), in Node.
    await init();
    const node = new Word2Vec({ mode: 'skipgram', vectorSize: 100, window: 5, epochs: 5, minCount: 5, seed: 1 }).fit(sentences(readFileSync(corpusFile, 'utf8')));
    const kv = node.wv!;
    const nodeAnswers = kv.analogy({ positive: ['woman', 'he'], negative: ['man'], topn: 10 });
    const nodeNearest = kv.mostSimilar('whale', 10);
    // It learned: the chapter's analogy comes out even on this small corpus.
    expect(nodeAnswers[0][0]).toBe('she');

    const { page, errors } = await suite.open('word2vec.html');
    await page.waitForFunction(() => (window as unknown as { knobsWord2Vec?: { state: string } }).knobsWord2Vec?.state !== 'loading', null, { timeout: 60_000 });
    const ready = await view(page);
    expect(ready.state, ready.error).toBe('ready');
    await page.click('#train');
    const trace = await traceMainThread(page);
    await page.waitForFunction(() => {
      const d = (window as unknown as { knobsWord2Vec: PageView }).knobsWord2Vec;
      return d.state === 'error' || (d.state === 'trained' && d.answers !== null && d.nearest !== null && d.projection !== null);
    }, null, { timeout: 200_000, polling: 200 });
    const tasks = await trace.stop();
    const done = await view(page);
    expect(done.state, done.error).toBe('trained');

    expect(done.report!.words).toBe(node.lastTrain!.words);
    expect(done.report!.vocabSize).toBe(kv.size);
    expect(done.answers).toEqual(nodeAnswers);
    expect(done.nearest).toEqual(nodeNearest);
    expect(await page.locator('#answers li').count()).toBe(10);
    expect(await page.textContent('#answers li')).toMatch(/^she\d\.\d{3}$/);
    expect(await page.textContent('#status')).toMatch(/^Trained on [\d,]+ words × 5 epochs .* words\/s\.$/);

    // The projection: every known default word, at finite, distinct places, in the SVG.
    const proj = done.projection!;
    expect(proj.missing).toEqual([]);
    expect(proj.points).toHaveLength(proj.words.length);
    expect(proj.words).toContain('queequeg');
    expect(proj.points.flat().every(Number.isFinite)).toBe(true);
    expect(new Set(proj.points.map((q) => q.join())).size).toBe(proj.points.length);
    expect(proj.explained[0]).toBeGreaterThanOrEqual(proj.explained[1]);
    expect(await page.locator('#plot text').count()).toBe(proj.words.length);

    // An unknown word: a clear message in place of the answers; then the page still answers.
    await page.fill('#c', 'zzyzx');
    await page.click('#ask');
    await page.waitForFunction(() => (window as unknown as { knobsWord2Vec: PageView }).knobsWord2Vec.queryError !== '', null, { timeout: 30_000 });
    expect((await view(page)).queryError).toMatch(/"zzyzx" is not in the vocabulary/);
    expect(await page.textContent('#answers li.error')).toMatch(/zzyzx/);
    await page.fill('#c', 'he');
    await page.selectOption('#method', '3cosmul');
    await page.click('#ask');
    await page.waitForFunction(() => document.querySelectorAll('#answers li:not(.error)').length === 10, null, { timeout: 30_000 });
    expect((await view(page)).answers).toEqual(kv.analogy({ positive: ['woman', 'he'], negative: ['man'], method: '3cosmul', topn: 10 }));

    const busiest = tasks.reduce((m, t) => (t.cpuMs > m.cpuMs ? t : m), { ts: 0, wallMs: 0, cpuMs: 0 });
    console.log(
      `word2vec-demo: ${done.report!.words} words × 5 epochs in ${done.report!.seconds.toFixed(1)} s in the worker (${Math.round(done.report!.wordsPerSec)} words/s; ` +
        `Node: ${Math.round(node.lastTrain!.wordsPerSec)} words/s); corpus fetch + tokenize ${done.report!.prepareMs.toFixed(0)} ms; ` +
        `main-thread tasks traced: ${tasks.length}, busiest ${busiest.cpuMs.toFixed(1)} ms CPU (${busiest.wallMs.toFixed(1)} ms wall)`,
    );
    expect(tasks.length, 'the trace recorded the main thread').toBeGreaterThan(0);
    expect(busiest.cpuMs, 'CPU time of the busiest main-thread task while the worker trained and answered').toBeLessThan(50);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
