/**
 * Reader for the small numeric CSV files scikit-learn ships (iris, wine, breast cancer, digits,
 * diabetes; scripts/fetch-data.sh puts them in .data/sklearn/).
 *
 * sklearn's format: a header line `n_samples,n_features,<class name>...`, then one row per sample
 * with the features and the integer class label last. digits.csv.gz has the same rows without the
 * header line, and the diabetes files are whitespace-separated tables without a label column, so
 * both the header and the target column are options.
 *
 * Platform-neutral (takes a string): decompression and file access live in sklearn-node.ts.
 * Records are split by papaparse (csv-table.ts's parseCsv is the general loader for user files).
 * Parsing is strict — a ragged row, an empty field, NaN/Infinity or a count that disagrees with
 * the header is an error naming the line — because a silently shifted column would still train.
 */
import Papa from 'papaparse';
import { KnobsError } from '../errors.js';
import { checkOptions } from '../options.js';

export interface SklearnCsv {
  /** Features, row-major: sample i is x[i * nFeatures .. (i + 1) * nFeatures). */
  x: Float32Array;
  /** Class labels (Int32Array) for target 'class', values (Float32Array) for 'value', empty for 'none'. */
  y: Int32Array | Float32Array;
  nSamples: number;
  nFeatures: number;
  /** Class names from the header (or the targetNames option); [] when there are none. */
  targetNames: string[];
}

export interface ParseSklearnCsvOptions {
  /** 'counts' (default): first line is `n_samples,n_features,names...`; 'none': data from line 1. */
  header?: 'counts' | 'none';
  /** What the last column is: 'class' (default, integer label), 'value' (regression), 'none' (no target column). */
  target?: 'class' | 'value' | 'none';
  /** Field separator: ',' (default) or runs of spaces/tabs. */
  delimiter?: ',' | 'whitespace';
  /** Class names when the file has no header (digits: '0'..'9'); labels are then checked against them. */
  targetNames?: string[];
  /** Shown in error messages, e.g. the file name. */
  name?: string;
}

