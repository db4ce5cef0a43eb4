/**
 * The memory-network demo page (demo/memnet.html) in Debian's headless Chromium: the network trains
 * in a worker (task 1), answers a typed story and question correctly, shows each hop's attention
 * over the sentences, and the page's main thread runs no task of ≥ 50 ms CPU meanwhile (Chromium's
 * trace, as in browser-e2e.test.ts). Skipped (visibly) without /usr/bin/chromium.
 */
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from './helpers/chromium.js';
import { browserSuite } from './helpers/browser-suite.js';
import { traceMainThread } from './helpers/trace.js';
import { startViteServer } from './helpers/vite.js';

const repo = resolve(__dirname, '..');
const suite = browserSuite('memnet-browser', () => startViteServer({ configFile: join(repo, 'demo', 'vite.config.ts') }));

interface MemnetView {
  state: string;
  error: string;
  epochs: { epoch: number; loss: number; accuracy: number; valAccuracy: number }[];
  answer: null | { answer: string; confidence: number; hops: number[][]; sentences: string[] };
  asked: number;
}
const view = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { knobsMemnet: unknown }).knobsMemnet)) as MemnetView);
const waitFor = (page: Page, pred: string, timeout: number) => page.waitForFunction(`(() => { const v = window.knobsMemnet; return v.state === 'error' || (${pred}); })()`, null, { timeout, polling: 200 });

describe.skipIf(!hasChromium)(`memory-network demo in headless Chromium (${CHROMIUM})`, () => {
  it('trains in a worker, answers a typed question, shows attention per hop, no long main-thread tasks', async () => {
    const { page, errors } = await suite.open('memnet.html');
    await waitFor(page, "v.state === 'ready'", 60_000);
    expect((await view(page)).state).toBe('ready');
    await page.fill('#epochs', '15');
    await page.fill('#hops', '2');
    await page.click('#train');
    await page.waitForTimeout(300);
    const trace = await traceMainThread(page);
    await waitFor(page, "v.state === 'trained'", 180_000);
    const tasks = await trace.stop();
    const trained = await view(page);
    expect(trained.state, trained.error).toBe('trained');
    expect(trained.epochs.length).toBe(15);
    // Task 1 is learned: the validation accuracy ends far above chance (6 places).
    expect(trained.epochs.at(-1)!.valAccuracy).toBeGreaterThan(0.9);

    await page.fill('#story', 'Mary moved to the bathroom.\nJohn went to the hallway.\nMary travelled to the office.\nDaniel journeyed to the garden.\nJohn went back to the kitchen.');
    await page.fill('#question', 'Where is John?');
    await page.click('#ask');
    await waitFor(page, 'v.asked === 1', 30_000);
    const a = (await view(page)).answer!;
    expect(a.answer).toBe('kitchen');
    expect(a.sentences.length).toBe(5);
    expect(a.hops.length).toBe(2);
    // Attention over the story: finite weights in [0, 1]; hop 1 puts most of its weight on the sentence that answers.
    for (const hop of a.hops) for (const w of hop) expect(w >= 0 && w <= 1).toBe(true);
    expect(a.hops[0].indexOf(Math.max(...a.hops[0]))).toBe(4);
    expect(await page.locator('#weights tr').count()).toBe(6);
    expect(await page.textContent('#answer')).toMatch(/^Answer: kitchen/);

    // An unknown word is an error on the page, not a crash; the page still answers afterwards.
    await page.fill('#question', 'Where is Zorro?');
    await page.click('#ask');
    await page.waitForFunction(() => /unknown word\(s\): zorro/.test(document.getElementById('answer')!.textContent ?? ''), null, { timeout: 30_000 });

    const busiest = tasks.reduce((m, t) => (t.cpuMs > m.cpuMs ? t : m), { ts: 0, wallMs: 0, cpuMs: 0 });
    console.log(`memnet-browser: ${trained.epochs.length} epochs, val accuracy ${trained.epochs.at(-1)!.valAccuracy}; main-thread tasks traced: ${tasks.length}, busiest ${busiest.cpuMs.toFixed(1)} ms CPU`);
    expect(tasks.length, 'the trace recorded the main thread').toBeGreaterThan(20);
    expect(busiest.cpuMs, 'CPU time of the busiest main-thread task while the worker trained').toBeLessThan(50);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
