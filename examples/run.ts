/**
 * npm run example -- <name> [options]   runs examples/<name>.ts with the options after the name.
 * Without a name, lists the examples.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
// Helper modules (shared code, this runner) are not examples.
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.includes('-shared'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  console.log(`usage: npm run example -- <name> [options]\nexamples: ${names.join(', ')}`);
} else if (!names.includes(name)) {
  console.error(`unknown example '${name}'; examples: ${names.join(', ')}`);
  process.exitCode = 1;
} else {
  // The example sees itself as the script, with its own options: it runs as if started directly.
  const file = fileURLToPath(new URL(`${name}.ts`, import.meta.url));
  process.argv = [process.argv[0], file, ...rest];
  await import(pathToFileURL(file).href);
}
