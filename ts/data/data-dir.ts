/**
 * Where the Node loaders look for a data set, and what their error says when it is not there.
 * `npx knobs-data <set> --dir <dir>` (bin/knobs-data.js) fills <dir>/<set>/; a loader is then given
 * `{ dataDir: <dir> }` (or its own `{ dir: <dir>/<set> }`), or finds it through KNOBS_DATA_DIR.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DataDirOptions {
  /** The set's own directory (the files themselves). */
  dir?: string;
  /** The directory `knobs-data --dir` filled; the set is its subdirectory. */
  dataDir?: string;
}

/** opts.dir, opts.dataDir/<set>, $KNOBS_<SET>_DIR, $KNOBS_DATA_DIR/<set>, else .data/<set> in the package (a clone's setup writes there). */
export function dataSetDir(set: string, opts: DataDirOptions = {}): string {
  if (opts.dir !== undefined) return resolve(opts.dir);
  if (opts.dataDir !== undefined) return resolve(opts.dataDir, set);
  const own = process.env[`KNOBS_${set.toUpperCase()}_DIR`];
  if (own) return resolve(own);
  if (process.env.KNOBS_DATA_DIR) return resolve(process.env.KNOBS_DATA_DIR, set);
  return fileURLToPath(new URL(`../../.data/${set}/`, import.meta.url));
}

/** The sentence a loader's error ends with: how to fetch the set and point the loader at it. */
export function fetchHint(set: string, loader: string): string {
  return `Fetch it with \`npx knobs-data ${set} --dir <dir>\` and call ${loader}({ dataDir: '<dir>' }) (or set KNOBS_DATA_DIR=<dir>).`;
}
