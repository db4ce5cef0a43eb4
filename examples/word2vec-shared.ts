/**
 * The files the word2vec example and bench read: the State of the Union corpus and gensim's
 * evaluation sets, under .data/ at the repository root or KNOBS_DATA_DIR. Exits with the fetch
 * command when one is missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const dataDir = process.env.KNOBS_DATA_DIR ?? join(root, '.data');

export function word2vecFiles(who: string): { corpus: string; questions: string; wordsim: string; simlex: string } {
  const files = {
    corpus: join(dataDir, 'sotu/sotu.txt'),
    questions: join(dataDir, 'gensim/questions-words.txt'),
    wordsim: join(dataDir, 'gensim/wordsim353.tsv'),
    simlex: join(dataDir, 'gensim/simlex999.txt'),
  };
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.error(`${who}: missing ${missing.join(', ')}\nrun: bash scripts/fetch-data.sh gensim sotu (or set KNOBS_DATA_DIR)`);
    process.exit(1);
  }
  return files;
}
