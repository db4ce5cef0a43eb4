/**
 * The CSV loader for user data, on papaparse (quoting, delimiters, line endings are its job):
 * a header row, column selection by name or index, numeric and categorical feature columns
 * (categorical ones one-hot encoded), and a target column that is label-encoded (classes) or
 * kept as numbers (values). The result holds float32 features and targets ready for
 * TensorDataset, and the fitted encoders, so new data is encoded the same way.
 *
 * Rows are consumed one at a time (CsvBuilder), so the Node reader (csv-node.ts, readCsv) streams
 * a file of any size through the same code: a numeric column keeps only its numbers, a categorical
 * one an id per row. A column's kind is fixed by the options or by its first data row, so a bad
 * value later is an error naming the file, the line and the column — not a silently shifted table.
 */
import Papa from 'papaparse';
import { KnobsError } from '../errors.js';
import { checkOptions, fmtValue } from '../options.js';
import { TensorDataset } from './dataset.js';
import { LabelEncoder, OneHotEncoder, type Category } from './encoders.js';

export type ColumnRef = string | number;

export interface CsvOptions {
  /** The first row names the columns (default true). Without a header, columns are referred to by index. */
  header?: boolean;
  /** Field delimiter; default: detected by papaparse from the first rows (',', ';', tab, '|'). */
  delimiter?: string;
  /** Lines starting with this string are skipped (e.g. '#'). Default: none. */
  comment?: string;
  /** The target column (name or 0-based index). Default: none (features only). */
  target?: ColumnRef;
  /** 'class' (label-encoded to 0..k−1 by a LabelEncoder) or 'value' (numbers). Default: 'class' if the target's first value is not a number, else 'value'. */
  targetType?: 'class' | 'value';
  /** Feature columns, in this order. Default: every column except the target. */
  columns?: readonly ColumnRef[];
  /** Feature columns to one-hot encode. Default: the selected columns whose first value is not a number. */
  categorical?: readonly ColumnRef[];
  /** Shown in error messages (readCsv passes the path). */
  name?: string;
}

export interface CsvData {
  /** Features, row-major [nRows, nFeatures] (one-hot blocks in place of categorical columns). */
  x: Float32Array;
  /** Targets (class codes or values), or null without a target column. */
  y: Float32Array | null;
  nRows: number;
  nFeatures: number;
  /** Column names from the header (or '0', '1', … without one). */
  columns: string[];
  /** Name of every feature: the column name, or `${column}_${category}` for a one-hot column. */
  featureNames: string[];
  /** The target column's name, or null. */
  targetName: string | null;
  /** Class names in code order (targetType 'class'), else []. */
  classes: Category[];
  /** The fitted encoders: the target's LabelEncoder and one OneHotEncoder per categorical column. */
  encoders: { target: LabelEncoder | null; categorical: Record<string, OneHotEncoder> };
  /** x and y as a TensorDataset (y must exist). */
  toDataset(): TensorDataset;
}

const KEYS = ['header', 'delimiter', 'comment', 'target', 'targetType', 'columns', 'categorical', 'name'] as const;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Largest float32; beyond it (after rounding) a value would become Infinity. */
const F32_MAX = 3.4028235677973366e38;

function quote(field: string): string {
  return JSON.stringify(field.length > 40 ? field.slice(0, 40) + '…' : field);
}

/** A growable float64 column (numbers are checked against float32's range when stored). */
class NumberColumn {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

/** Distinct values in first-seen order and an id per row; sorted into sklearn's order at the end. */
class CategoryColumn {
  ids = new NumberColumn();
  seen = new Map<string, number>();
  push(v: string): void {
    let id = this.seen.get(v);
    if (id === undefined) this.seen.set(v, (id = this.seen.size));
    this.ids.push(id);
  }
}

interface Plan {
  index: number;
  name: string;
  kind: 'number' | 'category';
  store: NumberColumn | CategoryColumn;
}

/** Consumes CSV records one by one; finish() builds the CsvData. */
export class CsvBuilder {
  private readonly opts: CsvOptions;
  private readonly where: string;
  private columns: string[] | null = null;
  private features: Plan[] = [];
  private target: Plan | null = null;
  private width = 0;
  private rows = 0;
  /** 1-based line where the record being read starts. */
  line = 0;
  private nextLine = 1;

