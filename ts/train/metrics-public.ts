/**
 * The `metrics` namespace: scikit-learn's standalone scores (precisionScore, f1Score, …) and the
 * Metric factories fit/evaluate take besides the metric names (f1({ average: 'weighted' }), …).
 */
export { accuracyScore, confusionMatrix, precisionScore, recallScore, f1Score, topKAccuracyScore, meanAbsoluteError, meanSquaredError, r2Score, type Label, type LabelsInput, type ValuesInput, type Average, type PrfOptions } from './scores.js';
export { accuracy, precision, recall, f1, topKAccuracy, mae, mse, r2, METRIC_NAMES, type Metric, type MetricLike, type MetricName, type AveragedMetricOptions } from './metrics.js';
