import { defineConfig } from 'vite';

// Relative asset paths, so the page works from any mount point; the bundle goes to dist/ and MSBuild ships it as wwwroot/.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://127.0.0.1:5080' } },
});
