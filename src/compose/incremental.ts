/**
 * Install the packages a compose adds on top of a cached tree (see tree-cache.ts), with apt and
 * dpkg inside the tree, the way mmdebstrap installed the rest: same apt and dpkg options (its
 * 99mmdebstrap files are still in the tree), services kept from starting by a policy-rc.d, no
 * network. The .debs are fetched on the host through the apt skeleton into the shared cache and
 * checked by apt against the archive's signed lists.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { BuildError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { packageName } from '../treefile/packages.ts';
import { skeletonAptOptions } from './apt-skeleton.ts';
import { inRoot } from './chroot.ts';
import { type LockedPackage, pinnedSpec } from './lockfile.ts';
import { BOOTSTRAP_DPKG_DB } from './ostreeify.ts';
import { installedPackages } from './package-list.ts';

export interface AddPackagesOptions {
  tf: ResolvedTreefile;
  /** The tree (a copy of the cached one). */
  root: string;
  skeleton: string;
  debCacheDir: string;
  /** The packages to install (resolved: exact versions). */
  add: LockedPackage[];
  /** The whole resolved set: the tree must hold exactly these afterwards. */
  resolved: LockedPackage[];
  /**
   * What the treefile asked for (as apt reads it, maybe with =VERSION or /SUITE): these
   * packages are marked manually installed, the rest automatic.
   */
  requested: readonly string[];
}

const POLICY_RC_D = 'usr/sbin/policy-rc.d';

/**
 * Where a package's files can change a generic dracut initramfs whatever modules it picks:
 * dracut itself and its config, kernel modules and firmware, udev, modprobe, systemd, the
 * dynamic linker's config, kernel and initramfs-tools hooks. Deliberately broad.
 */
const INITRAMFS_INPUTS = [
  'usr/lib/dracut/',
  'etc/dracut.conf',
  'usr/lib/modules/',
  'usr/lib/firmware/',
  'usr/lib/udev/',
  'etc/udev/',
  'usr/lib/modprobe.d/',
  'etc/modprobe.d/',
  'usr/lib/modules-load.d/',
  'etc/modules-load.d/',
  'usr/lib/systemd/',
  'etc/systemd/',
  'etc/ld.so.conf',
  'usr/lib/kernel/',
  'etc/kernel/',
  'usr/share/initramfs-tools/',
  'etc/initramfs-tools/',
].flatMap((p) => (p.startsWith('usr/lib/') ? [p, p.slice(4)] : [p])); // and the /lib aliases

export interface AddedPackages {
  /** Why the initramfs must be rebuilt, or undefined when the added packages cannot change it. */
  initramfsChange?: string;
}

export async function addPackages(sc: StepContext, o: AddPackagesOptions): Promise<AddedPackages> {
  if (o.add.length === 0) return {};
  await fetchDebs(sc, o);
  // Paths resolved inside the tree (core/tree.ts); the lists directory is emptied first so
  // that cp never writes through a link a package left there.
  const tree = new Tree(o.root);
  const lists = tree.emptyDir('var/lib/apt/lists');
  const archives = tree.mkdir('var/cache/apt/archives');
  tree.mkdir('var/lib/apt/lists/partial');
  tree.mkdir('var/cache/apt/archives/partial');
  await run(sc, ['cp', '-a', `${join(o.skeleton, 'var/lib/apt/lists')}/.`, `${lists}/`]);
  for (const p of o.add)
    tree.copyIn(join(o.debCacheDir, debName(p)), `var/cache/apt/archives/${debName(p)}`);
  const ownPolicy = !tree.lstat(POLICY_RC_D);
  if (ownPolicy)
    tree.write(
      POLICY_RC_D,
      '#!/bin/sh\n# particle-os compose: no service starts in the build\nexit 101\n',
      0o755,
    );
  let output: string;
  try {
    const r = await inRoot(sc, o.root, [
      'apt-get',
      'install',
      '--yes',
      '--no-download',
      '-oDpkg::Use-Pty=0',
      ...o.add.map(pinnedSpec),
    ]);
    output = r.stdout;
    // Entries may carry =VERSION or /SUITE: the package is the name.
    const requested = new Set(o.requested.map(packageName));
    const auto = o.add.map((p) => p.name).filter((n) => !requested.has(n));
    if (auto.length) await inRoot(sc, o.root, ['apt-mark', 'auto', ...auto]);
  } finally {
    if (ownPolicy) tree.remove(POLICY_RC_D);
    for (const dir of [lists, archives]) emptyFiles(dir);
  }
  await checkInstalled(sc, o);
  return { initramfsChange: await initramfsChange(sc, o, output) };
}

/**
 * Debian's own signal first: packages that affect the initramfs activate the update-initramfs
 * trigger (dh_installinitramfs, kmod, udev, dracut), which dracut's package is interested in.
 * Then the added files themselves, for dracut modules and anything else in INITRAMFS_INPUTS.
 */
async function initramfsChange(
  sc: StepContext,
  o: AddPackagesOptions,
  aptOutput: string,
): Promise<string | undefined> {
  const r = await run(
    sc,
    [
      'dpkg-query',
      `--admindir=${new Tree(o.root).path(BOOTSTRAP_DPKG_DB)}`,
      '--listfiles',
      ...o.add.map((p) => p.name),
    ],
    { quietStdout: true },
  );
  return initramfsChangeReason(aptOutput, r.stdout.split('\n'));
}

/** Why files added (as dpkg lists them) and the install's output mean a new initramfs. */
export function initramfsChangeReason(aptOutput: string, files: string[]): string | undefined {
  if (/^Processing triggers for dracut /m.test(aptOutput))
    return 'the update-initramfs trigger fired';
  const hit = files
    .map((f) => f.replace(/^\//, ''))
    .find((f) => INITRAMFS_INPUTS.some((p) => f.startsWith(p)));
  return hit ? `an added package installs /${hit}` : undefined;
}

/** `apt-get download` the .debs the shared cache lacks, into it, verified against the lists. */
async function fetchDebs(sc: StepContext, o: AddPackagesOptions): Promise<void> {
  mkdirSync(o.debCacheDir, { recursive: true });
  const missing = o.add.filter((p) => !existsSync(join(o.debCacheDir, debName(p))));
  if (missing.length === 0) return;
  await run(
    sc,
    ['apt-get', ...skeletonAptOptions(o.skeleton, o.tf), 'download', ...missing.map(pinnedSpec)],
    { cwd: o.debCacheDir },
  );
}

/** The file name apt gives a package in its archive cache (the epoch's ':' is escaped). */
export function debName(p: Pick<LockedPackage, 'name' | 'version' | 'architecture'>): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.architecture}.deb`;
}

/** The tree must now hold exactly the resolved set, as a fresh bootstrap would. */
async function checkInstalled(sc: StepContext, o: AddPackagesOptions): Promise<void> {
  const have = new Set(await installedPackages(sc, o.root, BOOTSTRAP_DPKG_DB));
  const want = new Set(o.resolved.map((p) => `${p.name} ${p.version} ${p.architecture}`));
  const extra = [...have].filter((p) => !want.has(p));
  const missing = [...want].filter((p) => !have.has(p));
  if (extra.length || missing.length)
    throw new BuildError(
      `incremental install differs from the resolved package set (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'}); rerun with --force-nocache`,
    );
}

/** Remove the files directly in `dir` (apt's lists and .debs), keeping subdirectories. */
function emptyFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir, { withFileTypes: true }))
    if (!f.isDirectory()) rmSync(join(dir, f.name), { force: true });
}
