/**
 * Node-only loaders for scikit-learn's bundled data sets as fetched by scripts/fetch-data.sh into
 * .data/sklearn/. File access and gunzip are here so that csv.ts stays platform-neutral.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KnobsError } from '../errors.js';
import { parseNumericTable, parseSklearnCsv, type ParseSklearnCsvOptions, type SklearnCsv } from './csv.js';

export type SklearnDatasetName = 'iris' | 'wine' | 'breast_cancer' | 'digits' | 'diabetes';

/** The repository's .data/sklearn (from ts/data/ or dist/data/, two levels up). */
export const defaultSklearnDir = fileURLToPath(new URL('../../.data/sklearn/', import.meta.url));

/** A data file as text; gzip is recognised by its magic bytes, whatever the file is called. */
export function readDataText(path: string, op = 'readDataText'): string {
  if (!existsSync(path)) {
    throw new KnobsError(`${op}: ${path} does not exist (run: bash scripts/fetch-data.sh sklearn)`);
  }
  let bytes: Uint8Array = readFileSync(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new KnobsError(`${op}: ${path} looks gzip-compressed but does not decompress: ${(e as Error).message}`);
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** Any file in sklearn's CSV format (see parseSklearnCsv for the options). */
export function loadSklearnCsv(path: string, opts: ParseSklearnCsvOptions = {}): SklearnCsv {
  return parseSklearnCsv(readDataText(path, 'loadSklearnCsv'), { name: path, ...opts });
}

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * One of the bundled sets by name. diabetes is the raw (unscaled) regression set: 442 × 10
 * features with a Float32Array target, read from its two whitespace-separated files.
 */
export function loadSklearnDataset(name: SklearnDatasetName, dir: string = defaultSklearnDir): SklearnCsv {
  switch (name) {
    case 'iris':
      return loadSklearnCsv(join(dir, 'iris.csv'));
    case 'wine':
      return loadSklearnCsv(join(dir, 'wine_data.csv'));
    case 'breast_cancer':
      return loadSklearnCsv(join(dir, 'breast_cancer.csv'));
    case 'digits':
      return loadSklearnCsv(join(dir, 'digits.csv.gz'), { header: 'none', targetNames: DIGIT_NAMES });
    case 'diabetes': {
      const xPath = join(dir, 'diabetes_data_raw.csv.gz');
      const yPath = join(dir, 'diabetes_target.csv.gz');
      const x = parseNumericTable(readDataText(xPath, 'loadSklearnDataset'), { delimiter: 'whitespace', name: xPath });
      const y = parseNumericTable(readDataText(yPath, 'loadSklearnDataset'), { delimiter: 'whitespace', name: yPath });
      if (y.nCols !== 1 || y.nRows !== x.nRows) {
        throw new KnobsError(
          `loadSklearnDataset(diabetes): ${yPath} is ${y.nRows}×${y.nCols}, expected ${x.nRows}×1 to match ${xPath}`,
        );
      }
      return { x: x.data, y: y.data, nSamples: x.nRows, nFeatures: x.nCols, targetNames: [] };
    }
    default:
      throw new KnobsError(
        `loadSklearnDataset: unknown data set ${JSON.stringify(name)} (expected iris, wine, breast_cancer, digits or diabetes)`,
      );
  }
}
