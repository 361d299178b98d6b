/**
 * bench/container-reuse: how much of an image a client already has after a one-package update.
 *
 *   npx tsx bench/container-reuse.ts [TREEFILE] [--add-package NAME]
 *
 * Composes TREEFILE (default: treefiles/debian-minimal.yaml) as v1, then v2 = v1 + one package
 * (default: tree), builds both as chunked images (by package, the default) and as single-layer
 * images (the baseline), and prints the share of v2's layer bytes whose digests v1 already has.
 * Also rebuilds v1 and checks the manifest digest is unchanged. Needs root; ~5 minutes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface Built {
  manifestDigest: string;
  layers: { digest: string; size: number; name: string }[];
}

function cli(args: string[]): string {
  const r = spawnSync('./bib/particle-os', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`particle-os ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}

function container(repo: string, ref: string, out: string, maxLayers: number): Built {
  const json = cli([
    'container',
    'build',
    '--repo',
    repo,
    ref,
    '--output',
    `oci:${out}`,
    '--max-layers',
    String(maxLayers),
    '--json',
  ]);
  return JSON.parse(json) as Built;
}

function reuse(v1: Built, v2: Built): { share: number; reused: number; total: number } {
  const have = new Set(v1.layers.map((l) => l.digest));
  const total = v2.layers.reduce((n, l) => n + l.size, 0);
  const reused = v2.layers.filter((l) => have.has(l.digest)).reduce((n, l) => n + l.size, 0);
  return { share: reused / total, reused, total };
}

const args = process.argv.slice(2);
const flag = args.indexOf('--add-package');
const addPackage = flag >= 0 ? (args[flag + 1] ?? 'tree') : 'tree';
const treefile = resolve(
  args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--add-package') ??
    'treefiles/debian-minimal.yaml',
);
const dir = mkdtempSync(join(tmpdir(), 'bench-reuse-'));
const repo = join(dir, 'repo');
const v2File = join(dir, 'v2.yaml');
writeFileSync(v2File, `include: ${treefile}\npackages: [${addPackage}]\n`);

const t0 = performance.now();
const c1 = JSON.parse(cli(['compose', 'tree', treefile, '--repo', repo, '--json']));
const chunked1 = container(repo, c1.ref, join(dir, 'v1-chunked'), 64);
const single1 = container(repo, c1.ref, join(dir, 'v1-single'), 1);
const again = container(repo, c1.ref, join(dir, 'v1-again'), 64);
const c2 = JSON.parse(cli(['compose', 'tree', v2File, '--repo', repo, '--json']));
const chunked2 = container(repo, c2.ref, join(dir, 'v2-chunked'), 64);
const single2 = container(repo, c2.ref, join(dir, 'v2-single'), 1);

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const c = reuse(chunked1, chunked2);
const s = reuse(single1, single2);
const changed = chunked2.layers.filter((l) => !chunked1.layers.some((x) => x.digest === l.digest));
process.stdout.write(
  [
    `bench/container-reuse: ${treefile} v1 → v2 (+${addPackage}), ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    `v1 ${c1.version} ${c1.commit.slice(0, 12)}  v2 ${c2.version} ${c2.commit.slice(0, 12)}`,
    `chunked: ${chunked2.layers.length} layers, ${mib(c.total)}; reused ${mib(c.reused)} = ${(c.share * 100).toFixed(1)} %`,
    `  changed layers: ${changed.map((l) => `${l.name} (${mib(l.size)})`).join(', ')}`,
    `single layer (baseline): ${mib(s.total)}; reused ${mib(s.reused)} = ${(s.share * 100).toFixed(1)} %`,
    `bytes to pull, chunked / single: ${((c.total - c.reused) / (s.total - s.reused)).toFixed(2)}x`,
    `rebuild of v1: manifest ${chunked1.manifestDigest === again.manifestDigest ? 'identical' : 'DIFFERENT'} (${chunked1.manifestDigest})`,
    '',
  ].join('\n'),
);
const manifest = JSON.parse(readFileSync(join(dir, 'v2-chunked', 'index.json'), 'utf8')) as {
  manifests: { digest: string }[];
};
process.stdout.write(`v2 manifest ${manifest.manifests[0]?.digest}\n`);
spawnSync('rm', ['-rf', dir]);
