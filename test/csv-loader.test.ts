/** The papaparse-based CSV loader: parseCsv (text) and readCsv (knobs/node, a streamed file). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { KnobsError } from '../ts/index.js';
import { parseCsv } from '../ts/csv.js';
import { readCsv } from '../ts/node.js';

const dir = mkdtempSync(join(tmpdir(), 'knobs-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PETS = [
  'weight,colour,age,species',
  '4.5,black,3,cat',
  '30,brown,5,dog',
  '0.2,"green, spotted",1,frog',
  '5.1,black,2,cat',
  '',
].join('\n');

describe('parseCsv', () => {
  it('header, numeric and categorical columns, a label-encoded target', () => {
    const d = parseCsv(PETS, { target: 'species' });
    expect(d.columns).toEqual(['weight', 'colour', 'age', 'species']);
    expect([d.nRows, d.nFeatures]).toEqual([4, 5]);
    expect(d.featureNames).toEqual(['weight', 'colour_black', 'colour_brown', 'colour_green, spotted', 'age']);
    expect(Array.from(d.x)).toEqual([4.5, 1, 0, 0, 3, 30, 0, 1, 0, 5, Math.fround(0.2), 0, 0, 1, 1, Math.fround(5.1), 1, 0, 0, 2]);
    expect(d.classes).toEqual(['cat', 'dog', 'frog']);
    expect(Array.from(d.y!)).toEqual([0, 1, 2, 0]);
    expect(d.targetName).toBe('species');
    // The fitted encoders encode new data the same way.
    expect(Array.from(d.encoders.target!.transform(['frog', 'cat']))).toEqual([2, 0]);
    expect(Array.from(d.encoders.categorical.colour.transform([['brown']]).data)).toEqual([0, 1, 0]);
    const ds = d.toDataset();
    expect([ds.length, ...ds.xShape]).toEqual([4, 5]);
  });

  it('column selection by name or index, explicit categorical columns, numeric targets, no header', () => {
    const d = parseCsv(PETS, { columns: ['age', 'weight'], target: 'species' });
    expect(d.featureNames).toEqual(['age', 'weight']);
    expect(Array.from(d.x.subarray(0, 2))).toEqual([3, 4.5]);
    const c = parseCsv(PETS, { columns: [2], categorical: ['age'], target: 0 });
    expect(c.featureNames).toEqual(['age_1', 'age_2', 'age_3', 'age_5']);
    expect(Array.from(c.y!)).toEqual([4.5, 30, Math.fround(0.2), Math.fround(5.1)]);
    expect(c.classes).toEqual([]);
    const n = parseCsv('1;2;a\n3;4;b\n', { header: false, target: 2 });
    expect(n.columns).toEqual(['0', '1', '2']);
    expect(Array.from(n.x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(n.y!)).toEqual([0, 1]);
    const v = parseCsv('x,y\r\n1,0\r\n2,1\r\n', { target: 'y', targetType: 'class' });
    expect(v.classes).toEqual(['0', '1']);
  });

  it('quoted fields across lines, comments and blank lines keep line numbers exact in errors', () => {
    const text = 'a,b,c\n# a comment\n1,"two\nlines",3\n\n4,5,oops\n';
    const ok = parseCsv(text, { comment: '#', categorical: ['b'], target: 'c', targetType: 'class' });
    expect(ok.nRows).toBe(2);
    expect(() => parseCsv(text, { comment: '#', categorical: ['b'], target: 'c', name: 'toy.csv' })).toThrow(
      'parseCsv(toy.csv): line 6: column "c" (2) "oops" is not a number (the column is numeric from its first row; pass targetType: \'class\' to label-encode it)',
    );
  });

  it('clear errors naming the file, line and column', () => {
    const err = (text: string, opts = {}) => {
      try {
        parseCsv(text, { name: 'f.csv', ...opts });
      } catch (e) {
        expect(e).toBeInstanceOf(KnobsError);
        return (e as Error).message;
      }
      throw new Error('did not throw');
    };
    expect(err('a,b\n1,2\n3\n')).toBe('parseCsv(f.csv): line 3: has 1 fields, expected 2 (as in the header)');
    expect(err('a,b\n1,2\n3,x\n')).toBe('parseCsv(f.csv): line 3: column "b" (1) "x" is not a number (the column is numeric from its first row; list it in categorical to one-hot encode it)');
    expect(err('a,b\n1,\n')).toMatch(/^parseCsv\(f\.csv\): line 2: column "b" \(1\) is empty/);
    expect(err('a,b\n1,2\n', { target: 'z' })).toBe('parseCsv(f.csv): target column "z" is not in the header ["a", "b"]');
    expect(err('a,b\n1,2\n', { columns: [5] })).toMatch(/feature column index 5 is out of range: the file has 2 columns/);
    expect(err('a,a\n1,2\n')).toMatch(/line 1: the header names column "a" twice/);
    expect(err('')).toBe('parseCsv(f.csv): no data (empty input)');
    expect(err('a,b\n')).toBe('parseCsv(f.csv): no data rows');
    expect(err('a,b\n1,"2\n')).toMatch(/^parseCsv\(f\.csv\): line 2: .*MissingQuotes/);
    expect(err('a\n1e99\n')).toMatch(/line 2: column "a" \(0\) "1e99" does not fit in float32/);
    expect(err('a,b\n1,2\n', { tagret: 'b' })).toMatch(/'tagret'/);
  });
});

describe('readCsv (knobs/node): a streamed file', () => {
  it('reads a large file record by record, the same as parseCsv on its text, plain or gzipped', async () => {
    const n = 60_000;
    const lines = ['id,x1,x2,label'];
    for (let i = 0; i < n; i++) lines.push(`${i},${(i % 97) / 8},${-i / 3},${['lo', 'mid', 'hi'][i % 3]}`);
    const text = lines.join('\n') + '\n';
    const path = join(dir, 'big.csv');
    writeFileSync(path, text);
    writeFileSync(path + '.gz', gzipSync(text));
    const d = await readCsv(path, { columns: ['x1', 'x2'], target: 'label' });
    expect([d.nRows, d.nFeatures]).toEqual([n, 2]);
    expect(d.classes).toEqual(['hi', 'lo', 'mid']);
    expect(Array.from(d.y!.subarray(0, 4))).toEqual([1, 2, 0, 1]);
    expect(d.x[2 * (n - 1) + 1]).toBe(Math.fround(-(n - 1) / 3));
    const t = parseCsv(text, { columns: ['x1', 'x2'], target: 'label' });
    expect(d.x).toEqual(t.x);
    expect(d.y).toEqual(t.y);
    const g = await readCsv(path + '.gz', { columns: ['x1', 'x2'], target: 'label' });
    expect(g.x).toEqual(d.x);
  });

  it('a bad row deep in the stream rejects with the path, line and column', async () => {
    const rows = ['a,b'];
    for (let i = 0; i < 50_000; i++) rows.push(`${i},${i}`);
    rows.push('7,seven');
    const path = join(dir, 'bad.csv');
    writeFileSync(path, rows.join('\n'));
    await expect(readCsv(path)).rejects.toThrow(`readCsv(${path}): line 50002: column "b" (1) "seven" is not a number`);
    await expect(readCsv(join(dir, 'nope.csv'))).rejects.toThrow(/readCsv\(.*nope\.csv\): the file does not exist/);
  });
});
