/**
 * knobs/csv: parseCsv, the CSV loader for user data. It is an entry of its own because it imports
 * papaparse, and `knobs` imports no other package: a plain-ESM page that maps only 'knobs' must
 * load it (papaparse ships no ES module that such a page could map). readCsv (a streamed file) is
 * in knobs/node.
 */
export { parseCsv, type CsvOptions, type CsvData, type ColumnRef } from './data/csv-table.js';
