/**
 * What a memory network gets wrong on bAbI: trains one nn.MemN2N with babi-memnet's recipe, then
 * answers 1,000 questions generated from another seed (not the test set that babi-memnet scores)
 * and prints each hop's attention over the sentences for the first wrong answers. For task 6 it
 * also counts the accuracy per kind of question: "yes", "no" for a person never at the place, and
 * "no" for a person who was there and left (the kind that needs the sentences' order).
 * With --joint 1,2,3,6 the model is babi-memnet --joint's (one network on those tasks), probed on --task.
 *
 *   npm run example -- babi-errors [--task 6] [--hops 3] [--epochs 100] [--seed 1] [--show 5] [--tying adjacent|layerwise] [--nonlinearity none|relu] [--optimizer sgd|adam] [--no-linear-start] [--linear-start-epochs 20] [--step 25] [--random-noise 0.1] [--embed-dim 20] [--joint 1,2,3,6]
 */
import { parseArgs } from 'node:util';
import { runBabi, runBabiJoint, type BabiRunOptions } from './babi-memnet.js';
import { babiSamples, encodeBabi, generateBabi, init, tensor, tidy, type BabiTask } from '../ts/index.js';

await init();
const { values } = parseArgs({
  options: {
    task: { type: 'string', default: '6' }, hops: { type: 'string', default: '3' }, epochs: { type: 'string', default: '100' }, seed: { type: 'string', default: '1' },
    show: { type: 'string', default: '5' }, tying: { type: 'string', default: 'adjacent' }, nonlinearity: { type: 'string', default: 'none' }, optimizer: { type: 'string', default: 'sgd' },
    'no-linear-start': { type: 'boolean', default: false }, step: { type: 'string', default: '25' }, 'random-noise': { type: 'string', default: '0.1' }, 'embed-dim': { type: 'string', default: '20' }, 'linear-start-epochs': { type: 'string', default: '20' }, joint: { type: 'string' },
  },
});
const task = Number(values.task) as BabiTask, seed = Number(values.seed), M = 50;
const questions = (s: number) => babiSamples(generateBabi(task, { stories: 200, seed: s })).slice(0, 1000);
// Same training questions as babi-memnet's for this seed; the analysis questions come from a seed it never uses.
const train = questions(seed), probe = questions(5000 + seed);
const recipe: BabiRunOptions = {
  epochs: Number(values.epochs), seed, memorySize: M, optimizer: values.optimizer as 'sgd' | 'adam',
  weightTying: values.tying as 'adjacent' | 'layerwise', nonlinearity: values.nonlinearity as 'none' | 'relu', linearStart: !values['no-linear-start'],
  stepSize: Number(values.step), randomNoise: Number(values['random-noise']), embedDim: Number(values['embed-dim']), linearStartEpochs: Number(values['linear-start-epochs']),
};
// --joint: the model of babi-memnet --joint on these tasks (its vocabulary covers the probe's words).
const { model, shape } = values.joint ? await runBabiJoint(values.joint.split(',').map(Number) as BabiTask[], Number(values.hops), recipe) : await runBabi(task, Number(values.hops), { ...recipe, data: { train, test: probe } });
const { vocab } = shape;
const enc = encodeBabi(probe, shape);
model.eval();
const logits = tidy(() => model.forward(tensor(enc.x, [enc.n, enc.rowLength])).toFloat32Array());
const V = vocab.length, kinds = new Map<string, { n: number; right: number }>();
let shown = 0, correct = 0;
probe.forEach((s, i) => {
  let best = 0;
  for (let v = 1; v < V; v++) if (logits[i * V + v] > logits[i * V + best]) best = v;
  const right = vocab[best] === s.answer.toLowerCase();
  correct += right ? 1 : 0;
  const yesNo = /^Is (\w+) in the (\w+)\?$/.exec(s.question);
  if (yesNo) {
    const wasThere = s.context.some((c) => c.startsWith(`${yesNo[1]} `) && c.endsWith(` ${yesNo[2]}.`));
    const kind = s.answer === 'yes' ? 'yes' : wasThere ? 'no, was there and left' : 'no, never there';
    const k = kinds.get(kind) ?? { n: 0, right: 0 };
    k.n++;
    k.right += right ? 1 : 0;
    kinds.set(kind, k);
  }
  if (right || shown >= Number(values.show)) return;
  shown++;
  console.log(`\n${s.question} → ${vocab[best]} (answer: ${s.answer}); attention per hop:`);
  const recent = s.context.slice(-M).reverse();
  recent.forEach((c, k) => console.log(`  ${c.padEnd(36)} ${model.lastAttention.map((p) => p[i * M + k].toFixed(2)).join(' ')}`));
  const empty = model.lastAttention.map((p) => p.subarray(i * M + recent.length, (i + 1) * M).reduce((a, b) => a + b, 0).toFixed(2));
  console.log(`  ${'(empty slots)'.padEnd(36)} ${empty.join(' ')}`);
});
for (const [kind, { n, right }] of kinds) console.log(`${kind}: ${right}/${n} = ${((100 * right) / n).toFixed(1)}%`);
console.log(`accuracy on the ${probe.length} probe questions: ${((100 * correct) / probe.length).toFixed(1)}%`);
