/** The README's data on-ramp example is run as written (imports pointed at the sources, a generated CSV). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { Rng } from '../ts/index.js';

const dir = mkdtempSync(join(tmpdir(), 'knobs-readme-onramp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three species told apart by the bill measurements; the island is a categorical column. */
function penguins(n: number): string {
  const rng = new Rng(11);
  const g = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const species = [['Adelie', 38.8, 18.3], ['Chinstrap', 48.8, 18.4], ['Gentoo', 47.5, 15.0]] as const;
  const islands = ['Biscoe', 'Dream', 'Torgersen'];
  const rows = ['bill_length,bill_depth,flipper,island,species'];
  for (let i = 0; i < n; i++) {
    const [name, len, depth] = species[i % 3];
    rows.push(`${(len + 1.5 * g()).toFixed(1)},${(depth + 0.6 * g()).toFixed(1)},${190 + rng.int(40)},${islands[rng.int(3)]},${name}`);
  }
  return rows.join('\n') + '\n';
}

it('README: CSV → trainTestSplit → StandardScaler → summary → fit → predictClasses → metrics', async () => {
  const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
  const block = readme.split('## Your own data: CSV, splits, scaling')[1].match(/```ts\n([\s\S]*?)```/)![1];
  const csv = join(dir, 'penguins.csv');
  writeFileSync(csv, penguins(300));
  const code = 'export const out: unknown[] = [];\n' + block
    .replace("from 'knobs';", `from '${pathToFileURL(resolve(__dirname, '../ts/index.ts')).href}';`)
    .replace("from 'knobs/node';", `from '${pathToFileURL(resolve(__dirname, '../ts/node.ts')).href}';`)
    .replace("'penguins.csv'", JSON.stringify(csv))
    .replaceAll('console.log(', 'out.push(');
  const file = join(dir, 'onramp.ts');
  writeFileSync(file, code);
  const { out } = (await import(/* @vite-ignore */ file)) as { out: unknown[] };
  const [table, f1, cm, names] = out as [string, number, number[][], string[]];
  expect(table).toContain('Total params: 147');
  expect(f1).toBeGreaterThan(0.85);
  expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(60);
  expect(names.every((n) => ['Adelie', 'Chinstrap', 'Gentoo'].includes(n))).toBe(true);
}, 60_000);
