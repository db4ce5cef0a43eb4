/**
 * The UCI "Sentiment Labelled Sentences" (1,000 each from IMDB, Amazon and Yelp, labelled 0/1) that
 * `npm run setup:data` takes from the npm package `sentiment` (its test fixtures) into
 * .data/sentiment/. The package's files end with a {"text":"","class":null} entry: skipped.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KnobsError } from '../errors.js';
import { dataSetDir, fetchHint, type DataDirOptions } from './data-dir.js';

export const SENTIMENT_SOURCES = ['imdb', 'amazon', 'yelp'] as const;
export type SentimentSource = (typeof SENTIMENT_SOURCES)[number];

export interface LabelledSentence {
  text: string;
  /** 1 positive, 0 negative. */
  label: 0 | 1;
  source: SentimentSource;
}

/** KNOBS_SENTIMENT_DIR, else KNOBS_DATA_DIR/sentiment, else .data/sentiment at the package root. */
export function defaultSentimentDir(): string {
  return dataSetDir('sentiment');
}

export function hasSentiment(dir = defaultSentimentDir()): boolean {
  return SENTIMENT_SOURCES.every((s) => existsSync(join(dir, `${s}.json`)));
}

/** Every labelled sentence of the chosen sources (default all three), in file order. */
export async function loadSentiment(opts: DataDirOptions & { sources?: readonly SentimentSource[] } = {}): Promise<LabelledSentence[]> {
  const dir = dataSetDir('sentiment', opts);
  const sources = opts.sources ?? SENTIMENT_SOURCES;
  const out: LabelledSentence[] = [];
  for (const source of sources) {
    if (!SENTIMENT_SOURCES.includes(source)) throw new KnobsError(`loadSentiment: unknown source ${JSON.stringify(source)}; sources: ${SENTIMENT_SOURCES.join(', ')}`);
    const file = join(dir, `${source}.json`);
    if (!existsSync(file)) throw new KnobsError(`loadSentiment: ${file} is missing. ${fetchHint('sentiment', 'loadSentiment')}`);
    const rows = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (!Array.isArray(rows)) throw new KnobsError(`loadSentiment: ${file} is not a JSON array`);
    rows.forEach((r: { text?: unknown; class?: unknown }, i) => {
      if (r?.class === null && r?.text === '') return;
      if (typeof r?.text !== 'string' || (r.class !== 0 && r.class !== 1)) throw new KnobsError(`loadSentiment: ${file} entry ${i} is not { text, class: 0 | 1 }`);
      out.push({ text: r.text, label: r.class, source });
    });
  }
  return out;
}
