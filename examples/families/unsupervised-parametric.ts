/**
 * Unsupervised parametric learning (Grokking Deep Learning, chapter 2): split the book's table of
 * games — home or away, and how many fans came — into 3 groups, and give every row its membership
 * probability for each group. The knobs are a fixed number per group (a centre, or a weight, mean
 * and covariance), however many games there are.
 *
 *   npx tsx examples/families/unsupervised-parametric.ts
 */
import { init } from '../../ts/index.js';
import { KMeans } from '../../ts/classic/kmeans.js';
import { GaussianMixture } from '../../ts/classic/gmm.js';
import { CompetitiveLearning } from '../../ts/classic/competitive.js';

// The book's table. Fans in thousands so that both columns are read on comparable scales
// (in plain fans the home/away column would be invisible next to 100 000).
const table: [string, number][] = [
  ['home', 100], ['away', 50], ['home', 100], ['home', 99], ['away', 50], ['away', 10], ['away', 11],
];
const x = table.map(([where, fans]) => [where === 'home' ? 1 : 0, fans]);

function show(name: string, proba: Float64Array, k: number, nParameters: number): void {
  console.log(`\n${name} (${nParameters} knobs): membership of each row in groups 0..${k - 1}`);
  table.forEach(([where, fans], i) => {
    const p = Array.from(proba.subarray(i * k, (i + 1) * k));
    const g = p.indexOf(Math.max(...p));
    console.log(`  ${where.padEnd(4)} ${String(fans).padStart(3)}k fans → group ${g}   [${p.map((v) => v.toFixed(3)).join(', ')}]`);
  });
}

async function main(): Promise<void> {
  await init();
  const km = new KMeans({ k: 3, seed: 0 }).fit(x);
  show('k-means', km.predictProba(x), 3, km.nParameters);
  console.log(`  centres: ${[0, 1, 2].map((j) => `(${Array.from(km.centers.subarray(j * 2, j * 2 + 2), (v) => v.toFixed(2)).join(', ')})`).join(' ')}`);

  const gm = new GaussianMixture({ k: 3, covariance: 'diag', nInit: 5, seed: 0, regCovar: 1e-3 }).fit(x);
  show('Gaussian mixture (diag, EM)', gm.predictProba(x), 3, gm.nParameters);

  const cl = new CompetitiveLearning({ k: 3, seed: 0 }).fit(x);
  show('competitive learning (gradient descent)', cl.predictProba(x), 3, cl.nParameters);
  console.log(`  loss ${cl.lossHistory[0].toFixed(2)} → ${cl.lossHistory[cl.lossHistory.length - 1].toFixed(2)} over ${cl.lossHistory.length} epochs`);

  // New games: the groups are tight, so only a game about halfway between two of them is shared.
  for (const fans of [48, 30, 30.3]) {
    const game = [[0, fans]];
    const f = (p: Float64Array) => Array.from(p, (v) => v.toFixed(3)).join(', ');
    console.log(`new game (away, ${fans}k fans): k-means [${f(km.predictProba(game))}]  competitive [${f(cl.predictProba(game))}]`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