  constructor(op: string, opts: CsvOptions = {}) {
    this.opts = checkOptions(op, opts, KEYS);
    this.where = `${op}(${opts.name ?? 'csv'})`;
    const o = this.opts;
    if (o.header !== undefined && typeof o.header !== 'boolean') this.fail(`header must be true or false, got ${fmtValue(o.header)}`);
    if (o.targetType !== undefined && o.targetType !== 'class' && o.targetType !== 'value') this.fail(`targetType must be 'class' or 'value', got ${fmtValue(o.targetType)}`);
    for (const k of ['columns', 'categorical'] as const) {
      const v = o[k];
      if (v !== undefined && (!Array.isArray(v) || v.some((c) => typeof c !== 'string' && !(Number.isInteger(c) && c >= 0)))) this.fail(`${k} must be an array of column names or 0-based indices, got ${fmtValue(v)}`);
    }
    if (o.target !== undefined && typeof o.target !== 'string' && !(Number.isInteger(o.target) && o.target >= 0)) this.fail(`target must be a column name or 0-based index, got ${fmtValue(o.target)}`);
  }

  fail(msg: string, line?: number): never {
    throw new KnobsError(`${this.where}: ${line === undefined ? '' : `line ${line}: `}${msg}`);
  }

  private resolve(ref: ColumnRef, what: string): number {
    const cols = this.columns!;
    if (typeof ref === 'number') {
      if (ref >= cols.length) this.fail(`${what} column index ${ref} is out of range: the file has ${cols.length} columns`);
      return ref;
    }
    const i = cols.indexOf(ref);
    if (i < 0) this.fail(`${what} column ${quote(ref)} is not in the ${this.opts.header === false ? 'file (no header: use 0-based indices)' : `header [${cols.map(quote).join(', ')}]`}`);
    return i;
  }

  /** Sets up the column plan from the header (or the first record's width) and the first data row's values. */
  private plan(first: string[]): void {
    const o = this.opts, cols = this.columns!;
    const t = o.target === undefined ? -1 : this.resolve(o.target, 'target');
    const feats = o.columns ? o.columns.map((c) => this.resolve(c, 'feature')) : cols.map((_, i) => i).filter((i) => i !== t);
    if (feats.includes(t)) this.fail(`column ${quote(cols[t])} is both the target and a feature`);
    if (new Set(feats).size !== feats.length) this.fail('columns lists a column twice');
    if (feats.length === 0) this.fail('no feature columns selected');
    const cat = new Set((o.categorical ?? []).map((c) => this.resolve(c, 'categorical')));
    for (const c of cat) if (!feats.includes(c)) this.fail(`categorical column ${quote(cols[c])} is not a selected feature`);
    const looksNumeric = (i: number) => NUMBER.test(first[i].trim());
    this.features = feats.map((i) => {
      const kind = o.categorical ? (cat.has(i) ? 'category' : 'number') : looksNumeric(i) ? 'number' : 'category';
      return { index: i, name: cols[i], kind, store: kind === 'number' ? new NumberColumn() : new CategoryColumn() };
    });
    if (t >= 0) {
      const kind = (o.targetType ?? (looksNumeric(t) ? 'value' : 'class')) === 'class' ? 'category' : 'number';
      this.target = { index: t, name: cols[t], kind, store: kind === 'number' ? new NumberColumn() : new CategoryColumn() };
    }
  }

  /** One record from the parser (fields as strings); `problem`: what the parser found wrong with it. */
  add(fields: string[], problem?: string): void {
    this.line = this.nextLine;
    // A quoted field may span lines: the next record starts that many lines further on.
    let lines = 1;
    for (const f of fields) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) lines++;
    this.nextLine += lines;
    if (problem) this.fail(problem, this.line);
    // An empty line: papaparse gives one empty field; it carries no data.
    if (fields.length === 1 && fields[0].trim() === '') return;
    // Comments are skipped here rather than by papaparse, so they still count as lines.
    if (this.opts.comment && fields[0].trimStart().startsWith(this.opts.comment)) return;
    if (this.columns === null) {
      this.width = fields.length;
      if (this.opts.header === false) {
        this.columns = fields.map((_, i) => String(i));
      } else {
        this.columns = fields.map((f) => f.trim());
        const dup = this.columns.find((c, i) => this.columns!.indexOf(c) !== i);
        if (dup !== undefined) this.fail(`the header names column ${quote(dup)} twice`, this.line);
        return;
      }
    }
    if (fields.length !== this.width) this.fail(`has ${fields.length} fields, expected ${this.width}${this.opts.header === false ? '' : ' (as in the header)'}`, this.line);
    if (this.rows === 0) this.plan(fields);
    for (const p of this.features) this.store(p, fields[p.index], 'feature');
    if (this.target) this.store(this.target, fields[this.target.index], 'target');
    this.rows++;
  }

