/**
 * Bad inputs to the public functions of the classic estimators, the data parsers and io, one row
 * each: the error class, the op's name in the message (and any other words the message must
 * hold), the library still working afterwards, and memoryStats() unchanged. Adding a case is
 * adding a row.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, init, KnobsError, LabelEncoder, memoryStats, metrics, MinMaxScaler, nn, OneHotEncoder, Rng, ShapeError, StandardScaler, summary, TensorDataset, trainTestSplit } from '../ts/index.js';
import { parseCsv } from '../ts/csv.js';
import * as classic from '../ts/classic/index.js';
import { oneHot, idxImagesToFloat32, parseIdx } from '../ts/data/idx.js';
import { parseNumericTable, parseSklearnCsv } from '../ts/data/csv.js';
import { readSafetensors, writeSafetensors } from '../ts/io/safetensors.js';
import { load, save } from '../ts/io/save-node.js';

type ErrorClass = typeof KnobsError | typeof ShapeError;

interface Row {
  name: string;
  call: () => unknown;
  cls: ErrorClass;
  /** The op name the message must start with or contain. */
  op: string;
  /** Further words the message must hold (the offending key, the shapes, …). */
  says?: (string | RegExp)[];
}

const X = [[0, 0], [0, 1], [5, 5], [5, 6]];
const Y = [0, 0, 1, 1];
const m = (data: number[], rows: number, cols: number) => ({ data: Float64Array.from(data), rows, cols });

/** Every classic estimator with options that are valid apart from the unknown key added by the rows below. */
const ESTIMATORS: [string, (o: Record<string, unknown>) => unknown, Record<string, unknown>][] = [
  ['CountModel', (o) => new classic.CountModel(o), {}],
  ['GaussianNB', (o) => new classic.GaussianNB(o), {}],
  ['CategoricalNB', (o) => new classic.CategoricalNB(o), {}],
  ['KNeighborsClassifier', (o) => new classic.KNeighborsClassifier(o), {}],
  ['KNeighborsRegressor', (o) => new classic.KNeighborsRegressor(o), {}],
  ['LinearRegression', (o) => new classic.LinearRegression(o as Record<string, never>), {}],
  ['LogisticRegression', (o) => new classic.LogisticRegression(o), {}],
  ['KMeans', (o) => new classic.KMeans(o as unknown as classic.KMeansParams), { k: 2 }],
  ['GaussianMixture', (o) => new classic.GaussianMixture(o as unknown as classic.GaussianMixtureParams), { k: 2 }],
  ['CompetitiveLearning', (o) => new classic.CompetitiveLearning(o as unknown as classic.CompetitiveLearningParams), { k: 2 }],
  ['DBSCAN', (o) => new classic.DBSCAN(o), {}],
  ['AgglomerativeClustering', (o) => new classic.AgglomerativeClustering(o), {}],
  ['WordClusters', (o) => new classic.WordClusters(o as unknown as classic.WordClustersParams), { nClusters: 2 }],
  ['Regressor', (o) => {
    const net = new nn.Sequential(new nn.Linear(2, 1, { seed: 1 }));
    try {
      return new classic.Regressor(net, o);
    } finally {
      net.dispose();
    }
  }, {}],
  ['Classifier', (o) => {
    const net = new nn.Sequential(new nn.Linear(2, 2, { seed: 1 }));
    try {
      return new classic.Classifier(net, o);
    } finally {
      net.dispose();
    }
  }, {}],
];

const fittedKnn = () => new classic.KNeighborsClassifier({ k: 2 }).fit(X, Y);
const knnJson = () => JSON.parse(JSON.stringify(fittedKnn().toJSON()));
const kmJson = () => JSON.parse(JSON.stringify(new classic.KMeans({ k: 2, seed: 1 }).fit(X).toJSON()));
const idx = (dtype: number, dims: number[], body: number[]) => {
  const b = new Uint8Array(4 + 4 * dims.length + body.length);
  b[2] = dtype;
  b[3] = dims.length;
  dims.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d, false));
  b.set(body, 4 + 4 * dims.length);
  return b;
};

