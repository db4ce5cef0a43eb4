import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseNumericTable, parseSklearnCsv } from '../ts/data/csv.js';
import { defaultSklearnDir, loadSklearnCsv, loadSklearnDataset, readDataText } from '../ts/data/sklearn-node.js';
import { KnobsError } from '../ts/errors.js';
import reference from './fixtures/sklearn-reference.json';

const IRIS_LIKE = '3,2,setosa,versicolor,virginica\n5.1,3.5,0\n4.9,3.0,1\n-1.5e-1,.25,2\n';

function err(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('parseSklearnCsv on inline text', () => {
  it('reads the header counts, class names, features and labels', () => {
    const d = parseSklearnCsv(IRIS_LIKE);
    expect(d.nSamples).toBe(3);
    expect(d.nFeatures).toBe(2);
    expect(d.targetNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.x).toBeInstanceOf(Float32Array);
    expect(Array.from(d.x)).toEqual([5.1, 3.5, 4.9, 3.0, -0.15, 0.25].map(Math.fround));
    expect(d.y).toBeInstanceOf(Int32Array);
    expect(Array.from(d.y)).toEqual([0, 1, 2]);
  });

  it('accepts CRLF line ends, spaces around fields and trailing blank lines', () => {
    const d = parseSklearnCsv('2,1,a,b\r\n 1.5 , 0\r\n2,1\r\n\r\n\n');
    expect(Array.from(d.x)).toEqual([1.5, 2]);
    expect(Array.from(d.y)).toEqual([0, 1]);
  });

  it('stops the class names at the first empty header field (boston pads its header)', () => {
    const d = parseSklearnCsv('2,2,,,\n1,2,3\n4,5,6\n', { target: 'value' });
    expect(d.targetNames).toEqual([]);
    expect(d.y).toBeInstanceOf(Float32Array);
    expect(Array.from(d.y)).toEqual([3, 6]);
    expect(Array.from(d.x)).toEqual([1, 2, 4, 5]);
  });

  it('reads headerless rows (digits) with class names from the options', () => {
    const d = parseSklearnCsv('0,16,1\n3,4,0\n', { header: 'none', targetNames: ['zero', 'one'] });
    expect([d.nSamples, d.nFeatures]).toEqual([2, 2]);
    expect(d.targetNames).toEqual(['zero', 'one']);
    expect(Array.from(d.y)).toEqual([1, 0]);
  });

  it("reads whitespace-separated tables without a target column (target: 'none')", () => {
    const d = parseSklearnCsv('59 2  32.1\n48\t1 21.6\n', { header: 'none', target: 'none', delimiter: 'whitespace' });
    expect([d.nSamples, d.nFeatures]).toEqual([2, 3]);
    expect(Array.from(d.x)).toEqual([59, 2, 32.1, 48, 1, 21.6].map(Math.fround));
    expect(d.y.length).toBe(0);
    const t = parseNumericTable('1.5e+02\n7.5e+01\n', { delimiter: 'whitespace' });
    expect([t.nRows, t.nCols, ...t.data]).toEqual([2, 1, 150, 75]);
  });

  const bad: [string, string, object, RegExp][] = [
    ['a ragged row, by line and count', '2,2,a,b\n1,2,0\n1,2\n', {}, /line 3: has 2 fields, expected 3/],
    ['a row with an extra field', '2,2,a,b\n1,2,0\n1,2,0,9\n', {}, /line 3: has 4 fields, expected 3/],
    ['NaN', '1,2,a\n1,nan,0\n', {}, /line 2: column 2 "nan" is not a finite number/],
    ['NaN spelled NaN', '1,2,a\n1,NaN,0\n', {}, /column 2 "NaN" is not a finite number/],
    ['Infinity', '1,2,a\n-Infinity,1,0\n', {}, /column 1 "-Infinity" is not a finite number/],
    ['an empty field', '1,2,a\n1,,0\n', {}, /line 2: column 2 "" is empty/],
    ['text in a number column', '1,2,a\n1,x7,0\n', {}, /column 2 "x7" is not a number/],
    ['hex, which Number() would accept', '1,2,a\n0x10,1,0\n', {}, /column 1 "0x10" is not a number/],
    ['a value beyond float32', '1,2,a\n1e39,1,0\n', {}, /column 1 "1e39" does not fit in float32/],
    ['a fractional class label', '1,1,a,b\n1,0.5\n', {}, /line 2: class label 0.5 is not a non-negative integer/],
    ['a negative class label', '1,1,a,b\n1,-1\n', {}, /class label -1 is not a non-negative integer/],
    ['a label beyond the class names', '1,1,a,b\n1,2\n', {}, /class label 2 is out of range for 2 classes \[a,b\]/],
    ['fewer rows than the header says (truncated file)', '3,1,a\n1,0\n2,0\n', {}, /header says 3 samples, found 2 data rows/],
    ['more rows than the header says', '1,1,a\n1,0\n2,0\n', {}, /header says 1 samples, found 2 data rows/],
    ['a header without counts', 'sepal,petal\n1,0\n', {}, /line 1: expected a header "n_samples,n_features/],
    ['a header with a non-integer count', '1.5,1,a\n1,0\n', {}, /line 1: expected a header/],
    ['an empty line inside the data', '2,1,a\n1,0\n\n2,0\n', {}, /line 3: empty line inside the data/],
    ['empty input', '\n\n', {}, /no data \(empty input\)/],
    ['a header and no rows', '0,2,a\n', {}, /no data rows/],
    ['a headerless ragged row, naming the first row', '1,2,0\n1,2\n', { header: 'none' }, /line 2: has 2 fields, expected 3 \(as on line 1\)/],
    ['class names that disagree with the header', '1,1,a,b\n1,0\n', { targetNames: ['x', 'y'] }, /header class names \[a,b\] differ/],
    ['a single column with a target', '1\n2\n', { header: 'none' }, /no room for features and a target/],
  ];
  for (const [what, text, opts, msg] of bad) {
    it(`rejects ${what}`, () => {
      const e = err(() => parseSklearnCsv(text, { name: 'toy.csv', ...opts }));
      expect(e).toBeInstanceOf(KnobsError);
      expect(e.message).toMatch(/^parseSklearnCsv\(toy\.csv\): /);
      expect(e.message).toMatch(msg);
    });
  }

  it('rejects a non-string input and keeps working afterwards', () => {
    expect(() => parseSklearnCsv(new Uint8Array(3) as unknown as string)).toThrow(/expected the file's text as a string, got object/);
    expect(parseSklearnCsv(IRIS_LIKE).nSamples).toBe(3);
  });
});

describe('sklearn-node file loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'knobs-csv-'));

  it('gunzips by magic bytes, whatever the file name', () => {
    const p = join(dir, 'toy.bin');
    writeFileSync(p, gzipSync(IRIS_LIKE));
    const d = loadSklearnCsv(p);
    expect([d.nSamples, d.nFeatures, ...d.y]).toEqual([3, 2, 0, 1, 2]);
    writeFileSync(join(dir, 'plain.csv'), IRIS_LIKE);
    expect(Array.from(loadSklearnCsv(join(dir, 'plain.csv')).x)).toEqual(Array.from(d.x));
  });

  it('names the file in parse errors, and reports missing or corrupt files', () => {
    const p = join(dir, 'ragged.csv');
    writeFileSync(p, '2,1,a\n1,0\n1\n');
    expect(() => loadSklearnCsv(p)).toThrow(`parseSklearnCsv(${p}): line 3: has 1 fields, expected 2`);
    expect(() => loadSklearnCsv(join(dir, 'nope.csv'))).toThrow(/nope\.csv does not exist \(run: bash scripts\/fetch-data\.sh sklearn\)/);
    const gz = join(dir, 'cut.csv.gz');
    writeFileSync(gz, gzipSync(IRIS_LIKE).subarray(0, 12));
    expect(() => readDataText(gz)).toThrow(/looks gzip-compressed but does not decompress/);
    expect(() => loadSklearnDataset('mnist' as never, dir)).toThrow(/unknown data set "mnist"/);
  });
});

// The real files come from scripts/fetch-data.sh (not committed); without them these are skipped.
const haveData = existsSync(join(defaultSklearnDir, 'iris.csv'));
const ref = reference as any;

describe.skipIf(!haveData)('the real sklearn files in .data/sklearn', () => {
  it('are the files the sklearn reference fixture was made from', () => {
    for (const [file, sum] of Object.entries(ref.data_sha256 as Record<string, string>)) {
      const got = createHash('sha256').update(readFileSync(join(defaultSklearnDir, file))).digest('hex');
      expect(got, file).toBe(sum);
    }
  });

  it('iris: 150 × 4, three classes of 50, first and last rows as published', () => {
    const d = loadSklearnDataset('iris');
    expect([d.nSamples, d.nFeatures, d.x.length, d.y.length]).toEqual([150, 4, 600, 150]);
    expect(d.targetNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.y).toBeInstanceOf(Int32Array);
    const counts = [0, 0, 0];
    d.y.forEach((c) => counts[c]++);
    expect(counts).toEqual([50, 50, 50]);
    expect(Array.from(d.x.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    expect(Array.from(d.x.subarray(596))).toEqual([5.9, 3.0, 5.1, 1.8].map(Math.fround));
  });

  it('every set has the shape and class count the fixture records', () => {
    for (const name of ['iris', 'wine', 'breast_cancer', 'digits', 'diabetes'] as const) {
      const d = loadSklearnDataset(name);
      const s = ref.shapes[name];
      expect([d.nSamples, d.nFeatures], name).toEqual([s.n_samples, s.n_features]);
      expect(d.x.length).toBe(d.nSamples * d.nFeatures);
      expect(d.y.length).toBe(d.nSamples);
      if (s.n_classes !== undefined) {
        expect(d.targetNames.length, name).toBe(s.n_classes);
        expect(new Set(d.y).size, name).toBe(s.n_classes);
      }
    }
  });

  it('digits (gzip, no header): 8×8 pixel values are integers 0..16', () => {
    const d = loadSklearnDataset('digits');
    expect(d.targetNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(d.x.every((v) => Number.isInteger(v) && v >= 0 && v <= 16)).toBe(true);
    expect(Math.max(...d.x)).toBe(16);
  });

  it('diabetes: raw regression targets between 25 and 346', () => {
    const d = loadSklearnDataset('diabetes');
    expect(d.y).toBeInstanceOf(Float32Array);
    expect([Math.min(...d.y), Math.max(...d.y)]).toEqual([25, 346]);
  });

  // Cross-checks the parsed values and the fixture's split convention (train = rows not in the
  // test list, ascending) against numbers Python computed from its own reading of the files.
  it('train-row statistics match the fixture (GaussianNB class means, wine standardization)', () => {
    const trainRows = (n: number, test: number[]) => {
      const t = new Set(test);
      return Array.from({ length: n }, (_, i) => i).filter((i) => !t.has(i));
    };
    const iris = loadSklearnDataset('iris');
    const rows = trainRows(150, ref.splits.iris.test);
    expect(rows.length).toBe(ref.splits.iris.n_train);
    for (let c = 0; c < 3; c++) {
      const mine = rows.filter((i) => iris.y[i] === c);
      for (let j = 0; j < 4; j++) {
        const mean = mine.reduce((s, i) => s + iris.x[i * 4 + j], 0) / mine.length;
        expect(mean).toBeCloseTo(ref.gaussian_nb.iris.theta[c][j], 12);
      }
    }
    const wine = loadSklearnDataset('wine');
    const wr = trainRows(178, ref.splits.wine.test);
    for (let j = 0; j < 13; j++) {
      const v = wr.map((i) => wine.x[i * 13 + j]);
      const mean = v.reduce((s, a) => s + a, 0) / v.length;
      const std = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length);
      expect(mean / ref.standardize.wine.mean[j]).toBeCloseTo(1, 12);
      expect(std / ref.standardize.wine.std[j]).toBeCloseTo(1, 10);
    }
  });
});
