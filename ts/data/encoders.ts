/**
 * LabelEncoder and OneHotEncoder with scikit-learn's meaning: categories are the sorted distinct
 * values seen in fit (numbers numerically, strings by code point, as NumPy sorts them), a value's
 * code is its index there. Codes and one-hot rows come back as Float32Array, ready for
 * TensorDataset. toJSON() / fromJSON() save and restore a fitted encoder.
 */
import { KnobsError, ShapeError } from '../errors.js';
import { checkOptions, fmtValue } from '../options.js';
import { toMatrix, type MatrixInput } from '../classic/estimator.js';
import { readJSON, type FeatureMatrix, type TransformerJSON } from './scalers.js';

export type Category = string | number;

function sortCategories(op: string, values: Iterable<Category>): Category[] {
  const list = [...new Set(values)];
  const kinds = new Set(list.map((v) => typeof v));
  if (kinds.size > 1) throw new KnobsError(`${op}: values mix numbers and strings (${fmtValue(list.find((v) => typeof v === 'number'))} and ${fmtValue(list.find((v) => typeof v === 'string'))}); encode them as one type`);
  for (const v of list) {
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') throw new KnobsError(`${op}: ${fmtValue(v)} is not a category (a string or a finite number)`);
  }
  return list.sort((a, b) => (typeof a === 'number' ? a - (b as number) : a < b ? -1 : a > b ? 1 : 0));
}

function checkLabels(op: string, y: unknown): ArrayLike<Category> {
  if (!y || typeof y !== 'object' || typeof (y as ArrayLike<unknown>).length !== 'number') throw new KnobsError(`${op}: expected an array of labels, got ${fmtValue(y)}`);
  return y as ArrayLike<Category>;
}

function readCategories(op: string, v: unknown, key: string): Category[] {
  if (!Array.isArray(v) || v.length === 0) throw new KnobsError(`${op}: ${key} must be a non-empty array`);
  const sorted = sortCategories(op, v as Category[]);
  if (sorted.length !== v.length || sorted.some((c, i) => c !== v[i])) throw new KnobsError(`${op}: ${key} must be distinct values in sorted order`);
  return sorted;
}

/** Maps class labels (strings or numbers) to 0..nClasses−1 and back. */
export class LabelEncoder {
  readonly type = 'LabelEncoder';
  /** The distinct labels in sorted order; a label's code is its index here. */
  classes: Category[] = [];
  private index = new Map<Category, number>();

  fit(y: ArrayLike<Category>): this {
    const labels = checkLabels('LabelEncoder.fit', y);
    if (labels.length === 0) throw new ShapeError('LabelEncoder.fit: y has no labels');
    this.setClasses(sortCategories('LabelEncoder.fit', Array.from(labels)));
    return this;
  }

  private setClasses(classes: Category[]): void {
    this.classes = classes;
    this.index = new Map(classes.map((c, i) => [c, i]));
  }

  /** Codes as float32 (class labels for TensorDataset and crossEntropy). */
  transform(y: ArrayLike<Category>): Float32Array {
    if (this.classes.length === 0) throw new KnobsError('LabelEncoder.transform: not fitted yet; call fit(y) first');
    const labels = checkLabels('LabelEncoder.transform', y);
    const out = new Float32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const c = this.index.get(labels[i]);
      if (c === undefined) throw new KnobsError(`LabelEncoder.transform: y contains previously unseen label ${fmtValue(labels[i])} at index ${i} (known: ${this.classes.slice(0, 10).map((c) => fmtValue(c)).join(', ')}${this.classes.length > 10 ? ', …' : ''})`);
      out[i] = c;
    }
    return out;
  }

  fitTransform(y: ArrayLike<Category>): Float32Array {
    return this.fit(y).transform(y);
  }

  inverseTransform(codes: ArrayLike<number>): Category[] {
    if (this.classes.length === 0) throw new KnobsError('LabelEncoder.inverseTransform: not fitted yet; call fit(y) first');
    return Array.from(checkLabels('LabelEncoder.inverseTransform', codes) as ArrayLike<number>, (c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= this.classes.length) throw new KnobsError(`LabelEncoder.inverseTransform: code ${fmtValue(c)} at index ${i} is not in [0, ${this.classes.length})`);
      return this.classes[c];
    });
  }

  toJSON(): TransformerJSON {
    return { format: 'knobs.estimator', version: 1, type: this.type, params: {}, state: this.classes.length ? { classes: [...this.classes] } : null };
  }

  static fromJSON(json: TransformerJSON | string): LabelEncoder {
    const op = 'LabelEncoder.fromJSON';
    const j = readJSON(op, 'LabelEncoder', json);
    const e = new LabelEncoder();
    if (j.state) e.setClasses(readCategories(op, j.state.classes, 'state.classes'));
    return e;
  }
}

export interface OneHotEncoderOptions {
  /** 'error' (default): an unseen category in transform throws; 'ignore': its columns are all zero. */
  handleUnknown?: 'error' | 'ignore';
}

/** Rows of categorical features: string or number cells, one column per feature. */
export type CategoryRows = readonly (readonly Category[])[];

/** One 0/1 column per (feature, category), features side by side in input order. */
export class OneHotEncoder {
  readonly type = 'OneHotEncoder';
  readonly handleUnknown: 'error' | 'ignore';
  /** Per input feature, its categories in sorted order. */
  categories: Category[][] = [];
  private index: Map<Category, number>[] = [];
  private offsets: number[] = [];

