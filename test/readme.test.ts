/** The README's quick start is run as written (with the import pointed at the sources). */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

it('README quick start learns XOR', async () => {
  const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
  const block = readme.split('## Quick start')[1].match(/```ts\n([\s\S]*?)```/)![1];
  const src = pathToFileURL(resolve(__dirname, '../ts/index.ts')).href;
  const code = block.replace("from 'knobs'", `from '${src}'`).replace('console.log(model.forward(x).toArray());', 'export const result = model.forward(x).toArray();');
  const dir = mkdtempSync(join(tmpdir(), 'knobs-readme-'));
  const file = join(dir, 'quickstart.ts');
  writeFileSync(file, code);
  const mod = await import(/* @vite-ignore */ file);
  const out = (mod.result as number[][]).map((r) => r[0]);
  [0, 1, 1, 0].forEach((want, i) => expect(Math.abs(out[i] - want)).toBeLessThan(0.1));
});
