/**
 * StandardScaler and MinMaxScaler with scikit-learn's parameters, fitted values (`mean`, `var`,
 * `scale`, `dataMin`, `dataMax`, `min` — sklearn's `mean_` etc. without the underscore) and results.
 * Statistics are computed in float64; transforms return { data: Float32Array, shape: [n, d] },
 * ready for TensorDataset. toJSON() / fromJSON() save and restore a fitted scaler.
 */
import { KnobsError, ShapeError } from '../errors.js';
import { checkOptions, fmtValue } from '../options.js';
import { toMatrix, type Matrix, type MatrixInput } from '../classic/estimator.js';

/** A transformed matrix: rows of features as float32, ready for TensorDataset. */
export interface FeatureMatrix {
  data: Float32Array;
  shape: [number, number];
}

/** What toJSON writes: the classic estimators' document format. */
export interface TransformerJSON {
  format: 'knobs.estimator';
  version: 1;
  type: string;
  params: Record<string, unknown>;
  state: Record<string, unknown> | null;
}

export function readJSON(op: string, type: string, json: TransformerJSON | string): TransformerJSON {
  let j: TransformerJSON;
  try {
    j = typeof json === 'string' ? (JSON.parse(json) as TransformerJSON) : json;
  } catch (e) {
    throw new KnobsError(`${op}: not valid JSON (${(e as Error).message})`);
  }
  if (!j || typeof j !== 'object' || j.format !== 'knobs.estimator' || j.version !== 1) throw new KnobsError(`${op}: not a knobs.estimator version 1 document`);
  if (j.type !== type) throw new KnobsError(`${op}: the document holds a ${fmtValue(j.type)}, not a ${type}`);
  if (!j.params || typeof j.params !== 'object' || Array.isArray(j.params)) throw new KnobsError(`${op}: params must be an object`);
  if (j.state !== null && (typeof j.state !== 'object' || Array.isArray(j.state))) throw new KnobsError(`${op}: state must be an object or null`);
  return j;
}

/** A saved per-feature array: finite numbers, `d` of them. */
export function readVector(op: string, state: Record<string, unknown>, key: string, d: number | null): Float64Array {
  const v = state[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw new KnobsError(`${op}: state.${key} must be an array of finite numbers`);
  if (d !== null && v.length !== d) throw new KnobsError(`${op}: state.${key} has ${v.length} values, expected ${d}`);
  return Float64Array.from(v as number[]);
}

/** sklearn's _handle_zeros_in_scale: a constant feature is left unscaled rather than divided by ~0. */
function safeScale(s: number): number {
  return s < 10 * Number.EPSILON ? 1 : s;
}

abstract class Scaler {
  /** Number of features seen in fit (0 before fit). */
  nFeaturesIn = 0;
  nSamplesSeen = 0;
  abstract readonly type: string;

  protected fitted(op: string): void {
    if (this.nFeaturesIn === 0) throw new KnobsError(`${this.type}.${op}: not fitted yet; call fit(x) first`);
  }
  protected input(op: string, x: MatrixInput): Matrix {
    const m = toMatrix(`${this.type}.${op}`, x);
    if (op !== 'fit' && m.cols !== this.nFeaturesIn) throw new ShapeError(`${this.type}.${op}: x has ${m.cols} features, the scaler was fitted on ${this.nFeaturesIn}`);
    return m;
  }
  /** y = x·a + b per feature (both transforms of both scalers are of this form). */
  protected affine(m: Matrix, a: Float64Array, b: Float64Array, clip?: [number, number]): FeatureMatrix {
    const out = new Float32Array(m.rows * m.cols);
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.cols; j++) {
        let v = m.data[i * m.cols + j] * a[j] + b[j];
        if (clip) v = Math.min(clip[1], Math.max(clip[0], v));
        out[i * m.cols + j] = v;
      }
    }
    return { data: out, shape: [m.rows, m.cols] };
  }
  abstract fit(x: MatrixInput): this;
  abstract transform(x: MatrixInput): FeatureMatrix;
  fitTransform(x: MatrixInput): FeatureMatrix {
    return this.fit(x).transform(x);
  }
}