const rows: Row[] = [
  // ---- distances: sizes are checked against the data before anything reaches wasm ----
  { name: 'pairwiseSqDist: rows larger than the data', call: () => classic.pairwiseSqDist(m([1], 40, 1), m([1], 1, 1)), cls: ShapeError, op: 'pairwiseSqDist', says: ['1 values', '40 × 1'] },
  { name: 'pairwiseSqDist: negative rows', call: () => classic.pairwiseSqDist(m([1], -1, 1), m([1], 1, 1)), cls: ShapeError, op: 'pairwiseSqDist', says: ['rows = -1'] },
  { name: 'pairwiseSqDist: NaN cols', call: () => classic.pairwiseSqDist(m([1], 1, NaN), m([1], 1, 1)), cls: ShapeError, op: 'pairwiseSqDist', says: ['cols = NaN'] },
  { name: 'pairwiseSqDist: fractional rows', call: () => classic.pairwiseSqDist(m([1, 2], 1.5, 1), m([1], 1, 1)), cls: ShapeError, op: 'pairwiseSqDist' },
  { name: 'pairwiseSqDist: data not a Float64Array', call: () => classic.pairwiseSqDist({ data: [1] as unknown as Float64Array, rows: 1, cols: 1 }, m([1], 1, 1)), cls: KnobsError, op: 'pairwiseSqDist', says: ['Float64Array'] },
  { name: 'pairwiseSqDist: feature counts differ', call: () => classic.pairwiseSqDist(m([1, 2], 1, 2), m([1], 1, 1)), cls: ShapeError, op: 'pairwiseSqDist', says: ['2 features', 'b has 1'] },
  { name: 'kNearest: b claims more rows than it has', call: () => classic.kNearest(m([1], 1, 1), m([1], 40, 1), 1), cls: ShapeError, op: 'kNearest', says: ['40 × 1'] },
  { name: 'kNearest: k larger than b', call: () => classic.kNearest(m([1], 1, 1), m([1, 2], 2, 1), 3), cls: KnobsError, op: 'kNearest', says: ['k = 3'] },
  { name: 'kNearest: k not an integer', call: () => classic.kNearest(m([1], 1, 1), m([1, 2], 2, 1), 1.5), cls: KnobsError, op: 'kNearest' },
  { name: 'kNearest: k NaN', call: () => classic.kNearest(m([1], 1, 1), m([1, 2], 2, 1), NaN), cls: KnobsError, op: 'kNearest', says: ['NaN'] },

  { name: 'linkageTree: rows larger than the data', call: () => classic.linkageTree(m([1, 2], 40, 1), 'single'), cls: ShapeError, op: 'linkageTree', says: ['40 × 1'] },
  { name: 'linkageTree: NaN in x', call: () => classic.linkageTree(m([1, NaN], 2, 1), 'single'), cls: KnobsError, op: 'linkageTree', says: ['NaN'] },
  { name: 'linkageTree: unknown linkage', call: () => classic.linkageTree(m([1, 2], 2, 1), 'centroid' as 'ward'), cls: KnobsError, op: 'linkageTree', says: ['centroid'] },
  { name: 'cutTree: more merges than the tree has', call: () => classic.cutTree({ children: new Int32Array(2), heights: new Float64Array(1) }, 2, 5), cls: KnobsError, op: 'cutTree', says: ['merges = 5'] },
  { name: 'cutTree: child id out of range', call: () => classic.cutTree({ children: Int32Array.from([0, 9]), heights: new Float64Array(1) }, 2, 1), cls: KnobsError, op: 'cutTree', says: ['children[1] = 9'] },

  // ---- options: unknown keys (typos) are refused, naming the estimator, the key and the allowed keys ----
  ...ESTIMATORS.map(([name, make, valid]): Row => ({
    name: `${name}: unknown option covarianceType`, call: () => make({ ...valid, covarianceType: 'full' }), cls: KnobsError, op: name, says: [`'covarianceType'`, 'allowed'],
  })),
  { name: 'KMeans: no options at all', call: () => new classic.KMeans(undefined as unknown as classic.KMeansParams), cls: KnobsError, op: 'KMeans', says: ['k must be a positive integer'] },
  { name: 'KMeans: options not an object', call: () => new classic.KMeans(3 as unknown as classic.KMeansParams), cls: KnobsError, op: 'KMeans', says: ['options must be an object'] },
  { name: 'KMeans: k = 0', call: () => new classic.KMeans({ k: 0 }), cls: KnobsError, op: 'KMeans', says: ['k must be a positive integer'] },
  { name: 'KMeans: tol NaN', call: () => new classic.KMeans({ k: 2, tol: NaN }), cls: KnobsError, op: 'KMeans', says: ['tol'] },
  { name: 'GaussianMixture: unknown key in init', call: () => new classic.GaussianMixture({ k: 1, init: { means: [[1, 2]], covariance: [] } as never }), cls: KnobsError, op: 'GaussianMixture init', says: ["'covariance'", 'covariances'] },
  { name: 'GaussianMixture: covariance spelled wrong', call: () => new classic.GaussianMixture({ k: 2, covariance: 'spherical' as 'full' }), cls: KnobsError, op: 'GaussianMixture', says: ['spherical'] },
  { name: 'KNeighborsClassifier: k = -1', call: () => new classic.KNeighborsClassifier({ k: -1 }), cls: KnobsError, op: 'KNeighborsClassifier', says: ['k must be a positive integer'] },
  { name: 'LogisticRegression: C = Infinity', call: () => new classic.LogisticRegression({ C: Infinity }), cls: KnobsError, op: 'LogisticRegression', says: ['C'] },
  { name: 'DBSCAN: eps negative', call: () => new classic.DBSCAN({ eps: -1 }), cls: KnobsError, op: 'DBSCAN', says: ['eps'] },
  { name: 'WordClusters: words not strings', call: () => new classic.WordClusters({ nClusters: 2, words: [1] as unknown as string[] }), cls: KnobsError, op: 'WordClusters', says: ['words'] },

  // ---- fit / predict inputs: shapes, NaN/Inf, labels ----
  { name: 'fit: ragged rows', call: () => new classic.GaussianNB().fit([[1, 2], [3]], [0, 1]), cls: ShapeError, op: 'GaussianNB.fit', says: ['row 1'] },
  { name: 'fit: NaN in x', call: () => new classic.KMeans({ k: 1 }).fit([[1, NaN]]), cls: KnobsError, op: 'KMeans.fit', says: ['NaN'] },
  { name: 'fit: Infinity in y', call: () => new classic.LinearRegression().fit(X, [0, 1, Infinity, 2]), cls: KnobsError, op: 'LinearRegression.fit', says: ['Infinity'] },
  { name: 'fit: x and y lengths differ', call: () => new classic.KNeighborsRegressor({ k: 1 }).fit(X, [1, 2]), cls: ShapeError, op: 'KNeighborsRegressor.fit', says: ['4 rows', '2 values'] },
  { name: 'fit: no y for a supervised model', call: () => new classic.GaussianNB().fit(X), cls: KnobsError, op: 'GaussianNB', says: ['fit(x, y)'] },
  { name: 'fit: non-integer class labels', call: () => new classic.GaussianNB().fit(X, [0, 0.5, 1, 1]), cls: KnobsError, op: 'GaussianNB.fit', says: ['0.5'] },
  { name: 'fit: {data, shape} with too little data', call: () => new classic.KMeans({ k: 1 }).fit({ data: [1, 2, 3], shape: [2, 2] }), cls: ShapeError, op: 'KMeans.fit', says: ['3 values', '[2,2]'] },
  { name: 'fit: 3-D shape', call: () => new classic.KMeans({ k: 1 }).fit({ data: [1, 2], shape: [1, 1, 2] }), cls: ShapeError, op: 'KMeans.fit', says: ['2-D'] },
  { name: 'fit: k above the rows', call: () => new classic.KMeans({ k: 5 }).fit(X), cls: KnobsError, op: 'KMeans.fit', says: ['k = 5'] },
  { name: 'fit: x is a string', call: () => new classic.KMeans({ k: 1 }).fit('abc' as unknown as number[][]), cls: KnobsError, op: 'KMeans.fit' },
  { name: 'fit: {data, shape} with negative sizes', call: () => new classic.KMeans({ k: 1 }).fit({ data: [1], shape: [-1, -1] }), cls: ShapeError, op: 'KMeans.fit', says: ['[-1,-1]'] },
  { name: 'fit: rows without features', call: () => new classic.KMeans({ k: 1 }).fit([[], []]), cls: ShapeError, op: 'KMeans.fit', says: ['no features'] },
  { name: 'fit: y null', call: () => new classic.GaussianNB().fit(X, null as never), cls: KnobsError, op: 'GaussianNB.fit', says: ['y must be'] },
  { name: 'score: y shorter than x', call: () => fittedKnn().score(X, [0, 1]), cls: ShapeError, op: 'KNeighborsClassifier.score', says: ['4 rows', '2 values'] },
  { name: 'score: y null', call: () => new classic.LinearRegression().fit(X, [1, 2, 3, 4]).score(X, null as never), cls: KnobsError, op: 'LinearRegression.score' },
  { name: 'GaussianMixture: init.covariances not an array', call: () => new classic.GaussianMixture({ k: 1, init: { means: [[1, 2]], covariances: 5 } as never }).fit(X), cls: KnobsError, op: 'GaussianMixture.fit', says: ['init.covariances'] },
  { name: 'tokenize: not a string', call: () => classic.tokenize(42 as never), cls: KnobsError, op: 'tokenize' },
  { name: 'adjustedRandIndex: null', call: () => classic.adjustedRandIndex(null as never, [1]), cls: KnobsError, op: 'adjustedRandIndex' },
  { name: 'predict before fit', call: () => new classic.KMeans({ k: 2 }).predict(X), cls: KnobsError, op: 'KMeans.predict', says: ['not fitted'] },
  { name: 'predict: wrong feature count', call: () => fittedKnn().predict([[1, 2, 3]]), cls: ShapeError, op: 'KNeighborsClassifier.predict', says: ['3 features', '2'] },
  { name: 'CategoricalNB: unseen category', call: () => new classic.CategoricalNB().fit([[0], [1]], [0, 1]).predict([[7]]), cls: KnobsError, op: 'CategoricalNB.predict', says: ['category 7'] },

  // ---- estimator files ----
  { name: 'loadEstimator: not JSON', call: () => classic.loadEstimator('{"format":'), cls: KnobsError, op: 'loadEstimator', says: ['not valid JSON'] },
  { name: 'loadEstimator: unknown type', call: () => classic.loadEstimator({ ...knnJson(), type: '__proto__' }), cls: KnobsError, op: 'loadEstimator', says: ['"__proto__"'] },
  { name: 'loadEstimator: params null', call: () => classic.loadEstimator({ ...knnJson(), params: null }), cls: KnobsError, op: 'loadEstimator', says: ['params'] },
  { name: 'loadEstimator: state.x shorter than rows × cols', call: () => { const j = knnJson(); j.state.rows = 40; return classic.loadEstimator(j); }, cls: KnobsError, op: 'KNeighborsClassifier.fromJSON', says: ["'x'", 'expected 80'] },
  { name: 'loadEstimator: negative rows', call: () => { const j = knnJson(); j.state.rows = -1; return classic.loadEstimator(j); }, cls: KnobsError, op: 'KNeighborsClassifier.fromJSON', says: ["'rows'"] },
  { name: 'loadEstimator: label index out of range', call: () => { const j = knnJson(); j.state.labelIndex[0] = 9; return classic.loadEstimator(j); }, cls: KnobsError, op: 'KNeighborsClassifier.fromJSON', says: ["'labelIndex'"] },
  { name: 'loadEstimator: KMeans centres of the wrong length', call: () => { const j = kmJson(); j.state.centers.f64.pop(); return classic.loadEstimator(j); }, cls: KnobsError, op: 'KMeans', says: ["'centers'"] },
  { name: 'loadEstimator: KMeans nFeatures as a string', call: () => { const j = kmJson(); j.state.nFeatures = '2'; return classic.loadEstimator(j); }, cls: KnobsError, op: 'KMeans', says: ["'nFeatures'"] },
  { name: 'loadEstimator: unknown key in saved params', call: () => { const j = kmJson(); j.params.covarianceType = 'full'; return classic.loadEstimator(j); }, cls: KnobsError, op: 'KMeans', says: ["'covarianceType'"] },
  { name: 'loadSavedEstimator: $tensor "__proto__"', call: () => { const s = classic.saveEstimator(fittedKnn()); const j = JSON.parse(s.json); j.state.x = { $tensor: '__proto__' }; return classic.loadSavedEstimator({ weights: s.weights, json: j }); }, cls: KnobsError, op: 'loadSavedEstimator', says: ["'__proto__'"] },
  { name: 'loadSavedEstimator: weights not safetensors', call: () => classic.loadSavedEstimator({ weights: new Uint8Array(3), json: '{}' }), cls: KnobsError, op: 'safetensors', says: ['truncated'] },
  { name: 'Rng.setState: a string', call: () => new Rng(1).setState('abcd' as unknown as number[]), cls: KnobsError, op: 'Rng.setState', says: ['"abcd"'] },
  { name: 'Rng.setState: NaN word', call: () => new Rng(1).setState([1, 2, 3, NaN]), cls: KnobsError, op: 'Rng.setState', says: ['NaN'] },

  // ---- data parsers and loaders ----
  { name: 'parseIdx: not bytes', call: () => parseIdx('abc' as unknown as Uint8Array), cls: KnobsError, op: 'idx' },
  { name: 'parseIdx: truncated data', call: () => parseIdx(idx(0x08, [4], [1, 2])), cls: KnobsError, op: 'idx', says: ['truncated'] },
  { name: 'parseIdx: dims overflow', call: () => parseIdx(idx(0x08, [0xffffffff, 0xffffffff], [])), cls: KnobsError, op: 'idx' },
  { name: 'parseIdx: unknown dtype', call: () => parseIdx(idx(0x0a, [1], [0])), cls: KnobsError, op: 'idx', says: ['dtype'] },
  { name: 'idxImagesToFloat32: rank 1', call: () => idxImagesToFloat32(parseIdx(idx(0x08, [2], [1, 2]))), cls: KnobsError, op: 'idxImagesToFloat32', says: ['rank'] },
  { name: 'oneHot: label out of range', call: () => oneHot([0, 3], 3), cls: KnobsError, op: 'oneHot', says: ['index 1'] },
  { name: 'oneHot: too many classes', call: () => oneHot(new Array(70000).fill(0), 70000), cls: KnobsError, op: 'oneHot', says: ['too large'] },
  { name: 'parseSklearnCsv: header counts far above the data', call: () => parseSklearnCsv('4,99999999999999999999\n1,2,0\n'), cls: KnobsError, op: 'parseSklearnCsv', says: ['line 2'] },
  { name: 'parseSklearnCsv: NaN field', call: () => parseSklearnCsv('1,2\nNaN,2,0\n'), cls: KnobsError, op: 'parseSklearnCsv', says: ['not a finite number'] },
  { name: 'parseSklearnCsv: unknown option', call: () => parseSklearnCsv('1,2\n1,2,0\n', { delimeter: ',' } as never), cls: KnobsError, op: 'parseSklearnCsv', says: ["'delimeter'"] },
  { name: 'parseSklearnCsv: bad target', call: () => parseSklearnCsv('1,2\n1,2,0\n', { target: 'label' as 'class' }), cls: KnobsError, op: 'parseSklearnCsv', says: ['target'] },
  { name: 'parseNumericTable: not a string', call: () => parseNumericTable(42 as unknown as string), cls: KnobsError, op: 'parseNumericTable', says: ['string'] },
  { name: 'parseNumericTable: ragged', call: () => parseNumericTable('1,2\n3\n'), cls: KnobsError, op: 'parseNumericTable', says: ['line 2'] },
  { name: 'DataLoader: unknown option', call: () => new DataLoader(new TensorDataset({ data: new Float32Array(4), shape: [2, 2] }, { data: new Float32Array(2), shape: [2] }), { batchsize: 2 } as never), cls: KnobsError, op: 'DataLoader', says: ["'batchsize'", 'batchSize'] },
  { name: 'DataLoader: batchSize 0', call: () => new DataLoader(new TensorDataset({ data: new Float32Array(4), shape: [2, 2] }, { data: new Float32Array(2), shape: [2] }), { batchSize: 0 }), cls: KnobsError, op: 'DataLoader', says: ['batchSize'] },
  // ---- the data on-ramp and inspection (issue 17) ----
  { name: 'parseCsv: ragged row', call: () => parseCsv('a,b\n1,2\n3\n', { name: 'r.csv' }), cls: KnobsError, op: 'parseCsv(r.csv)', says: ['line 3', 'expected 2'] },
  { name: 'parseCsv: unknown column', call: () => parseCsv('a,b\n1,2\n', { columns: ['c'] }), cls: KnobsError, op: 'parseCsv', says: ['"c"', 'header'] },
  { name: 'parseCsv: unknown option', call: () => parseCsv('a\n1\n', { targets: 'a' } as never), cls: KnobsError, op: 'parseCsv', says: ["'targets'"] },
  { name: 'trainTestSplit: testSize 0', call: () => trainTestSplit([1, 2, 3], { testSize: 0 }), cls: KnobsError, op: 'trainTestSplit', says: ['testSize'] },
  { name: 'trainTestSplit: lengths differ', call: () => trainTestSplit([1, 2, 3], [1]), cls: ShapeError, op: 'trainTestSplit', says: ['[3, 1]'] },
  { name: 'trainTestSplit: bad shape', call: () => trainTestSplit({ data: new Float32Array(3), shape: [2, 2] }), cls: ShapeError, op: 'trainTestSplit', says: ['3 values', '[2,2]'] },
  { name: 'StandardScaler: transform before fit', call: () => new StandardScaler().transform([[1]]), cls: KnobsError, op: 'StandardScaler.transform', says: ['not fitted'] },
  { name: 'MinMaxScaler: feature count', call: () => new MinMaxScaler().fit([[1, 2]]).transform([[1]]), cls: ShapeError, op: 'MinMaxScaler.transform', says: ['1 features', '2'] },
  { name: 'OneHotEncoder: unknown category', call: () => new OneHotEncoder().fit([['a']]).transform([['b']]), cls: KnobsError, op: 'OneHotEncoder.transform', says: ['"b"', 'handleUnknown'] },
  { name: 'LabelEncoder.fromJSON: unsorted classes', call: () => LabelEncoder.fromJSON({ format: 'knobs.estimator', version: 1, type: 'LabelEncoder', params: {}, state: { classes: ['b', 'a'] } }), cls: KnobsError, op: 'LabelEncoder.fromJSON', says: ['sorted'] },
  { name: 'summary: wrong input shape', call: () => summary(summaryModel, [4]), cls: KnobsError, op: 'summary', says: ['[1,4]'] },
  { name: 'f1Score: lengths differ', call: () => metrics.f1Score([0, 1], [0]), cls: ShapeError, op: 'f1Score', says: ['2 labels', '1'] },
  { name: 'r2Score: one sample', call: () => metrics.r2Score([1], [1]), cls: ShapeError, op: 'r2Score', says: ['two samples'] },

  // ---- safetensors ----
  { name: 'readSafetensors: header length past the end', call: () => readSafetensors(Uint8Array.from([255, 0, 0, 0, 0, 0, 0, 0, 123])), cls: KnobsError, op: 'safetensors', says: ['truncated'] },
  { name: 'readSafetensors: not bytes', call: () => readSafetensors([1, 2] as unknown as Uint8Array), cls: KnobsError, op: 'safetensors', says: ['Uint8Array'] },
  { name: 'writeSafetensors: shape/data mismatch', call: () => writeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), cls: KnobsError, op: 'safetensors', says: ['"a"'] },
  { name: 'writeSafetensors: negative dim', call: () => writeSafetensors({ a: { dtype: 'F32', shape: [-1], data: new Float32Array(0) } }), cls: KnobsError, op: 'safetensors', says: ['shape'] },
];

