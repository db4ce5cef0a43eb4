/**
 * The data on-ramp against scikit-learn's numbers (test/fixtures/sklearn-onramp.json, written by
 * scripts/make-onramp-fixtures.py): train_test_split sizes and stratified class counts, and the
 * scalers' and encoders' fitted values and outputs.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, KnobsError, LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler, TensorDataset, tensor, trainTestSplit, trainTestSplitIndices } from '../ts/index.js';

const F = JSON.parse(readFileSync(new URL('./fixtures/sklearn-onramp.json', import.meta.url), 'utf8'));

beforeAll(() => init());

function close(got: ArrayLike<number>, want: readonly number[], tol = 1e-6) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i])));
}
const flat = (rows: number[][]) => rows.flat();
const camel = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_(\w)/g, (_, c) => c.toUpperCase()), v]));

describe('trainTestSplit (scikit-learn sizes and meaning)', () => {
  it('gives sklearn sizes for every testSize / trainSize form, and sklearn errors where it refuses', () => {
    for (const c of F.train_test_split_sizes) {
      const opts = camel(c.opts);
      if ('train_idx' in c) {
        const [tr, te] = trainTestSplitIndices(c.n, opts);
        expect([Array.from(tr), Array.from(te)]).toEqual([c.train_idx, c.test_idx]);
      } else if ('error' in c) {
        expect(() => trainTestSplitIndices(c.n, { ...opts, randomState: 0 }), JSON.stringify(c)).toThrow(KnobsError);
      } else {
        const [tr, te] = trainTestSplitIndices(c.n, { ...opts, randomState: 0 });
        expect([tr.length, te.length], JSON.stringify(c)).toEqual([c.train, c.test]);
        // A partition: no row twice, every index in range.
        const all = new Set([...tr, ...te]);
        expect(all.size).toBe(tr.length + te.length);
        expect([...all].every((i) => i >= 0 && i < c.n)).toBe(true);
      }
    }
  });

  it('600 rows with testSize 0.2 give 480 train and 120 test, x and y kept together', () => {
    const n = 600;
    const x = { data: Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2)), shape: [n, 2] };
    const y = Float32Array.from({ length: n }, (_, i) => i);
    const [xTr, xTe, yTr, yTe] = trainTestSplit(x, y, { testSize: 0.2, randomState: 42 });
    expect([xTr.shape, xTe.shape, yTr.length, yTe.length]).toEqual([[480, 2], [120, 2], 480, 120]);
    for (let i = 0; i < 120; i++) expect(xTe.data[i * 2]).toBe(yTe[i]);
    expect(xTe.data).toBeInstanceOf(Float32Array);
    // Same seed, same split; another seed, another split.
    expect(Array.from(trainTestSplit(y, { testSize: 0.2, randomState: 42 })[1])).toEqual(Array.from(yTe));
    expect(Array.from(trainTestSplit(y, { testSize: 0.2, randomState: 7 })[1])).not.toEqual(Array.from(yTe));
    expect(new Set([...yTr, ...yTe]).size).toBe(n);
  });

  it('stratify gives sklearn per-class counts on both sides', () => {
    for (const c of F.train_test_split_stratified) {
      const y: number[] = c.counts.flatMap((k: number, cls: number) => Array(k).fill(cls));
      const [tr, te] = trainTestSplitIndices(y.length, { ...camel(c.opts), stratify: y, randomState: 3 });
      const count = (idx: Uint32Array) => c.counts.map((_: number, cls: number) => Array.from(idx).filter((i) => y[i] === cls).length);
      expect([count(tr), count(te)], JSON.stringify(c)).toEqual([c.train_counts, c.test_counts]);
    }
    // String labels work as well as numbers.
    const labels = ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'];
    const [, te] = trainTestSplit(labels, { testSize: 0.5, stratify: labels, randomState: 1 });
    expect(te.filter((l) => l === 'a').length).toBe(2);
  });

  it('splits plain arrays and TensorDatasets, and refuses what sklearn refuses', () => {
    const ds = new TensorDataset({ data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [10, 2] }, { data: Float32Array.from({ length: 10 }, (_, i) => i), shape: [10] });
    const [a, b] = trainTestSplit(ds, { testSize: 3, randomState: 0 });
    expect([a.length, b.length]).toEqual([7, 3]);
    for (let i = 0; i < 3; i++) expect(b.x[i * 2]).toBe(b.y[i] * 2);
    expect(() => trainTestSplit([1, 2, 3], [1, 2], {})).toThrow(/different numbers of samples \[3, 2\]/);
    expect(() => trainTestSplit([1, 2, 3, 4], { testSize: 1.5 })).toThrow(/testSize must be a float in \(0, 1\) or a positive integer, got 1.5/);
    expect(() => trainTestSplit([1, 2, 3, 4], { testSize: 0.5, stratify: [0, 0, 0, 1] })).toThrow(/least populated class .* has only 1 member/);
    expect(() => trainTestSplit([1, 2, 3, 4], { shuffle: false, stratify: [0, 0, 1, 1] })).toThrow(/stratify needs shuffle/);
    expect(() => trainTestSplit([1, 2], { test_size: 0.5 } as never)).toThrow(/'test_size'/);
  });
});

describe('StandardScaler and MinMaxScaler (sklearn numbers)', () => {
  const S = F.scalers;
  it('StandardScaler: mean, var, scale (1 for a constant feature), transform and inverse', () => {
    const s = new StandardScaler().fit(S.X);
    close(s.mean, S.standard.mean, 1e-12);
    close(s.var, S.standard.var, 1e-10);
    close(s.scale, S.standard.scale, 1e-10);
    const t = s.transform(S.X);
    expect(t.shape).toEqual([12, 4]);
    close(t.data, flat(S.standard.transform), 1e-6);
    close(s.transform(S.Xnew).data, flat(S.standard.transform_new), 1e-6);
    close(s.inverseTransform(t).data, flat(S.X), 1e-5);
    close(new StandardScaler({ withMean: false }).fitTransform(S.X).data, flat(S.standard_no_mean.transform), 1e-6);
  });

  it('MinMaxScaler: dataMin/dataMax/scale/min, featureRange, clip, inverse', () => {
    const m = new MinMaxScaler().fit({ data: Float32Array.from(flat(S.X)), shape: [12, 4] });
    close(m.dataMin, S.minmax.data_min, 1e-12);
    close(m.dataMax, S.minmax.data_max, 1e-12);
    close(m.scale, S.minmax.scale, 1e-10);
    close(m.min, S.minmax.min, 1e-10);
    close(m.transform(S.X).data, flat(S.minmax.transform), 1e-6);
    close(m.transform(S.Xnew).data, flat(S.minmax.transform_new), 1e-6);
    close(m.inverseTransform(m.transform(S.Xnew)).data, flat(S.Xnew), 1e-5);
    const r = new MinMaxScaler({ featureRange: [-1, 2] }).fit(S.X);
    close(r.scale, S.minmax_range.scale, 1e-10);
    close(r.transform(S.Xnew).data, flat(S.minmax_range.transform_new), 1e-6);
    close(new MinMaxScaler({ clip: true }).fit(S.X).transform(S.Xnew).data, flat(S.minmax_clip.transform_new), 1e-6);
  });

  it('accepts a Tensor, saves and loads as JSON, and refuses bad input clearly', () => {
    const t = tensor(S.X);
    const s = new StandardScaler().fit(t);
    const back = StandardScaler.fromJSON(JSON.stringify(s.toJSON()));
    expect(Array.from(back.transform(S.Xnew).data)).toEqual(Array.from(s.transform(S.Xnew).data));
    t.dispose();
    const m = new MinMaxScaler({ featureRange: [-1, 2] }).fit(S.X);
    const m2 = MinMaxScaler.fromJSON(m.toJSON());
    expect(m2.featureRange).toEqual([-1, 2]);
    expect(Array.from(m2.transform(S.Xnew).data)).toEqual(Array.from(m.transform(S.Xnew).data));
    expect(() => new StandardScaler().transform(S.X)).toThrow(/StandardScaler.transform: not fitted yet/);
    expect(() => s.transform([[1, 2]])).toThrow(/x has 2 features, the scaler was fitted on 4/);
    expect(() => new MinMaxScaler({ featureRange: [1, 0] })).toThrow(/featureRange must be \[min, max\] with min < max/);
    expect(() => StandardScaler.fromJSON(m.toJSON())).toThrow(/holds a "MinMaxScaler", not a StandardScaler/);
    expect(() => new StandardScaler().fit([[1, NaN]])).toThrow(/contains NaN at row 0, column 1/);
  });
});

describe('LabelEncoder and OneHotEncoder (sklearn numbers)', () => {
  const E = F.encoders;
  it('LabelEncoder: sorted classes, codes, inverse, save/load', () => {
    const le = new LabelEncoder();
    expect(Array.from(le.fitTransform(E.labels))).toEqual(E.label_transform);
    expect(le.classes).toEqual(E.label_classes);
    expect(le.inverseTransform(E.label_transform)).toEqual(E.labels);
    const num = new LabelEncoder().fit(E.num_labels);
    expect(num.classes).toEqual(E.num_label_classes);
    expect(Array.from(num.transform(E.num_labels))).toEqual(E.num_label_transform);
    const back = LabelEncoder.fromJSON(JSON.stringify(le.toJSON()));
    expect(Array.from(back.transform(E.labels))).toEqual(E.label_transform);
    expect(() => le.transform(['setosa', 'daisy'])).toThrow(/previously unseen label "daisy" at index 1/);
    expect(() => le.inverseTransform([9])).toThrow(/code 9 at index 0 is not in \[0, 5\)/);
    expect(() => new LabelEncoder().fit(['a', 1])).toThrow(/mix numbers and strings/);
  });

  it('OneHotEncoder: categories, dense output, unknowns, inverse, feature names, save/load', () => {
    const oh = new OneHotEncoder().fit(E.cats);
    expect(oh.categories).toEqual(E.onehot_categories);
    const t = oh.transform(E.cats);
    expect(t.shape).toEqual([5, 7]);
    expect(Array.from(t.data)).toEqual(flat(E.onehot_transform));
    expect(oh.inverseTransform(t)).toEqual(E.cats);
    expect(oh.getFeatureNamesOut(['colour', 'size'])).toEqual(['colour_blue', 'colour_green', 'colour_red', 'size_L', 'size_M', 'size_S', 'size_XL']);
    expect(() => oh.transform([E.onehot_unknown_row])).toThrow(/unknown category "purple" in feature 0 at row 0/);
    const ign = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(E.cats);
    const u = ign.transform([E.onehot_unknown_row]);
    expect(Array.from(u.data)).toEqual(flat(E.onehot_unknown_ignore));
    expect(ign.inverseTransform(u)).toEqual(E.onehot_inverse_of_ignored);
    const num = new OneHotEncoder().fit(E.num_cats);
    expect(num.categories).toEqual(E.onehot_num_categories);
    expect(Array.from(num.transform(E.num_cats).data)).toEqual(flat(E.onehot_num_transform));
    const back = OneHotEncoder.fromJSON(JSON.stringify(ign.toJSON()));
    expect(back.handleUnknown).toBe('ignore');
    expect(Array.from(back.transform(E.cats).data)).toEqual(flat(E.onehot_transform));
    expect(() => oh.transform([['red']])).toThrow(/row 0 has 1 values, expected 2/);
  });
});