export interface StandardScalerOptions {
  /** Subtract the mean (default true). */
  withMean?: boolean;
  /** Divide by the standard deviation (default true). */
  withStd?: boolean;
}

/** z = (x − mean) / scale per feature, scale = the population standard deviation (1 for a constant feature). */
export class StandardScaler extends Scaler {
  readonly type = 'StandardScaler';
  readonly withMean: boolean;
  readonly withStd: boolean;
  mean: Float64Array = new Float64Array(0);
  var: Float64Array = new Float64Array(0);
  scale: Float64Array = new Float64Array(0);

  constructor(opts: StandardScalerOptions = {}) {
    super();
    opts = checkOptions('StandardScaler', opts, ['withMean', 'withStd']);
    this.withMean = opts.withMean ?? true;
    this.withStd = opts.withStd ?? true;
    if (typeof this.withMean !== 'boolean' || typeof this.withStd !== 'boolean') throw new KnobsError(`StandardScaler: withMean and withStd must be booleans, got ${fmtValue(opts.withMean)}, ${fmtValue(opts.withStd)}`);
  }

  fit(x: MatrixInput): this {
    const m = this.input('fit', x);
    if (m.rows === 0) throw new ShapeError('StandardScaler.fit: x has no rows');
    const d = m.cols, mean = new Float64Array(d), v = new Float64Array(d);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < d; j++) mean[j] += m.data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= m.rows;
    // Two passes (mean, then squared deviations): no cancellation for features far from zero.
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < d; j++) v[j] += (m.data[i * d + j] - mean[j]) ** 2;
    for (let j = 0; j < d; j++) v[j] /= m.rows;
    this.mean = mean;
    this.var = v;
    this.scale = v.map((s) => safeScale(Math.sqrt(s)));
    this.nFeaturesIn = d;
    this.nSamplesSeen = m.rows;
    return this;
  }

  transform(x: MatrixInput): FeatureMatrix {
    this.fitted('transform');
    const m = this.input('transform', x);
    const d = m.cols, out = new Float32Array(m.rows * d);
    // (x − mean) / scale as sklearn computes it, rather than x·(1/scale) − mean/scale, for the last bit.
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < d; j++) {
        let v = m.data[i * d + j];
        if (this.withMean) v -= this.mean[j];
        if (this.withStd) v /= this.scale[j];
        out[i * d + j] = v;
      }
    }
    return { data: out, shape: [m.rows, d] };
  }

  inverseTransform(x: MatrixInput): FeatureMatrix {
    this.fitted('inverseTransform');
    const m = this.input('inverseTransform', x);
    const d = this.nFeaturesIn;
    const a = new Float64Array(d), b = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      a[j] = this.withStd ? this.scale[j] : 1;
      b[j] = this.withMean ? this.mean[j] : 0;
    }
    return this.affine(m, a, b);
  }

  toJSON(): TransformerJSON {
    return {
      format: 'knobs.estimator', version: 1, type: this.type,
      params: { withMean: this.withMean, withStd: this.withStd },
      state: this.nFeaturesIn === 0 ? null : { mean: [...this.mean], var: [...this.var], scale: [...this.scale], nSamplesSeen: this.nSamplesSeen },
    };
  }

  static fromJSON(json: TransformerJSON | string): StandardScaler {
    const op = 'StandardScaler.fromJSON';
    const j = readJSON(op, 'StandardScaler', json);
    const s = new StandardScaler(j.params as StandardScalerOptions);
    if (j.state) {
      s.mean = readVector(op, j.state, 'mean', null);
      const d = s.mean.length;
      if (d === 0) throw new KnobsError(`${op}: state.mean is empty`);
      s.var = readVector(op, j.state, 'var', d);
      s.scale = readVector(op, j.state, 'scale', d);
      if (s.scale.some((v) => v <= 0)) throw new KnobsError(`${op}: state.scale must be positive`);
      s.nFeaturesIn = d;
      s.nSamplesSeen = Number(j.state.nSamplesSeen) || 0;
    }
    return s;
  }
}

