/** Classic learners under one estimator API (fit / predict / predictProba / score / nParameters / toJSON). */
export * from './estimator.js';
export { pairwiseSqDist, kNearest } from './distance.js';
// supervised (counting, naive Bayes, kNN, linear/logistic regression, neural wrappers)
export { CountModel, type CountModelOptions } from './count.js';
export { GaussianNB, CategoricalNB, type GaussianNBOptions, type CategoricalNBOptions } from './naive-bayes.js';
export { KNeighborsClassifier, KNeighborsRegressor, type KNeighborsOptions } from './knn.js';
export { LinearRegression, LogisticRegression, type LogisticRegressionOptions } from './linear.js';
export { Classifier, Regressor, type NeuralEstimatorOptions } from './wrappers.js';
