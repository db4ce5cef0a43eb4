/** Classic learners under one estimator API (fit / predict / predictProba / score / nParameters / toJSON). */
export * from './estimator.js';
export { pairwiseSqDist, kNearest } from './distance.js';
// supervised (counting, naive Bayes, kNN, linear/logistic regression, neural wrappers)
export { CountModel, type CountModelOptions } from './count.js';
export { GaussianNB, CategoricalNB, type GaussianNBOptions, type CategoricalNBOptions } from './naive-bayes.js';
export { KNeighborsClassifier, KNeighborsRegressor, type KNeighborsOptions } from './knn.js';
export { LinearRegression, LogisticRegression, type LogisticRegressionOptions } from './linear.js';
export { Classifier, Regressor, type NeuralEstimatorOptions } from './wrappers.js';
// unsupervised (parametric: k-means, Gaussian mixture, competitive learning; non-parametric: DBSCAN, agglomerative, word clusters)
export { KMeans, type KMeansParams } from './kmeans.js';
export { GaussianMixture, type GaussianMixtureParams, type GaussianMixtureInit, type CovarianceType } from './gmm.js';
export { CompetitiveLearning, type CompetitiveLearningParams } from './competitive.js';
export { DBSCAN, type DBSCANParams } from './dbscan.js';
export { AgglomerativeClustering, linkageTree, cutTree, type AgglomerativeParams, type Linkage, type Dendrogram } from './agglomerative.js';
export { WordClusters, tokenize, DEFAULT_STOP_WORDS, type WordClustersParams } from './words.js';
export { saveEstimator, loadSavedEstimator, type SavedEstimator } from './save.js';
