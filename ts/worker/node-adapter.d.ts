// comlink ships node-adapter.d.ts beside node-adapter.mjs; TypeScript looks for .d.mts for an .mjs
// import, so point it at the declarations that are there.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/esm/node-adapter';
}
