/**
 * The treefile's changes to an installed tree, in rpm-ostree's order: add-files are copied in,
 * postprocess scripts run inside the tree without network (their output lands in the step log),
 * then the one initramfs is built with dracut. The same code runs after a full bootstrap and
 * after an incremental install (see tree-cache.ts), so both give the same tree.
 */

import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { BuildError, UsageError } from '../core/errors.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { inRoot } from './chroot.ts';
import type { CachedInitramfs } from './tree-cache.ts';

/** Where the install step leaves the package exclusions (apt preferences, priority -1). */
export const EXCLUDE_PREFS = 'etc/apt/preferences.d/particle-os-exclude';

export interface Customized {
  /** The initramfs inside the tree. */
  initramfs: string;
  /** Digest of what went into the initramfs besides the packages (see initramfsRecipe). */
  recipe: string;
  /** True when a cached initramfs with the same recipe was copied instead of running dracut. */
  reused: boolean;
}

/**
 * `reusable`: an initramfs built for the same installed packages, or for a subset whose additions
 * cannot change it (incremental.ts decides); used only when its recipe matches this one.
 */
export async function customizeTree(
  sc: StepContext,
  tf: ResolvedTreefile,
  root: string,
  reusable?: CachedInitramfs,
): Promise<Customized> {
  rmSync(join(root, EXCLUDE_PREFS), { force: true });
  copyAddFiles(tf, root);
  await runPostprocess(sc, tf, root);
  const kver = singleKernel(root);
  const epoch =
    process.env.SOURCE_DATE_EPOCH ||
    String(Math.floor(statSync(join(root, 'boot', `vmlinuz-${kver}`)).mtimeMs / 1000));
  const recipe = initramfsRecipe(tf, root, kver, epoch);
  const initramfs = join(root, `usr/lib/modules/${kver}/initramfs.img`);
  if (reusable?.recipe === recipe) {
    appendFileSync(sc.logFile, `\nparticle-os: initramfs reused from ${reusable.image}\n`);
    copyFileSync(reusable.image, initramfs);
    return { initramfs, recipe, reused: true };
  }
  await buildInitramfs(sc, root, kver, epoch, tf.initramfsArgs);
  return { initramfs, recipe, reused: false };
}

/**
 * Everything besides the installed packages that decides the initramfs: the kernel, dracut's
 * arguments and date, the add-files and postprocess scripts, and dracut's configuration as the
 * tree has it after them.
 */
function initramfsRecipe(tf: ResolvedTreefile, root: string, kver: string, epoch: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ kver, epoch, args: tf.initramfsArgs, post: tf.postprocess }));
  for (const [src, dest] of tf.addFiles) h.update(`${dest}\0`).update(readFileSync(src));
  for (const dir of ['etc/dracut.conf', 'etc/dracut.conf.d', 'usr/lib/dracut/dracut.conf.d']) {
    const top = join(root, dir);
    if (!existsSync(top)) continue;
    const names = statSync(top).isDirectory()
      ? readdirSync(top, { recursive: true, encoding: 'utf8' }).sort()
      : [''];
    for (const name of names) {
      const p = join(top, name);
      const st = lstatSync(p);
      h.update(`${dir}/${name}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isFile()) h.update(readFileSync(p));
    }
  }
  return h.digest('hex');
}

/** Checked before anything is built: a missing add-files source is the treefile's error. */
export function checkAddFiles(tf: ResolvedTreefile): void {
  for (const [src] of tf.addFiles)
    if (!existsSync(src)) throw new UsageError(`${tf.file}: add-files: ${src} does not exist`);
}

function copyAddFiles(tf: ResolvedTreefile, root: string): void {
  for (const [src, dest] of tf.addFiles) {
    const target = join(root, dest);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(src, target);
    chmodSync(target, statSync(src).mode & 0o7777);
  }
}

async function runPostprocess(sc: StepContext, tf: ResolvedTreefile, root: string): Promise<void> {
  for (const [i, script] of tf.postprocess.entries()) {
    const inTree = `/tmp/particle-os-postprocess-${i + 1}.sh`;
    writeFileSync(join(root, inTree), script);
    appendFileSync(sc.logFile, `\nparticle-os: postprocess script ${i + 1}\n`);
    try {
      await inRoot(sc, root, ['/bin/sh', '-e', inTree]);
    } finally {
      rmSync(join(root, inTree), { force: true });
    }
  }
}

/**
 * dracut, generic (not host-only), at the place ostree and bootc expect it. --reproducible with
 * a fixed date (the caller's SOURCE_DATE_EPOCH, else the kernel image's mtime) makes two
 * composes of the same packages produce the same initramfs, so its container layer is reused.
 */
async function buildInitramfs(
  sc: StepContext,
  root: string,
  kver: string,
  epoch: string,
  args: string[],
): Promise<void> {
  const image = `/usr/lib/modules/${kver}/initramfs.img`;
  const r = await inRoot(
    sc,
    root,
    ['dracut', '--force', '--no-hostonly', '--reproducible', ...args, '--kver', kver, image],
    { env: { SOURCE_DATE_EPOCH: epoch } },
  );
  // dracut names every module it includes; 98ostree brings ostree-prepare-root.
  if (!/\*\*\* Including module: ostree \*\*\*/.test(r.stdout + r.stderr))
    throw new BuildError('initramfs lacks the ostree dracut module: is ostree-boot installed?');
}

function singleKernel(root: string): string {
  const modules = join(root, 'usr/lib/modules');
  const kvers = existsSync(modules) ? readdirSync(modules) : [];
  if (kvers.length !== 1)
    throw new BuildError(
      `expected exactly one kernel in /usr/lib/modules, found: ${kvers.join(', ') || 'none'}`,
    );
  return kvers[0] as string;
}
