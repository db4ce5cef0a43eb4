/**
 * `import 'knobs/threads'` before `init({ threads })` in a browser app: it ships the threads build
 * (its wasm, glue and pool worker) only to apps that ask for it. Node needs no import (init loads
 * the build from the package on demand).
 */
import { threadsBuild } from './backend/threads-build.js';
import { registerThreadsBuild } from './backend/wasm.js';

registerThreadsBuild(threadsBuild);
