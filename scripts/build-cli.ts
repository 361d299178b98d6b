/**
 * Bundle the CLI into dist/ so it starts without transpiling TypeScript (issue: every call paid
 * ~2 s to tsx). esbuild bundles src/cli/main.ts with its npm dependencies into ES modules, split
 * at each command's dynamic import: `--help` loads the entry chunk only, `treefile validate`
 * adds the treefile chunk. bib/particle-os runs dist/ while it is newer than src/.
 *
 *   npx tsx scripts/build-cli.ts     (npm run build; npm ci runs it through `prepare`)
 */
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist';

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: { 'cli/main': 'src/cli/main.ts' },
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'cli/chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander is CommonJS and requires node: builtins; an ES module has no `require` of its own.
  banner: {
    js: "import { createRequire as particleOsRequire } from 'node:module'; const require = particleOsRequire(import.meta.url);",
  },
  legalComments: 'none',
  // Whitespace and syntax only: names stay, so an internal error's stack still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// What bib/particle-os compares src/ against: written last, so a half-built dist/ is stale.
writeFileSync(`${OUT}/.built`, `${new Date().toISOString()}\n`);
