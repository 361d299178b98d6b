/**
 * bench/image: `particle-os build` against the raw-tool floor, in one run on one input.
 *
 *   npx tsx bench/image.ts [oci-archive:FILE] [--rootfs ext4|xfs|btrfs]
 *
 * Default input: build/debian-minimal.ociarchive (what the quick start leaves behind).
 * "Ours" is `particle-os build --type raw,qcow2,vmdk,vdi` with the step times it records in
 * the plan. The floor is the same work done by hand with the raw tools and nothing else: tar
 * the layers out, ostree commit + admin deploy, sfdisk + mkfs at offsets, qemu-img convert.
 * The floor writes no bootloader (GRUB's bytes take milliseconds) and does no customization,
 * so it is a lower bound. Prints seconds per phase and ours/floor ratios. Needs root.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BuildPlan } from '../src/image/index.ts';

const FORMATS = ['qcow2', 'vmdk', 'vdi'] as const;
const MiB = 2 ** 20;
const ROUNDS = 2;

function sh(argv: string[], input?: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    encoding: 'utf8',
    input,
    maxBuffer: 64 * MiB,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (r.status !== 0)
    throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return Math.round(performance.now() - t) / 1000;
}

/** The floor: the same disk from the same image with only the raw tools. */
function floor(archive: string, dir: string): Record<string, number> {
  const layout = join(dir, 'layout');
  const rootfs = join(dir, 'rootfs');
  const sysroot = join(dir, 'sysroot');
  const boot = join(dir, 'boot');
  const disk = join(dir, 'floor.raw');
  const t: Record<string, number> = {};
  t.unpack = time(() => {
    mkdirSync(layout, { recursive: true });
    mkdirSync(rootfs, { recursive: true });
    sh(['tar', '-xf', archive, '-C', layout]);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(blob(layout, index.manifests[0].digest), 'utf8'));
    for (const l of manifest.layers) {
      sh([
        'tar',
        '-x',
        '-I',
        'pigz',
        '--xattrs',
        '--xattrs-include=*',
        '--numeric-owner',
        '-f',
        blob(layout, l.digest),
        '-C',
        rootfs,
      ]);
    }
  });
  t.deploy = time(() => {
    renameSync(join(rootfs, 'etc'), join(rootfs, 'usr/etc'));
    mkdirSync(sysroot);
    const repo = join(sysroot, 'ostree/repo');
    sh(['ostree', 'admin', 'init-fs', '--modern', sysroot]);
    sh(['ostree', 'admin', 'os-init', 'debian', `--sysroot=${sysroot}`]);
    sh(['ostree', 'config', `--repo=${repo}`, 'set', 'sysroot.bootloader', 'none']);
    sh([
      'ostree',
      'commit',
      `--repo=${repo}`,
      '--branch=bench',
      `--tree=dir=${rootfs}`,
      '--consume',
      '--bootable',
    ]);
    sh(['ostree', 'admin', 'deploy', `--sysroot=${sysroot}`, '--os=debian', 'bench']);
  });
  t.assemble = time(() => {
    mkdirSync(boot);
    for (const f of readdirSync(join(sysroot, 'boot')))
      renameSync(join(sysroot, 'boot', f), join(boot, f));
    const used = Number(sh(['du', '-s', '--block-size=1', sysroot]).split('\t')[0]);
    const rootMiB = Math.ceil((used * 2) / MiB);
    sh(['truncate', `--size=${(2 + 128 + 1024 + rootMiB + 1) * MiB}`, disk]);
    sh(
      ['sfdisk', '--quiet', disk],
      [
        'label: gpt',
        'unit: sectors',
        'first-lba: 2048',
        'start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649',
        'start=4096, size=262144, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
        'start=266240, size=2097152',
        `start=2363392, size=${rootMiB * 2048}`,
        '',
      ].join('\n'),
    );
    const esp = join(dir, 'esp.img');
    sh(['mkfs.vfat', '-C', '-F', '32', esp, String(128 * 1024)]);
    sh([
      'dd',
      `if=${esp}`,
      `of=${disk}`,
      'bs=1M',
      `seek=${4096 * 512}`,
      'oflag=seek_bytes',
      'conv=notrunc,sparse',
      'status=none',
    ]);
    sh([
      'mkfs.ext4',
      '-q',
      '-F',
      '-d',
      boot,
      '-E',
      `offset=${266240 * 512}`,
      disk,
      `${1024 * 1024}k`,
    ]);
    sh([
      'mkfs.ext4',
      '-q',
      '-F',
      '-d',
      sysroot,
      '-E',
      `offset=${2363392 * 512}`,
      disk,
      `${rootMiB * 1024}k`,
    ]);
  });
  for (const f of FORMATS) {
    t[f] = time(() => sh(['qemu-img', 'convert', '-O', f, disk, join(dir, `floor.${f}`)]));
  }
  // Ours removes its scratch tree before it exits; so does the floor.
  t.other = time(() => {
    spawnSync('chattr', ['-R', '-f', '-i', sysroot]); // exits 1 on symlinks: ignore
    sh(['rm', '-rf', layout, rootfs, sysroot, boot, join(dir, 'esp.img')]);
  });
  return t;
}