  private store(p: Plan, raw: string, role: string): void {
    const f = raw.trim();
    if (p.kind === 'category' && f !== '') {
      (p.store as CategoryColumn).push(f);
      return;
    }
    const v = NUMBER.test(f) ? Number(f) : NaN;
    // The common case costs one regex test and one conversion; messages are built only on failure.
    if (v === v && Math.abs(v) <= F32_MAX) {
      (p.store as NumberColumn).push(v);
      return;
    }
    const col = `column ${quote(p.name)}${this.opts.header === false ? '' : ` (${p.index})`}`;
    if (f === '') this.fail(`${col} is empty (missing values are not filled in; clean the file or drop the column)`, this.line);
    if (v !== v) {
      const hint = role === 'target' ? "pass targetType: 'class' to label-encode it" : `list it in categorical to one-hot encode it`;
      this.fail(`${col} ${quote(f)} is not a number (the column is numeric from its first row; ${hint})`, this.line);
    }
    if (!Number.isFinite(Math.fround(v))) this.fail(`${col} ${quote(f)} does not fit in float32`, this.line);
    (p.store as NumberColumn).push(v);
  }

  finish(): CsvData {
    if (this.columns === null) this.fail('no data (empty input)');
    if (this.rows === 0) this.fail('no data rows');
    const n = this.rows;
    const blocks: { width: number; names: string[]; fill: (row: number, out: Float32Array, at: number) => void }[] = [];
    const categorical: Record<string, OneHotEncoder> = {};
    for (const p of this.features) {
      if (p.kind === 'number') {
        const d = (p.store as NumberColumn).data;
        blocks.push({ width: 1, names: [p.name], fill: (r, out, at) => void (out[at] = d[r]) });
        continue;
      }
      const c = p.store as CategoryColumn;
      const values = [...c.seen.keys()];
      // OneHotEncoder sorts the categories; rows map from first-seen ids to sorted positions.
      const enc = new OneHotEncoder().fit(values.map((v) => [v]));
      const pos = values.map((v) => enc.categories[0].indexOf(v));
      categorical[p.name] = enc;
      const ids = c.ids.data;
      blocks.push({ width: values.length, names: enc.getFeatureNamesOut([p.name]), fill: (r, out, at) => void (out[at + pos[ids[r]]] = 1) });
    }
    const d = blocks.reduce((s, b) => s + b.width, 0);
    if (n * d > 2 ** 32 - 1) this.fail(`${n} rows × ${d} features is too large for one Float32Array`);
    const x = new Float32Array(n * d);
    for (let r = 0; r < n; r++) {
      let at = r * d;
      for (const b of blocks) {
        b.fill(r, x, at);
        at += b.width;
      }
    }
    let y: Float32Array | null = null, classes: Category[] = [], targetEnc: LabelEncoder | null = null;
    if (this.target) {
      if (this.target.kind === 'number') {
        y = Float32Array.from((this.target.store as NumberColumn).data.subarray(0, n));
      } else {
        const c = this.target.store as CategoryColumn;
        const values = [...c.seen.keys()];
        targetEnc = new LabelEncoder().fit(values);
        const code = targetEnc.transform(values);
        const ids = c.ids.data;
        y = new Float32Array(n);
        for (let r = 0; r < n; r++) y[r] = code[ids[r]];
        classes = targetEnc.classes;
      }
    }
    const targetName = this.target?.name ?? null;
    const where = this.where;
    return {
      x, y, nRows: n, nFeatures: d, columns: this.columns, featureNames: blocks.flatMap((b) => b.names),
      targetName, classes, encoders: { target: targetEnc, categorical },
      toDataset() {
        if (!y) throw new KnobsError(`${where}: toDataset needs a target column; pass the target option`);
        return new TensorDataset({ data: x, shape: [n, d] }, { data: y, shape: [n] });
      },
    };
  }
}

/** Papa's config shared by the string and stream readers. */
export function papaConfig(b: CsvBuilder, opts: CsvOptions, onError: (e: unknown) => void) {
  return {
    header: false,
    dynamicTyping: false,
    skipEmptyLines: false as const,
    delimiter: opts.delimiter ?? '',
    step(results: Papa.ParseStepResult<string[]>, parser: Papa.Parser) {
      try {
        const err = results.errors.find((e) => e.type === 'Quotes');
        b.add(results.data, err && `${err.message} (${err.code})`);
      } catch (e) {
        // Before abort(): aborting calls `complete` at once, which must already see the failure.
        onError(e);
        parser.abort();
      }
    },
  };
}

/** Parses CSV text (a whole file's contents). In Node, readCsv (knobs/node) streams a file instead. */
export function parseCsv(text: string, opts: CsvOptions = {}): CsvData {
  const b = new CsvBuilder('parseCsv', opts);
  if (typeof text !== 'string') b.fail(`expected the file's text as a string, got ${fmtValue(text)}`);
  let error: unknown = null;
  Papa.parse<string[]>(text, papaConfig(b, opts, (e) => (error ??= e)));
  if (error) throw error;
  return b.finish();
}
