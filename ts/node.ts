/**
 * Node-only helpers (files on disk), kept out of the main entry so browser bundles never see
 * node:fs:  import { save, load, loadMnist } from 'knobs/node'.
 */
export { save, load, type NodeSaveOptions } from './io/save-node.js';
export { readCsv } from './data/csv-node.js';
export { loadMnist, hasMnist, missingMnistFiles, defaultMnistDir, type LoadMnistOptions } from './data/mnist-node.js';
export { loadFashionMnist, hasFashionMnist, defaultFashionMnistDir, FASHION_MNIST_CLASSES } from './data/fashion-mnist-node.js';
export { loadSentiment, hasSentiment, defaultSentimentDir, SENTIMENT_SOURCES, type LabelledSentence, type SentimentSource } from './data/sentiment-node.js';
