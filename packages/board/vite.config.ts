import { defineConfig } from 'vite';

/** Preact through esbuild's automatic JSX runtime (no React plugin needed); output in dist/, served at `/`. */
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { proxy: { '/api': 'http://localhost:3000', '/mcp': 'http://localhost:3000' } },
});
