/**
 * The sequence-model row alone: Transformer vs LSTM character language models, perplexity reached
 * per training second on this machine (bench/cases-seq.ts). bench/run.ts runs it too.
 *
 *   node --import tsx bench/seq.ts [--quick] [--seconds 60]
 */
import { readFileSync } from 'node:fs';
import { MOBY_DICK } from '../examples/char-lstm.js';
import { init } from '../ts/index.js';
import { charLmRows, formatLmRows } from './cases-seq.js';

const quick = process.argv.includes('--quick');
const si = process.argv.indexOf('--seconds');
await init({ threads: 1 });
const seconds = si > 0 ? Number(process.argv[si + 1]) : quick ? 4 : 60;
const rows = charLmRows(readFileSync(MOBY_DICK, 'utf8'), { seconds, chars: quick ? 30_000 : 100_000, valChars: quick ? 4_000 : 10_000, points: quick ? 2 : 6 });
console.log(formatLmRows(rows));
