/**
 * readCsv(path): the CSV loader (csv-table.ts) over a file stream, so a file larger than memory
 * as text is parsed record by record; only the parsed columns are kept. A path ending in .gz is
 * decompressed on the way.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { KnobsError } from '../errors.js';
import { CsvBuilder, papaConfig, type CsvData, type CsvOptions } from './csv-table.js';

export async function readCsv(path: string, opts: CsvOptions = {}): Promise<CsvData> {
  const b = new CsvBuilder('readCsv', { name: path, ...opts });
  if (typeof path !== 'string' || path === '') b.fail('expected a file path');
  if (!existsSync(path)) b.fail('the file does not exist');
  if (!statSync(path).isFile()) b.fail('is not a file');
  const file = createReadStream(path);
  const source = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  return new Promise<CsvData>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      file.destroy();
      reject(e instanceof KnobsError ? e : new KnobsError(`readCsv(${path}): ${e instanceof Error ? e.message : String(e)}`));
    };
    file.on('error', fail);
    if (source !== file) source.on('error', fail);
    Papa.parse<string[]>(source, {
      ...papaConfig(b, opts, fail),
      complete() {
        if (failed) return;
        try {
          resolve(b.finish());
        } catch (e) {
          fail(e);
        }
      },
      error: fail,
    });
  });
}
