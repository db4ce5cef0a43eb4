/**
 * Supervised, non-parametric (Grokking Deep Learning, ch. 2): the streetlight. Count how often
 * each light was on when people walked ("go") and predict the observed frequency. The middle light
 * always means go, the right one half the time. Counting keeps a number per pattern it has seen,
 * so the parameter count grows with the data.
 *
 *   npx tsx examples/families/supervised-nonparametric.ts
 */
import { init } from '../../ts/index.js';
import * as classic from '../../ts/classic/index.js';

await init();

// Rows: [left, middle, right] light on (1) / off (0); walk: 1 = people walked (go), 0 = stopped.
const lights = [
  [1, 0, 1],
  [0, 1, 1],
  [0, 0, 1],
  [1, 1, 1],
  [0, 1, 1],
  [1, 0, 1],
];
const walk = [0, 1, 0, 1, 1, 0];
const names = ['left', 'middle', 'right'];

const counts = new classic.CountModel({ alpha: 0 }).fit(lights, walk);
const smoothed = new classic.CountModel({ alpha: 1 }).fit(lights, walk);
console.log('go-probability when a light is on (observed frequency | Laplace-smoothed, alpha 1):');
const raw = counts.featureProba(1), sm = smoothed.featureProba(1);
names.forEach((n, j) => {
  const on = lights.filter((r) => r[j] === 1).length;
  const go = lights.filter((r, i) => r[j] === 1 && walk[i] === 1).length;
  console.log(`  ${n.padEnd(6)}  on ${on}×, go ${go}×  →  ${raw[j][1].toFixed(3)} | ${sm[j][1].toFixed(3)}`);
});

console.log('\ngo-probability per whole pattern (alpha 1):');
const patterns = [[0, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 0]];
const P = smoothed.predictProba(patterns);
patterns.forEach((p, i) => console.log(`  ${JSON.stringify(p)}  ${P[i * 2 + 1].toFixed(3)}${counts.patternCounts.has(p.join(',')) ? '' : '  (never seen: overall frequency)'}`));

// Non-parametric: more (new) data, more numbers kept.
const more = [...lights, [0, 1, 0], [1, 1, 0]];
const grown = new classic.CountModel().fit(more, [...walk, 1, 1]);
console.log(`\nparameters (counts kept): ${smoothed.nParameters} with ${lights.length} rows, ${grown.nParameters} with ${more.length} rows`);