  constructor(opts: OneHotEncoderOptions = {}) {
    opts = checkOptions('OneHotEncoder', opts, ['handleUnknown']);
    this.handleUnknown = opts.handleUnknown ?? 'error';
    if (this.handleUnknown !== 'error' && this.handleUnknown !== 'ignore') throw new KnobsError(`OneHotEncoder: handleUnknown must be 'error' or 'ignore', got ${fmtValue(opts.handleUnknown)}`);
  }

  /** Number of output columns (the sum of every feature's category count). */
  get nOutputs(): number {
    return this.categories.reduce((s, c) => s + c.length, 0);
  }

  private rows(op: string, x: CategoryRows, d: number | null): number {
    if (!Array.isArray(x)) throw new KnobsError(`${op}: expected rows of categories (an array of arrays), got ${fmtValue(x)}`);
    for (let i = 0; i < x.length; i++) {
      const r = x[i];
      if (!Array.isArray(r)) throw new KnobsError(`${op}: row ${i} is not an array`);
      d ??= r.length;
      if (r.length !== d) throw new ShapeError(`${op}: row ${i} has ${r.length} values, expected ${d}`);
    }
    return d ?? 0;
  }

  fit(x: CategoryRows): this {
    const d = this.rows('OneHotEncoder.fit', x, null);
    if (x.length === 0 || d === 0) throw new ShapeError('OneHotEncoder.fit: x has no rows or no features');
    this.setCategories(Array.from({ length: d }, (_, j) => sortCategories(`OneHotEncoder.fit (feature ${j})`, x.map((r) => r[j]))));
    return this;
  }

  private setCategories(cats: Category[][]): void {
    this.categories = cats;
    this.index = cats.map((c) => new Map(c.map((v, i) => [v, i])));
    this.offsets = [];
    let o = 0;
    for (const c of cats) {
      this.offsets.push(o);
      o += c.length;
    }
  }

  private fitted(op: string): void {
    if (this.categories.length === 0) throw new KnobsError(`OneHotEncoder.${op}: not fitted yet; call fit(x) first`);
  }

  transform(x: CategoryRows): FeatureMatrix {
    this.fitted('transform');
    this.rows('OneHotEncoder.transform', x, this.categories.length);
    const w = this.nOutputs;
    const out = new Float32Array(x.length * w);
    for (let i = 0; i < x.length; i++) {
      for (let j = 0; j < this.categories.length; j++) {
        const k = this.index[j].get(x[i][j]);
        if (k === undefined) {
          if (this.handleUnknown === 'ignore') continue;
          throw new KnobsError(`OneHotEncoder.transform: unknown category ${fmtValue(x[i][j])} in feature ${j} at row ${i} (pass handleUnknown: 'ignore' to encode it as all zeros)`);
        }
        out[i * w + this.offsets[j] + k] = 1;
      }
    }
    return { data: out, shape: [x.length, w] };
  }

  fitTransform(x: CategoryRows): FeatureMatrix {
    return this.fit(x).transform(x);
  }

  /** Back to categories: each feature's block gives its largest column; an all-zero block (an ignored unknown) gives null. */
  inverseTransform(x: MatrixInput): (Category | null)[][] {
    this.fitted('inverseTransform');
    const m = toMatrix('OneHotEncoder.inverseTransform', x);
    if (m.cols !== this.nOutputs) throw new ShapeError(`OneHotEncoder.inverseTransform: x has ${m.cols} columns, the encoder makes ${this.nOutputs}`);
    const out: (Category | null)[][] = [];
    for (let i = 0; i < m.rows; i++) {
      out.push(this.categories.map((cats, j) => {
        let best = -1, bestV = 0;
        for (let k = 0; k < cats.length; k++) {
          const v = m.data[i * m.cols + this.offsets[j] + k];
          if (v > bestV) (best = k), (bestV = v);
        }
        if (best < 0 && this.handleUnknown === 'error') throw new KnobsError(`OneHotEncoder.inverseTransform: row ${i}, feature ${j} has no category set (all zeros)`);
        return best < 0 ? null : cats[best];
      }));
    }
    return out;
  }

  /** Output column names as sklearn's get_feature_names_out: `${feature}_${category}`. */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    this.fitted('getFeatureNamesOut');
    if (inputFeatures && inputFeatures.length !== this.categories.length) throw new ShapeError(`OneHotEncoder.getFeatureNamesOut: ${inputFeatures.length} names for ${this.categories.length} features`);
    return this.categories.flatMap((cats, j) => cats.map((c) => `${inputFeatures ? inputFeatures[j] : `x${j}`}_${c}`));
  }

  toJSON(): TransformerJSON {
    return {
      format: 'knobs.estimator', version: 1, type: this.type,
      params: { handleUnknown: this.handleUnknown },
      state: this.categories.length ? { categories: this.categories.map((c) => [...c]) } : null,
    };
  }

  static fromJSON(json: TransformerJSON | string): OneHotEncoder {
    const op = 'OneHotEncoder.fromJSON';
    const j = readJSON(op, 'OneHotEncoder', json);
    const e = new OneHotEncoder(j.params as OneHotEncoderOptions);
    if (j.state) {
      const cats = j.state.categories;
      if (!Array.isArray(cats) || cats.length === 0) throw new KnobsError(`${op}: state.categories must be a non-empty array of arrays`);
      e.setCategories(cats.map((c, i) => readCategories(op, c, `state.categories[${i}]`)));
    }
    return e;
  }
}
