/**
 * CountModel: the book's streetlight learner (Grokking Deep Learning, ch. 2). It learns by
 * counting how often each input pattern was followed by each outcome, and predicts the observed
 * frequency. Non-parametric: it keeps one row of counts per distinct pattern seen, so its
 * parameter count grows with the variety of the data.
 */
import { KnobsError } from '../errors.js';
import { accuracy, registerEstimator, type EstimatorJSON, type MatrixInput, type VectorInput } from './estimator.js';
import { argmaxLabels, checkPositive, checkState, classInputs, predictInputs, scorePair } from './supervised-base.js';
import { checkOptions, StateReader } from './validate.js';

export interface CountModelOptions {
  /** Laplace smoothing: (count + alpha) / (total + alpha · nClasses). Default 1; 0 = raw frequency. */
  alpha?: number;
}

const keyOf = (X: Float64Array, i: number, d: number): string => Array.from(X.subarray(i * d, (i + 1) * d)).join(',');

export class CountModel {
  readonly alpha: number;
  classes: number[] = [];
  /** Outcome counts per distinct input pattern (key: the row's values joined by commas). */
  patternCounts = new Map<string, number[]>();
  /** Outcome counts per feature value: featureCounts[j] maps a value of feature j to counts per class. */
  featureCounts: Map<number, number[]>[] = [];
  private classTotals: number[] = [];
  private nFeatures = -1;

  constructor(opts: CountModelOptions = {}) {
    opts = checkOptions('CountModel', opts, ['alpha']);
    this.alpha = opts.alpha ?? 1;
    checkPositive('CountModel', 'alpha', this.alpha, true);
  }

  fit(x: MatrixInput, y?: VectorInput): this {
    const { X, classes, index } = classInputs('CountModel.fit', x, y);
    const d = X.cols, k = classes.length;
    this.classes = classes;
    this.nFeatures = d;
    this.patternCounts = new Map();
    this.featureCounts = Array.from({ length: d }, () => new Map<number, number[]>());
    this.classTotals = new Array(k).fill(0);
    for (let i = 0; i < X.rows; i++) {
      const c = index[i];
      this.classTotals[c]++;
      const key = keyOf(X.data, i, d);
      let row = this.patternCounts.get(key);
      if (!row) this.patternCounts.set(key, (row = new Array(k).fill(0)));
      row[c]++;
      for (let j = 0; j < d; j++) {
        const v = X.data[i * d + j];
        let fr = this.featureCounts[j].get(v);
        if (!fr) this.featureCounts[j].set(v, (fr = new Array(k).fill(0)));
        fr[c]++;
      }
    }
    return this;
  }

  private smooth(counts: readonly number[]): number[] {
    const total = counts.reduce((a, b) => a + b, 0);
    const k = this.classes.length;
    return counts.map((c) => (c + this.alpha) / (total + this.alpha * k));
  }

  /**
   * Observed frequency of each outcome for each row's exact pattern. A pattern never seen falls
   * back to the overall outcome frequencies (smoothed): counting has nothing better to offer.
   */
  predictProba(x: MatrixInput): Float64Array {
    const X = predictInputs('CountModel.predictProba', x, this.nFeatures);
    const k = this.classes.length, out = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) out.set(this.smooth(this.patternCounts.get(keyOf(X.data, i, X.cols)) ?? this.classTotals), i * k);
    return out;
  }

  predict(x: MatrixInput): Float64Array {
    const P = this.predictProba(x);
    return argmaxLabels(P, P.length / this.classes.length, this.classes);
  }

  /**
   * The streetlight question: for feature j taking `value`, how often did each outcome follow?
   * Returns [feature][class] probabilities (smoothed with alpha); NaN where the value never occurred
   * and alpha is 0.
   */
  featureProba(value = 1): number[][] {
    if (this.nFeatures < 0) throw new KnobsError('CountModel.featureProba: not fitted yet; call fit(x, y) first');
    const k = this.classes.length;
    return this.featureCounts.map((m) => {
      const counts = m.get(value) ?? new Array(k).fill(0);
      return this.smooth(counts);
    });
  }

  score(x: MatrixInput, y: VectorInput): number {
    return accuracy(...scorePair('CountModel.score', this.predict(x), y));
  }

  /** One count per (pattern, outcome) plus the per-feature tables: grows with the data. */
  get nParameters(): number {
    const k = this.classes.length;
    return (this.patternCounts.size + this.featureCounts.reduce((s, m) => s + m.size, 0)) * k;
  }

  toJSON(): EstimatorJSON {
    return {
      format: 'knobs.estimator', version: 1, type: 'CountModel',
      params: { alpha: this.alpha },
      state: this.nFeatures < 0 ? null : {
        classes: this.classes, nFeatures: this.nFeatures, classTotals: this.classTotals,
        patternCounts: [...this.patternCounts],
        featureCounts: this.featureCounts.map((m) => [...m]),
      },
    };
  }

  static fromJSON(json: EstimatorJSON): CountModel {
    const m = new CountModel(json.params as CountModelOptions);
    const s = checkState('CountModel.fromJSON', json);
    if (s) {
      const op = 'CountModel.fromJSON', r = new StateReader(op, s);
      m.classes = r.classes('classes');
      m.nFeatures = r.count('nFeatures');
      const k = m.classes.length;
      m.classTotals = Array.from(r.ints('classTotals', k, 0, 2 ** 31 - 1));
      // Each entry is [key, counts per class]; anything else would make predict read undefined counts.
      const entries = <K>(name: string, v: unknown, isKey: (x: unknown) => x is K): [K, number[]][] => {
        if (!Array.isArray(v)) throw new KnobsError(`${op}: saved state field '${name}' must be an array of [key, counts] pairs`);
        return v.map((e, i) => {
          if (!Array.isArray(e) || e.length !== 2 || !isKey(e[0])) throw new KnobsError(`${op}: saved state field '${name}' entry ${i} must be [key, counts]`);
          return [e[0], Array.from(new StateReader(op, { [`${name}.${i}`]: e[1] }).ints(`${name}.${i}`, k, 0, 2 ** 31 - 1))];
        });
      };
      m.patternCounts = new Map(entries('patternCounts', s.patternCounts, (x): x is string => typeof x === 'string'));
      const fc = s.featureCounts;
      if (!Array.isArray(fc) || fc.length !== m.nFeatures) throw new KnobsError(`${op}: saved state field 'featureCounts' must hold ${m.nFeatures} lists, one per feature`);
      m.featureCounts = fc.map((e, j) => new Map(entries(`featureCounts.${j}`, e, (x): x is number => typeof x === 'number' && Number.isFinite(x))));
    }
    return m;
  }
}
registerEstimator('CountModel', CountModel.fromJSON);
