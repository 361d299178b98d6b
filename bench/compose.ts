/**
 * bench/compose: `compose tree` against the raw-tool floor, in one run.
 *
 *   npx tsx bench/compose.ts [TREEFILE]
 *
 * The floor is what a person would type: mmdebstrap of the same package set (with dracut in
 * it, the kernel's postinst builds the initramfs; /dev emptied, as ostree takes no device
 * nodes) and `ostree commit` of the result into a bare repo. Both run cold (empty .deb cache)
 * and warm (cache filled; ours with --force-nocache, so from scratch). Then ours: no-change
 * rerun, one added package (`tree`: incremental, initramfs reused) and one more that ships a
 * systemd unit (`cron`: incremental, initramfs rebuilt). Prints seconds and ratios. Needs root;
 * ~12 minutes for the minimal treefile.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageSet } from '../src/compose/base-packages.ts';
import { loadTreefile } from '../src/treefile/load.ts';

function timed(argv: string[], env: Record<string, string> = {}): { s: number; out: string } {
  const t = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return { s: Math.round(performance.now() - t) / 1000, out: r.stdout };
}

const treefile = resolve(process.argv[2] ?? 'treefiles/debian-minimal.yaml');
const tf = loadTreefile(treefile);
const dir = mkdtempSync(join(tmpdir(), 'bench-compose-'));
const ours = (cache: string, repo: string, file = treefile, extra: string[] = []) =>
  timed([
    './bib/particle-os',
    'compose',
    'tree',
    file,
    '--repo',
    repo,
    '--cachedir',
    cache,
    ...extra,
  ]);

/** The floor: mmdebstrap + ostree commit, nothing else. */
function floor(cache: string, name: string): number {
  const root = join(dir, `${name}-root`);
  const repo = join(dir, `${name}-repo`);
  mkdirSync(join(cache, 'debs'), { recursive: true });
  const a = timed([
    'mmdebstrap',
    '--mode=root',
    '--variant=minbase',
    `--include=${packageSet(tf, tf.packages).join(',')}`,
    '--aptopt=Acquire::Check-Valid-Until "false"',
    '--skip=download/empty',
    '--setup-hook=mkdir -p "$1/var/cache/apt/archives"',
    `--setup-hook=sync-in ${join(cache, 'debs')} /var/cache/apt/archives`,
    `--customize-hook=sync-out /var/cache/apt/archives ${join(cache, 'debs')}`,
    tf.suite,
    root,
  ]);
  // ostree commits no device nodes; mmdebstrap (root mode) leaves them in /dev.
  const dev = timed(['find', join(root, 'dev'), '-mindepth', '1', '-delete']);
  const b = timed(['ostree', 'init', `--repo=${repo}`, '--mode=bare']);
  const c = timed(['ostree', 'commit', `--repo=${repo}`, '--branch=floor', `--tree=dir=${root}`]);
  spawnSync('rm', ['-rf', '--one-file-system', root, repo]);
  return a.s + dev.s + b.s + c.s;
}

const coldCache = join(dir, 'cache-ours');
const floorCache = join(dir, 'cache-floor');
const r = {
  floorCold: floor(floorCache, 'floor-cold'),
  oursCold: ours(coldCache, join(dir, 'repo')).s,
  floorWarm: floor(floorCache, 'floor-warm'),
  oursWarm: ours(coldCache, join(dir, 'repo'), treefile, ['--force-nocache']).s,
  noChange: ours(coldCache, join(dir, 'repo')).s,
  addPackage: 0,
  addService: 0,
};
// Incremental: `tree` changes nothing dracut reads (the cached initramfs is reused); `cron` ships
// a systemd unit, so the initramfs is rebuilt.
const v2 = join(dir, 'v2.yaml');
writeFileSync(v2, `include: ${treefile}\npackages: [tree]\n`);
r.addPackage = ours(coldCache, join(dir, 'repo'), v2).s;
const v3 = join(dir, 'v3.yaml');
writeFileSync(v3, `include: ${v2}\npackages: [cron]\n`);
r.addService = ours(coldCache, join(dir, 'repo'), v3).s;
spawnSync('rm', ['-rf', '--one-file-system', dir]);

const row = (name: string, s: number, vs?: number, label = '') =>
  `${name.padEnd(22)}${s.toFixed(1).padStart(8)} s${vs ? `  ${(s / vs).toFixed(2)}x ${label}` : ''}`;
process.stdout.write(
  [
    `bench/compose: ${treefile} (${tf.suite})`,
    row('floor, cold', r.floorCold),
    row('ours, cold', r.oursCold, r.floorCold, 'of the floor (target ≤ 1.15)'),
    row('floor, warm cache', r.floorWarm),
    row('ours, warm cache', r.oursWarm, r.floorWarm, 'of the floor'),
    row('ours, +1 package', r.addPackage, r.oursCold, 'of cold (target ≤ 0.4)'),
    row('ours, +1 with a unit', r.addService, r.oursCold, 'of cold (initramfs rebuilt)'),
    row('ours, no change', r.noChange, undefined),
    '',
  ].join('\n'),
);
