/**
 * demo/text.html in Debian's headless Chromium against the demo's Vite dev server: the character
 * LSTM trains in a worker, samples stream onto the page, the temperature slider reaches the worker
 * (later samples carry the new temperature), Stop stops it, and the main thread has no task of
 * 50 ms CPU or more while it trains (Chromium's trace, as test/browser-e2e.test.ts).
 * Skipped (visibly) without /usr/bin/chromium or without .data/text/moby-dick.txt.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from './helpers/chromium.js';
import { browserSuite } from './helpers/browser-suite.js';
import { traceMainThread } from './helpers/trace.js';
import { startViteServer } from './helpers/vite.js';

const repo = resolve(__dirname, '..');
const hasText = existsSync(join(repo, '.data', 'text', 'moby-dick.txt'));
const suite = browserSuite('browser-text', () => startViteServer({ configFile: join(repo, 'demo', 'vite.config.ts') }));

interface TextView {
  state: string;
  error: string;
  samples: { step: number; temperature: number; text: string }[];
  perplexity: [number, number][];
}
const view = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { knobsText: unknown }).knobsText)) as TextView);
const samplesAtLeast = (page: Page, n: number) =>
  page.waitForFunction((k) => {
    const d = (window as unknown as { knobsText: TextView }).knobsText;
    return d.state === 'error' || d.samples.length >= k;
  }, n, { timeout: 180_000, polling: 200 });

describe.skipIf(!hasChromium || !hasText)(`text demo in headless Chromium (${CHROMIUM})`, () => {
  it('samples stream in from the worker, the slider sets their temperature, Stop stops, no long main-thread tasks', async () => {
    const { page, errors } = await suite.open('text.html');
    await page.waitForFunction(() => (window as unknown as { knobsText?: TextView }).knobsText?.state === 'ready', null, { timeout: 60_000 });
    await page.selectOption('#hidden', '64');
    await page.click('#start');
    await page.waitForTimeout(500);
    const trace = await traceMainThread(page);

    await samplesAtLeast(page, 2);
    let v = await view(page);
    expect(v.state, v.error).toBe('training');
    expect(v.samples[0].temperature).toBeCloseTo(0.8, 5);
    for (const s of v.samples) expect(s.text).toHaveLength(160);
    expect(await page.locator('.sample pre').count()).toBe(v.samples.length);

    // The slider: later samples are drawn at the new temperature.
    await page.evaluate(() => {
      const el = document.getElementById('temperature') as HTMLInputElement;
      el.value = '0.3';
      el.dispatchEvent(new Event('input'));
    });
    const before = v.samples.length;
    await samplesAtLeast(page, before + 2);
    v = await view(page);
    expect(v.state, v.error).toBe('training');
    expect(v.samples.at(-1)!.temperature).toBeCloseTo(0.3, 5);
    expect(await page.textContent('#temp-value')).toBe('0.30');
    // It learns: the perplexity reported with the latest sample is below the first one's.
    expect(v.perplexity.at(-1)![1]).toBeLessThan(v.perplexity[0][1]);

    await page.click('#stop');
    await page.waitForFunction(() => ['stopped', 'error'].includes((window as unknown as { knobsText: TextView }).knobsText.state), null, { timeout: 60_000 });
    const end = await view(page);
    expect(end.state, end.error).toBe('stopped');
    expect(await page.textContent('#status')).toMatch(/^Stopped after \d+ windows/);

    const tasks = await trace.stop();
    const busiest = tasks.reduce((m, t) => (t.cpuMs > m.cpuMs ? t : m), { ts: 0, wallMs: 0, cpuMs: 0 });
    console.log(`browser-text: ${end.samples.length} samples, perplexity ${end.perplexity.map(([, p]) => p.toFixed(1)).join(' → ')}; main-thread tasks traced: ${tasks.length}, busiest ${busiest.cpuMs.toFixed(1)} ms CPU`);
    expect(tasks.length, 'the trace recorded the main thread').toBeGreaterThan(20);
    expect(busiest.cpuMs, 'CPU time of the busiest main-thread task while the worker trained').toBeLessThan(50);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
