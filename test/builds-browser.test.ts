/**
 * The optional wasm builds in a browser: a page gets the relaxed or threads build only after
 * importing its entry (knobs/relaxed, knobs/threads; here their sources), and without it init()
 * says which import is missing.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite } from './helpers/browser-suite.js';
import { hasChromium } from './helpers/chromium.js';
import { startSourceServer } from './helpers/vite.js';

const repo = resolve(__dirname, '..');

const suite = browserSuite('builds-browser', () =>
  startSourceServer(repo, {
    cacheDir: '.vite-builds',
    optimizeDeps: { entries: [] },
    pages: [
      { path: '/plain.html', title: 'knobs builds', isolated: false },
      { path: '/isolated.html', title: 'knobs builds, isolated', isolated: true },
    ],
  }),
);

/** Runs `init(options)` in a fresh page after importing `entries`; what it returns or the error it throws. */
async function tryInit(page: string, entries: string[], options: string): Promise<string> {
  const { page: p } = await suite.open(page);
  const out = (await p.evaluate(`(async () => {
    for (const e of ${JSON.stringify(entries)}) await import(e);
    const k = await import('/ts/index.ts');
    try {
      await k.init(${options});
      return 'ok ' + k.simdBuild() + ' ' + k.getNumThreads() + ' ' + k.tensor([[1, 2]]).matmul(k.tensor([[3], [4]])).item();
    } catch (e) { return 'error: ' + e.message; }
  })()`)) as string;
  await p.close();
  return out;
}

describe.skipIf(!hasChromium)('optional wasm builds in a browser', () => {
  it("relaxed SIMD: an error naming 'knobs/relaxed' without it, the relaxed build with it", async () => {
    expect(await tryInit('plain.html', [], "{ simd: 'relaxed' }")).toMatch(/^error: .*import 'knobs\/relaxed'/);
    expect(await tryInit('plain.html', ['/ts/relaxed.ts'], "{ simd: 'relaxed' }")).toBe('ok relaxed 1 11');
  }, 60_000);

  it("threads: an error naming 'knobs/threads' without it, a pool of 2 with it", async () => {
    expect(await tryInit('isolated.html', [], '{ threads: 2 }')).toMatch(/^error: .*import 'knobs\/threads'/);
    expect(await tryInit('isolated.html', ['/ts/threads.ts'], '{ threads: 2 }')).toBe('ok simd128 2 11');
  }, 60_000);
});
