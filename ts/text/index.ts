/** Text tools and word embeddings: tokenizer, Vocab, context windows, Word2Vec and its queries. */
export { tokenize, sentences, type TokenizeOptions, type SentencesOptions } from './tokenize.js';
export { Vocab, type VocabOptions, type VocabJSON } from './vocab.js';
export { contextWindows, type ContextWindows } from './windows.js';
export { Word2Vec, keepThresholds, cumTable, type Word2VecOptions, type TrainStats } from './word2vec.js';
export { KeyedVectors, type MostSimilarOptions, type AnalogyOptions, type Similar } from './keyed-vectors.js';
export { saveKeyedVectors, loadKeyedVectors, toWord2VecFormat, fromWord2VecFormat, formatFloat32, type SavedKeyedVectors } from './vectors-io.js';
export { evaluateWordAnalogies, evaluateWordPairs, spearman, pearson, rankdata, type AnalogyResult, type AnalogySection, type WordPairsResult } from './evaluate.js';
export { Seq2Seq, type Seq2SeqOptions, type Seq2SeqCell, type DecodeOptions } from './seq2seq.js';