/** The library still works: a small fit/predict through the wasm distance kernel, with known answers. */
function stillWorks(): void {
  const km = new classic.KMeans({ k: 2, seed: 0, nInit: 1 }).fit(X);
  const l = km.predict(X);
  expect(l[0]).toBe(l[1]);
  expect(l[2]).toBe(l[3]);
  expect(l[0]).not.toBe(l[2]);
  expect(Array.from(classic.pairwiseSqDist(m([0, 0], 1, 2), m([3, 4], 1, 2)))).toEqual([25]);
}

let dir = '';
/** Built before the rows run, so the summary row measures only what summary itself allocates. */
let summaryModel: nn.Linear;
beforeAll(async () => {
  await init();
  summaryModel = new nn.Linear(3, 2, { seed: 1 });
  dir = await mkdtemp(join(tmpdir(), 'knobs-bad-'));
  stillWorks();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bad inputs: a clear error naming the op, the library still usable, memory unchanged', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const before = memoryStats();
    let err: unknown = null;
    try {
      r.call();
    } catch (e) {
      err = e;
    }
    expect(err, 'expected a throw').toBeInstanceOf(r.cls);
    const msg = (err as Error).message;
    expect(msg).toContain(r.op);
    for (const w of r.says ?? []) expect(msg).toMatch(typeof w === 'string' ? new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : w);
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    expect(memoryStats().liveBlocks).toBe(before.liveBlocks);
    stillWorks();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
  });
});

describe('bad inputs: io on files (async)', () => {
  const asyncRows: { name: string; call: () => Promise<unknown>; op: string; says?: string[] }[] = [
    { name: 'save: empty path', call: async () => {
      const net = new nn.Sequential(new nn.Linear(1, 1, { seed: 1 }));
      try {
        return await save(net, '');
      } finally {
        net.dispose();
      }
    }, op: 'save/load', says: ['path'] },
    { name: 'load: missing files', call: () => load(join(dir, 'nothing')), op: 'load', says: ['not found'] },
    { name: 'load: JSON not JSON', call: async () => {
      await writeFile(join(dir, 'j.safetensors'), writeSafetensors({}));
      await writeFile(join(dir, 'j.json'), '{"format": ');
      return load(join(dir, 'j'));
    }, op: 'load', says: ['not valid JSON'] },
  ];
  it.each(asyncRows.map((r) => [r.name, r] as const))('%s', async (_name, r) => {
    const before = memoryStats().liveBytes;
    const err = await r.call().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(KnobsError);
    expect((err as Error).message).toContain(r.op);
    for (const w of r.says ?? []) expect((err as Error).message).toContain(w);
    stillWorks();
    expect(memoryStats().liveBytes).toBe(before);
  });
});
