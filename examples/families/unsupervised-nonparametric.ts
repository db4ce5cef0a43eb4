/**
 * Unsupervised non-parametric learning (Grokking Deep Learning, chapter 2): group words by
 * counting which other words they appear with. Nobody tells the model that puppies are cute or
 * that pizza is food; words that share contexts end up in the same group, and the model is just
 * the count table, so it grows with the vocabulary.
 *
 *   npx tsx examples/families/unsupervised-nonparametric.ts
 */
import { init } from '../../ts/index.js';
import { WordClusters } from '../../ts/classic/words.js';
import { DBSCAN } from '../../ts/classic/dbscan.js';

const corpus = [
  'I love puppies',
  'puppies are cute',
  'the kittens are cute',
  'kittens are cute and fluffy',
  'I love my fluffy puppies',
  'I love kittens, they are so cute',
  'I ate pizza',
  'pizza is delicious',
  'hot dog is delicious',
  'I ate a hot dog, it was tasty',
  'burgers are tasty',
  'burgers are delicious and I ate two',
  'pizza is tasty',
  'a hot dog with mustard is delicious',
];
const words = ['puppies', 'kittens', 'pizza', 'hot dog', 'burgers'];

async function main(): Promise<void> {
  await init();
  const model = new WordClusters({ nClusters: 2, words }).fit(corpus);
  console.log(`${corpus.length} sentences, ${model.vocabulary.length} words × ${model.contexts.length} contexts = ${model.nParameters} counts (the knobs grow with the text)`);
  // Name each group by the context its words share most.
  const nc = model.contexts.length;
  model.groups().forEach((g, i) => {
    const sums = model.contexts.map((_, j) => g.reduce((s, w) => s + model.counts[model.vocabulary.indexOf(w) * nc + j], 0));
    const name = model.contexts[sums.indexOf(Math.max(...sums))];
    console.log(`group ${i} ("${name}"): ${g.join(', ')}`);
  });
  const top = (w: string) => {
    const i = model.vocabulary.indexOf(w), nc = model.contexts.length;
    return model.contexts.map((c, j) => [c, model.counts[i * nc + j]] as const).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, n]) => `${c}×${n}`).join(' ');
  };
  for (const w of words) console.log(`  ${w.padEnd(8)} seen with: ${top(w)}`);
  console.log(`similarity(puppies, kittens) = ${model.similarity('puppies', 'kittens').toFixed(2)}, similarity(puppies, pizza) = ${model.similarity('puppies', 'pizza').toFixed(2)}`);

  // Feed it more text: the count table (the parameters) grows, a parametric model's would not.
  const more = new WordClusters({ nClusters: 2, words }).fit([...corpus, 'the puppies chased a ball', 'we shared a pizza with friends']);
  console.log(`with two more sentences: ${more.nParameters} counts`);

  // DBSCAN on the same count vectors also finds the number of groups by itself.
  const db = new DBSCAN({ eps: 0.9, minSamples: 2 }).fit({ data: unit(model.counts, words.length), shape: [words.length, model.contexts.length] });
  console.log(`DBSCAN (eps 0.9) finds ${db.nClusters} groups: ${words.map((w, i) => `${w}→${db.labels[i]}`).join(', ')}`);
}

function unit(counts: Float64Array, rows: number): Float64Array {
  const cols = counts.length / rows, u = Float64Array.from(counts);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += u[i * cols + j] ** 2;
    for (let j = 0; j < cols; j++) u[i * cols + j] /= Math.sqrt(s);
  }
  return u;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