export interface MinMaxScalerOptions {
  /** Target range [min, max] of each feature (default [0, 1]). */
  featureRange?: readonly [number, number];
  /** Clip transformed values of unseen data into featureRange (default false). */
  clip?: boolean;
}

/** x·scale + min per feature, mapping the training range of each feature onto featureRange. */
export class MinMaxScaler extends Scaler {
  readonly type = 'MinMaxScaler';
  readonly featureRange: [number, number];
  readonly clip: boolean;
  dataMin: Float64Array = new Float64Array(0);
  dataMax: Float64Array = new Float64Array(0);
  dataRange: Float64Array = new Float64Array(0);
  scale: Float64Array = new Float64Array(0);
  min: Float64Array = new Float64Array(0);

  constructor(opts: MinMaxScalerOptions = {}) {
    super();
    opts = checkOptions('MinMaxScaler', opts, ['featureRange', 'clip']);
    const r = opts.featureRange ?? [0, 1];
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || !(r[0] < r[1])) throw new KnobsError(`MinMaxScaler: featureRange must be [min, max] with min < max, got ${fmtValue(opts.featureRange)}`);
    this.featureRange = [r[0], r[1]];
    this.clip = opts.clip ?? false;
    if (typeof this.clip !== 'boolean') throw new KnobsError(`MinMaxScaler: clip must be a boolean, got ${fmtValue(opts.clip)}`);
  }

  fit(x: MatrixInput): this {
    const m = this.input('fit', x);
    if (m.rows === 0) throw new ShapeError('MinMaxScaler.fit: x has no rows');
    const d = m.cols;
    const lo = new Float64Array(d).fill(Infinity), hi = new Float64Array(d).fill(-Infinity);
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < d; j++) {
        const v = m.data[i * d + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    this.setRange(lo, hi);
    this.nSamplesSeen = m.rows;
    return this;
  }

  private setRange(lo: Float64Array, hi: Float64Array): void {
    const [a, b] = this.featureRange;
    this.dataMin = lo;
    this.dataMax = hi;
    this.dataRange = hi.map((h, j) => h - lo[j]);
    this.scale = this.dataRange.map((r) => (b - a) / safeScale(r));
    this.min = lo.map((l, j) => a - l * this.scale[j]);
    this.nFeaturesIn = lo.length;
  }

  transform(x: MatrixInput): FeatureMatrix {
    this.fitted('transform');
    return this.affine(this.input('transform', x), this.scale, this.min, this.clip ? this.featureRange : undefined);
  }

  inverseTransform(x: MatrixInput): FeatureMatrix {
    this.fitted('inverseTransform');
    const m = this.input('inverseTransform', x);
    const d = m.cols, out = new Float32Array(m.rows * d);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < d; j++) out[i * d + j] = (m.data[i * d + j] - this.min[j]) / this.scale[j];
    return { data: out, shape: [m.rows, d] };
  }

  toJSON(): TransformerJSON {
    return {
      format: 'knobs.estimator', version: 1, type: this.type,
      params: { featureRange: [...this.featureRange], clip: this.clip },
      state: this.nFeaturesIn === 0 ? null : { dataMin: [...this.dataMin], dataMax: [...this.dataMax], nSamplesSeen: this.nSamplesSeen },
    };
  }

  static fromJSON(json: TransformerJSON | string): MinMaxScaler {
    const op = 'MinMaxScaler.fromJSON';
    const j = readJSON(op, 'MinMaxScaler', json);
    const s = new MinMaxScaler(j.params as MinMaxScalerOptions);
    if (j.state) {
      const lo = readVector(op, j.state, 'dataMin', null);
      if (lo.length === 0) throw new KnobsError(`${op}: state.dataMin is empty`);
      const hi = readVector(op, j.state, 'dataMax', lo.length);
      if (hi.some((h, i) => h < lo[i])) throw new KnobsError(`${op}: state.dataMax is below state.dataMin`);
      s.setRange(lo, hi);
      s.nSamplesSeen = Number(j.state.nSamplesSeen) || 0;
    }
    return s;
  }
}
