// Builds the dashboard into dist/web, which `lbguard serve` serves at `/`. Everything is bundled:
// the page loads nothing from outside the control plane, so it works offline.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  // Preact's JSX runtime, without a framework plugin: Vite's own transform handles JSX.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
});
