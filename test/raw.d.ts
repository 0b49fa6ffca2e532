// Vite's module features used by tests: `?raw` imports and import.meta.glob.
/// <reference types="vite/client" />
