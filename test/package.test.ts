/**
 * The package as users get it: `npm pack`, installed into a project outside the repository,
 * imported from Node and from a Vite-built page in headless Chromium.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './helpers/chromium.js';

const repo = resolve(__dirname, '..');
let proj = '';

const consumerCode = `
import { init, tensor, nn, optim, tidy } from 'knobs';
export async function run() {
  await init();
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
  return { matmul: tensor([[1, 2]]).matmul(tensor([[3], [4]])).item(), first, last };
}
`;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'knobs-pack-'));
  execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: repo, stdio: 'pipe' });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  proj = join(dir, 'consumer');
  execFileSync('mkdir', ['-p', join(proj, 'src')]);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(dir, tgz)], { cwd: proj, stdio: 'pipe' });
  writeFileSync(join(proj, 'src', 'consumer.js'), consumerCode);
}, 180_000);

describe('npm pack → install → import', () => {
  it('works from Node', () => {
    writeFileSync(join(proj, 'node-main.mjs'), `import { run } from './src/consumer.js'; console.log(JSON.stringify(await run()));`);
    const out = JSON.parse(execFileSync('node', ['node-main.mjs'], { cwd: proj, encoding: 'utf8' }));
    expect(out.matmul).toBe(11);
    expect(out.last).toBeLessThan(out.first / 10);
  });

  it.skipIf(!hasChromium)('works from a Vite-built page in headless Chromium', async () => {
    writeFileSync(join(proj, 'index.html'), `<!doctype html><html><body><pre id="out">running</pre><script type="module" src="/src/page.js"></script></body></html>`);
    writeFileSync(join(proj, 'src', 'page.js'), `import { run } from './consumer.js';
run().then((r) => { document.getElementById('out').textContent = JSON.stringify(r); }, (e) => { document.getElementById('out').textContent = 'error: ' + e; });`);
    const vite = await import('vite');
    await vite.build({ root: proj, logLevel: 'silent', build: { outDir: join(proj, 'dist'), target: 'es2022' } });
    const server = await vite.preview({ root: proj, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0 }, build: { outDir: join(proj, 'dist') } });
    const url = server.resolvedUrls!.local[0];
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', null, { timeout: 60_000 });
      const text = (await page.textContent('#out'))!;
      expect(text).not.toMatch(/^error/);
      const out = JSON.parse(text);
      expect(out.matmul).toBe(11);
      expect(out.last).toBeLessThan(out.first / 10);
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  }, 120_000);
});

afterAll(() => {});