export interface NumericTable {
  /** Row-major values. */
  data: Float32Array;
  nRows: number;
  nCols: number;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const COUNT = /^\d+$/;

/** `where` is the op and the file, e.g. "parseSklearnCsv(iris.csv)". */
function fail(where: string, line: number | null, msg: string): never {
  throw new KnobsError(`${where}: ${line === null ? '' : `line ${line}: `}${msg}`);
}

function quote(field: string): string {
  return JSON.stringify(field.length > 40 ? field.slice(0, 40) + '…' : field);
}

/**
 * The file's records as trimmed fields, record i on line i + 1; trailing empty lines are dropped
 * (a final newline is not an empty row). Comma files go through papaparse (quotes, CRLF); the
 * whitespace-separated tables (runs of spaces/tabs, which papaparse has no delimiter for) are split here.
 */
function records(text: string, delimiter: ',' | 'whitespace', name: string): string[][] {
  let rows: string[][];
  if (delimiter === 'whitespace') {
    rows = text.split(/\r?\n/).map((line) => {
      const t = line.trim();
      return t === '' ? [''] : t.split(/[ \t]+/);
    });
  } else {
    const res = Papa.parse<string[]>(text, { delimiter: ',', header: false, dynamicTyping: false, skipEmptyLines: false });
    const bad = res.errors.find((e) => e.type === 'Quotes');
    if (bad) fail(name, (bad.row ?? 0) + 1, `${bad.message} (${bad.code})`);
    rows = res.data.map((r) => r.map((f) => f.trim()));
  }
  while (rows.length > 0 && rows[rows.length - 1].every((f) => f === '')) rows.pop();
  return rows;
}

function parseValue(field: string, name: string, line: number, col: number): number {
  if (!NUMBER.test(field)) {
    const what = field === '' ? 'is empty' : /^[+-]?(nan|inf(inity)?)$/i.test(field) ? 'is not a finite number' : 'is not a number';
    fail(name, line, `column ${col + 1} ${quote(field)} ${what}`);
  }
  const v = Number(field);
  // Values beyond float32's range would turn into Infinity in the Float32Array.
  if (!Number.isFinite(Math.fround(v))) fail(name, line, `column ${col + 1} ${quote(field)} does not fit in float32`);
  return v;
}

/** Parses data records `rows[first..]` into a table; every row must have `nCols` fields (or sets it). */
function parseRows(rows: string[][], first: number, nCols: number | null, name: string): NumericTable {
  const nRows = rows.length - first;
  let cols = nCols;
  let data: Float32Array | null = null;
  for (let r = 0; r < nRows; r++) {
    const lineNo = first + r + 1;
    const fields = rows[first + r];
    if (fields.length === 1 && fields[0] === '') fail(name, lineNo, 'empty line inside the data');
    if (cols === null) cols = fields.length;
    if (fields.length !== cols) {
      fail(name, lineNo, `has ${fields.length} fields, expected ${cols}${nCols === null ? ` (as on line ${first + 1})` : ''}`);
    }
    // Allocated once a row has shown the width is real: a header's count alone could ask for any size.
    data ??= new Float32Array(nRows * cols);
    for (let c = 0; c < cols; c++) data[r * cols + c] = parseValue(fields[c], name, lineNo, c);
  }
  return { data: data ?? new Float32Array(0), nRows, nCols: cols ?? 0 };
}

/** A headerless numeric table (e.g. the diabetes features or targets). */
export function parseNumericTable(
  text: string,
  opts: { delimiter?: ',' | 'whitespace'; name?: string } = {},
): NumericTable {
  opts = checkOptions('parseNumericTable', opts, ['delimiter', 'name']);
  const name = `parseNumericTable(${opts.name ?? 'table'})`;
  if (opts.delimiter !== undefined && opts.delimiter !== ',' && opts.delimiter !== 'whitespace') fail(name, null, `delimiter must be ',' or 'whitespace', got ${JSON.stringify(opts.delimiter)}`);
  if (typeof text !== 'string') fail(name, null, `expected the file's text as a string, got ${typeof text}`);
  return parseRows(records(text, opts.delimiter ?? ',', name), 0, null, name);
}

export function parseSklearnCsv(text: string, opts: ParseSklearnCsvOptions = {}): SklearnCsv {
  opts = checkOptions('parseSklearnCsv', opts, ['header', 'target', 'delimiter', 'targetNames', 'name']);
  const name = `parseSklearnCsv(${opts.name ?? 'csv'})`;
  const header = opts.header ?? 'counts';
  const target = opts.target ?? 'class';
  const delimiter = opts.delimiter ?? ',';
  if (header !== 'counts' && header !== 'none') fail(name, null, `header must be 'counts' or 'none', got ${JSON.stringify(header)}`);
  if (target !== 'class' && target !== 'value' && target !== 'none') fail(name, null, `target must be 'class', 'value' or 'none', got ${JSON.stringify(target)}`);
  if (delimiter !== ',' && delimiter !== 'whitespace') fail(name, null, `delimiter must be ',' or 'whitespace', got ${JSON.stringify(delimiter)}`);
  if (opts.targetNames !== undefined && (!Array.isArray(opts.targetNames) || opts.targetNames.some((t) => typeof t !== 'string'))) fail(name, null, 'targetNames must be an array of strings');
  if (typeof text !== 'string') fail(name, null, `expected the file's text as a string, got ${typeof text}`);
  const lines = records(text, delimiter, name);
  if (lines.length === 0) fail(name, null, 'no data (empty input)');

  let nSamples: number | null = null;
  let nFeatures: number | null = null;
  let targetNames: string[] = opts.targetNames ? [...opts.targetNames] : [];
  let first = 0;
  if (header === 'counts') {
    const h = lines[0];
    if (h.length < 2 || !COUNT.test(h[0]) || !COUNT.test(h[1])) {
      fail(name, 1, `expected a header "n_samples,n_features[,class names...]", got ${quote(h.join(delimiter === ',' ? ',' : ' '))}`);
    }
    nSamples = Number(h[0]);
    nFeatures = Number(h[1]);
    if (nFeatures < 1) fail(name, 1, `header says ${nFeatures} features`);
    // boston_house_prices pads its header with empty name fields: names end at the first empty one.
    const names = h.slice(2);
    const end = names.indexOf('');
    const fromHeader = end < 0 ? names : names.slice(0, end);
    if (fromHeader.length > 0) {
      if (opts.targetNames && opts.targetNames.join('\u0000') !== fromHeader.join('\u0000')) {
        fail(name, 1, `header class names [${fromHeader}] differ from the targetNames option [${opts.targetNames}]`);
      }
      targetNames = fromHeader;
    }
    first = 1;
  }

  const targetCols = target === 'none' ? 0 : 1;
  const table = parseRows(lines, first, nFeatures === null ? null : nFeatures + targetCols, name);
  // After the rows are parsed, so a malformed row is reported by its line rather than as a count.
  if (nSamples !== null && table.nRows !== nSamples) {
    fail(name, null, `header says ${nSamples} samples, found ${table.nRows} data rows`);
  }
  if (table.nRows === 0) fail(name, null, 'no data rows');
  const d = table.nCols - targetCols;
  if (d < 1) fail(name, first + 1, `has ${table.nCols} field(s): no room for features${targetCols ? ' and a target' : ''}`);
  const n = table.nRows;

  let x: Float32Array;
  let y: Int32Array | Float32Array;
  if (targetCols === 0) {
    x = table.data;
    y = new Float32Array(0);
  } else {
    x = new Float32Array(n * d);
    const src = table.data;
    const yc = target === 'class' ? new Int32Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x.set(src.subarray(i * (d + 1), i * (d + 1) + d), i * d);
      const v = src[i * (d + 1) + d];
      if (target === 'class') {
        if (!Number.isInteger(v) || v < 0) fail(name, first + i + 1, `class label ${v} is not a non-negative integer`);
        if (targetNames.length > 0 && v >= targetNames.length) {
          fail(name, first + i + 1, `class label ${v} is out of range for ${targetNames.length} classes [${targetNames}]`);
        }
      }
      yc[i] = v;
    }
    y = yc;
  }
  return { x, y, nSamples: n, nFeatures: d, targetNames };
}
