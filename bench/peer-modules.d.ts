// The peers are dev dependencies of bench/ only, installed by `npm --prefix bench install` after
// the root typecheck has run (CI typechecks first). Typed loosely here, as the suite uses them.
declare module '@tensorflow/tfjs';
declare module '@tensorflow/tfjs-backend-wasm';
declare module 'brain.js';
