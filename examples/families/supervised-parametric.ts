/**
 * Supervised, parametric (Grokking Deep Learning, ch. 2–3): sports statistics → the probability
 * that the team wins. A fixed set of knobs (one weight per statistic and a bias) is turned by
 * trial and error: predict, compare with the truth, learn — repeated. Printed after 1, 10, 100 and
 * 1000 full-batch steps so you can watch the win probabilities move toward the truth while the
 * number of knobs stays the same.
 *
 *   npx tsx examples/families/supervised-parametric.ts
 */
import { init } from '../../ts/index.js';
import * as classic from '../../ts/classic/index.js';

await init();

// The book's four games: average toes per player, win/loss record, number of fans (millions).
const games = [
  [8.5, 0.65, 1.2],
  [9.5, 0.8, 1.3],
  [9.9, 0.8, 0.5],
  [9.0, 0.9, 1.0],
];
const won = [1, 1, 0, 1];

const fmt = (v: number) => v.toFixed(3);
for (const steps of [1, 10, 100, 1000]) {
  // C = 100: almost no penalty, so the knobs are set by the data (the book has none).
  const model = new classic.LogisticRegression({ C: 100, maxIter: steps, tol: 0, lr: 0.1 }).fit(games, won);
  const pWin = model.predictProba(games);
  const predicted = won.map((_, i) => pWin[i * 2 + 1]);
  const errors = predicted.map((p, i) => (won[i] ? -Math.log(p) : -Math.log(1 - p)));
  console.log(`after ${String(steps).padStart(4)} learn steps:`);
  console.log(`  predict  win probability per game: ${predicted.map(fmt).join('  ')}`);
  console.log(`  compare  truth:                    ${won.map((w) => (w ? 'win  ' : 'lose ')).join('  ')}  mean error (cross-entropy) ${fmt(errors.reduce((a, b) => a + b) / errors.length)}`);
  console.log(`  learn    knobs: weights [${Array.from(model.coef, fmt).join(', ')}], bias ${fmt(model.intercept[0])}  (${model.nParameters} knobs)`);
}

const final = new classic.LogisticRegression({ C: 100, maxIter: 1000, tol: 0, lr: 0.1 }).fit(games, won);
const newGame = [9.2, 0.85, 1.1];
console.log(`\nnew game ${JSON.stringify(newGame)} → win probability ${fmt(final.predictProba([newGame])[1])}`);
// Parametric: twice the games, still the same number of knobs.
const twice = new classic.LogisticRegression({ C: 100, maxIter: 50 }).fit([...games, ...games], [...won, ...won]);
console.log(`knobs with ${games.length} games: ${final.nParameters}; with ${2 * games.length} games: ${twice.nParameters}`);
