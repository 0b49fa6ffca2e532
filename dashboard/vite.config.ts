// Builds the dashboard SPA into dashboard/dist, served by the Worker as static assets.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  // The CodeMirror chunk (~520 kB, ~175 kB gzipped) is loaded only by the editor and diff views.
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 600 },
});
