/**
 * The suite in headless Chromium: Debian's /usr/bin/chromium driven by playwright-core (never a
 * downloaded browser), a Vite dev server serving the sources on a cross-origin isolated page
 * (SharedArrayBuffer for tfjs' threaded wasm and DataParallel's shared transport).
 * Writes bench/results/browser.{json,md} (browser-quick.* with --quick).
 *
 *   node --import tsx bench/browser.ts [--quick]      (npm run bench:browser)
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, hasChromium, launchChromium } from '../test/helpers/chromium.js';
import { startSourceServer } from '../test/helpers/vite.js';
import { ensureInstalled } from './peers.js';
import { toMarkdown, toTable, type Result } from './report.js';

const quick = process.argv.includes('--quick');
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const sh = (cmd: string) => {
  try {
    return execSync(cmd, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'n/a';
  }
};

if (!hasChromium) {
  console.log(`bench:browser: ${CHROMIUM} not found — skipped (npm run setup:test installs Debian's chromium)`);
  process.exit(0);
}
if (!ensureInstalled(console.log)) {
  console.log('bench:browser: the peers could not be installed — skipped');
  process.exit(0);
}

const machine = {
  nproc: Number(sh('nproc')),
  cpu: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown',
  node: process.version,
  chromium: sh(`${CHROMIUM} --version`),
  date: new Date().toISOString(),
  platform: `${process.platform} ${process.arch}`,
  commit: sh('git rev-parse --short HEAD'),
  uncommitted: sh('git status --porcelain -- ts wasm-pkg crates') || 'none',
  loadBefore: sh('uptime'),
};

const { server, baseUrl: base } = await startSourceServer(repo, {
  cacheDir: '.vite-bench',
  // Scan the page up front so every peer is pre-bundled before it loads (a dependency found
  // mid-run would make Vite reload the page).
  optimizeDeps: { entries: ['bench/browser-page.ts'], include: ['comlink'] },
  pages: [{ path: '/bench.html', title: 'knobs bench', isolated: true }],
});
const browser = await launchChromium({ profilePrefix: 'knobs-bench-', extraArgs: ['--disable-background-timer-throttling'] });
let code = 0;
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(900_000);
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await page.goto(`${base}bench.html`);
  const result = (await page.evaluate(
    `import('/bench/browser-page.ts').then((m) => m.run(${quick}, ${JSON.stringify(machine)}))`,
  )) as Result;
  result.machine.loadAfter = sh('uptime');
  console.log(`\n${toTable(result)}`);
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  const name = quick ? 'browser-quick' : 'browser';
  writeFileSync(join(out, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(out, `${name}.md`), toMarkdown(result));
  console.log(`bench:browser: wrote bench/results/${name}.{json,md}`);
} catch (e) {
  console.log(`bench:browser: failed: ${(e as Error).message}`);
  code = 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(code);
