/**
 * The Pong page (demo/pong.html) in Debian's headless Chromium against the demo's Vite dev server:
 * the agent trains in a worker and the page replays its clips (the agent's paddle moves, the score
 * changes), the main thread has no task of 50 ms CPU while training (Chromium's trace, as in
 * browser-e2e), Stop stops it, and a person then plays the left paddle with the keyboard against
 * the checkpoint. Skipped (visibly) without /usr/bin/chromium.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from './helpers/chromium.js';
import { browserSuite } from './helpers/browser-suite.js';
import { traceMainThread } from './helpers/trace.js';
import { startViteServer } from './helpers/vite.js';

const repo = resolve(__dirname, '..');
const suite = browserSuite('pong-page', () => startViteServer({ configFile: join(repo, 'demo', 'vite.config.ts') }));

interface PongView {
  state: string;
  error: string;
  episodes: number;
  clips: number;
  framesDrawn: number;
  agentYs: number[];
  scoreChanges: number;
  checkpoints: number;
  maxHandlerMs: number;
  maxDrawMs: number;
  result: null | { aborted: boolean; episodes: number };
  play: { state: string; steps: number; you: number; agent: number; agentYs: number[]; maxStepMs: number };
}
const view = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { knobsPong: unknown }).knobsPong)) as PongView);
const waitFor = (page: Page, cond: string, timeout: number) => page.waitForFunction(`(() => { const d = window.knobsPong; return d.state === 'error' || (${cond}); })()`, null, { timeout, polling: 200 });

describe.skipIf(!hasChromium)(`Pong page in headless Chromium (${CHROMIUM})`, () => {
  it('trains in a worker while the page replays its games, with no long main-thread task; then a person plays the agent', async () => {
    const { page, errors } = await suite.open('pong.html');
    await page.waitForFunction(() => (window as unknown as { knobsPong?: { state: string } }).knobsPong?.state === 'ready', null, { timeout: 60_000 });
    await page.fill('#episodes', '100000');
    await page.click('#start');
    // Starting the worker is set-up, not training: the main thread is traced from 500 ms after the click.
    await page.waitForTimeout(500);
    const trace = await traceMainThread(page);

    // Clips arrive and are replayed: the agent's paddle takes many positions and the score line changes.
    await waitFor(page, 'd.clips >= 2 && d.framesDrawn >= 60 && d.agentYs.length >= 5 && d.scoreChanges >= 3 && d.checkpoints >= 1', 180_000);
    const mid = await view(page);
    expect(mid.state, mid.error).toBe('training');
    expect(mid.episodes).toBeGreaterThanOrEqual(25);
    expect(await page.textContent('#watch-score')).toMatch(/^game \d+: opponent \d+ – \d+ agent$/);
    expect(await page.textContent('#s-episode')).toMatch(/^\d+ \/ 100000$/);
    // The canvas shows the court: some white among the black.
    const lit = await page.evaluate(() => {
      const c = document.getElementById('watch') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] > 128) n++;
      return n / (c.width * c.height);
    });
    expect(lit).toBeGreaterThan(0.005);
    expect(lit).toBeLessThan(0.2);

    await page.click('#stop');
    await waitFor(page, "['stopped', 'done'].includes(d.state)", 60_000);
    const end = await view(page);
    expect(end.state, end.error).toBe('stopped');
    expect(end.result!.aborted).toBe(true);
    const tasks = await trace.stop();
    const busiest = tasks.reduce((m, t) => (t.cpuMs > m.cpuMs ? t : m), { ts: 0, wallMs: 0, cpuMs: 0 });
    console.log(
      `pong-page: ${end.result!.episodes} games trained, ${end.clips} clips, ${end.framesDrawn} replayed steps drawn; longest message handler ${end.maxHandlerMs.toFixed(2)} ms, ` +
        `longest frame ${end.maxDrawMs.toFixed(2)} ms; main-thread tasks traced: ${tasks.length}, busiest ${busiest.cpuMs.toFixed(1)} ms CPU (${busiest.wallMs.toFixed(1)} ms wall)`,
    );
    expect(tasks.length, 'the trace recorded the main thread').toBeGreaterThan(100);
    expect(busiest.cpuMs, 'CPU time of the busiest main-thread task while the worker trained').toBeLessThan(50);

    // A person plays the left paddle: holding ↑ moves it to the top; the agent moves and points are scored.
    await page.click('#play');
    await waitFor(page, "d.play.state === 'playing'", 60_000);
    await page.keyboard.down('ArrowUp');
    await waitFor(page, 'd.play.you + d.play.agent >= 2 && d.play.agentYs.length >= 3', 120_000);
    await page.keyboard.up('ArrowUp');
    const played = await view(page);
    expect(played.play.steps).toBeGreaterThan(20);
    // The game goes on: the score line and the state are read in one go, within one frame.
    const shown = await page.evaluate(() => {
      const d = (window as unknown as { knobsPong: PongView }).knobsPong;
      return { text: document.getElementById('play-score')!.textContent, you: d.play.you, agent: d.play.agent };
    });
    expect(shown.text).toBe(`you ${shown.you} – ${shown.agent} agent`);
    const you = await page.evaluate(() => {
      const c = document.getElementById('game') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      // The left paddle's column (court x 4–6 of 80): lit rows, top first.
      const x = Math.round((5 / 80) * c.width), rows: number[] = [];
      for (let y = 0; y < c.height; y++) if (px[(y * c.width + x) * 4] > 128) rows.push(y);
      return rows;
    });
    expect(you.length).toBeGreaterThan(0);
    expect(you[0]).toBe(0); // held ↑: the paddle is at the top
    const screenshot = join(mkdtempSync(join(tmpdir(), 'knobs-pong-')), 'pong.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`pong-page: played ${played.play.steps} steps, you ${played.play.you} – ${played.play.agent} agent; screenshot: ${screenshot}`);
    expect(played.play.maxStepMs).toBeLessThan(50);
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);
});
