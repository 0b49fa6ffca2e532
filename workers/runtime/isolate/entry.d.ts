// Types for `/kiln-entry.js`, the per-version module that re-exports the user's entry module.
declare const definition: unknown;
export default definition;