/** Per phase, the fastest of the runs. */
function best(runs: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runs)
    for (const [k, v] of Object.entries(r))
      out[k] = Math.min(out[k] ?? Number.POSITIVE_INFINITY, v);
  return out;
}

function blob(layout: string, digest: string): string {
  return join(layout, 'blobs', ...digest.split(':'));
}

function ours(image: string, dir: string, rootfs: string): Record<string, number> {
  let plan: BuildPlan | undefined;
  const total = time(() => {
    const out = sh([
      './bib/particle-os',
      'build',
      '--base-image',
      image,
      '--type',
      `raw,${FORMATS.join(',')}`,
      '--rootfs',
      rootfs,
      '--output',
      join(dir, 'out'),
      '--workdir',
      dir,
      '--json',
      'recipes/minimal.yml',
    ]);
    plan = JSON.parse(out) as BuildPlan;
  });
  if (!plan?.steps) throw new Error('the plan has no step timings');
  const stepTime = (prefix: string) =>
    plan?.steps?.filter((s) => s.name.startsWith(prefix)).reduce((n, s) => n + s.seconds, 0) ?? 0;
  const t: Record<string, number> = {
    unpack: stepTime('read') + stepTime('prepare'),
    deploy: stepTime('deploy'),
    bootloader: stepTime('install GRUB'),
    assemble: stepTime('assemble'),
    total,
  };
  for (const o of plan.outputs) if (o.type !== 'raw') t[o.type] = o.seconds ?? 0;
  // Start-up, customization outside the steps, the raw copy, removing the work dir.
  const phases = Object.entries(t).filter(([k]) => k !== 'total');
  t.other = total - phases.reduce((n, [, v]) => n + v, 0);
  return t;
}

const args = process.argv.slice(2);
const rootfsFlag = args.indexOf('--rootfs');
const rootfs = rootfsFlag >= 0 ? (args[rootfsFlag + 1] ?? 'ext4') : 'ext4';
const input =
  args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--rootfs') ??
  'oci-archive:build/debian-minimal.ociarchive';
if (!input.startsWith('oci-archive:')) throw new Error('bench/image takes an oci-archive: input');
const archive = resolve(input.slice('oci-archive:'.length));
const base = mkdtempSync(join(tmpdir(), 'bench-image-'));
try {
  // A warm-up build fills the bootloader/mkfs caches so no measured run fetches anything; then
  // ours and the floor alternate (page cache and disk state even out) and the best run counts.
  const run = (name: string, i: number, fn: (dir: string) => Record<string, number>) => {
    const dir = join(base, `${name}-${i}`);
    mkdirSync(dir);
    try {
      return fn(dir);
    } finally {
      spawnSync('chattr', ['-R', '-f', '-i', dir]);
      spawnSync('rm', ['-rf', '--one-file-system', dir]);
    }
  };
  run('warm', 0, (d) => ours(`oci-archive:${archive}`, d, rootfs));
  const oursRuns: Record<string, number>[] = [];
  const floorRuns: Record<string, number>[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    oursRuns.push(run('ours', i, (d) => ours(`oci-archive:${archive}`, d, rootfs)));
    floorRuns.push(run('floor', i, (d) => floor(archive, d)));
  }
  for (const f of floorRuns) f.total = Object.values(f).reduce((a, b) => a + b, 0);
  const o = best(oursRuns);
  const f = best(floorRuns);
  process.stdout.write(
    `bench/image: ${archive} (root ${rootfs}; floor: ext4, no bootloader; best of ${ROUNDS})\n`,
  );
  process.stdout.write(
    `${'phase'.padEnd(12)}${'ours s'.padStart(9)}${'floor s'.padStart(9)}  ratio\n`,
  );
  for (const k of ['unpack', 'deploy', 'bootloader', 'assemble', ...FORMATS, 'other', 'total']) {
    const a = o[k] ?? 0;
    const b = f[k];
    const ratio = b ? `${(a / b).toFixed(2)}x` : '-';
    process.stdout.write(
      `${k.padEnd(12)}${a.toFixed(1).padStart(9)}${(b ?? 0).toFixed(1).padStart(9)}  ${ratio}\n`,
    );
  }
} finally {
  // ostree marks deployments immutable; lift that before removing the scratch tree.
  spawnSync('chattr', ['-R', '-f', '-i', base]);
  spawnSync('rm', ['-rf', '--one-file-system', base]);
}
