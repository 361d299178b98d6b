/**
 * The treefile's changes to an installed tree, in rpm-ostree's order: the treefile's locales are
 * generated (locales.ts), add-files are copied in, postprocess scripts run inside the tree
 * without network (their output lands in the step log), then the one initramfs is built with
 * dracut. The same code runs after a full bootstrap and
 * after an incremental install (see tree-cache.ts), so both give the same tree.
 */

import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { sourceDateEpoch } from '../core/epoch.ts';
import { BuildError } from '../core/errors.ts';
import { Tree, walkDir } from '../core/tree.ts';
import { onlyKernel } from '../ostree/kernel.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { anyShebang, parseShebang } from '../treefile/scripts.ts';
import { EXCLUDE_PREFS } from './bootstrap.ts';
import { inRoot } from './chroot.ts';
import { buildClientPackage } from './client-package.ts';
import { dracutArgs } from './initramfs.ts';
import { checkOstreeInitramfs, listInitramfs } from './initramfs-contents.ts';
import { generateLocales } from './locales.ts';
import type { CachedInitramfs } from './tree-cache.ts';

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
  const tree = new Tree(root);
  tree.remove(EXCLUDE_PREFS);
  if (tf.particleOsClient) await installClient(sc, tree);
  // With the packages, before add-files and scripts: a postprocess script finds them there.
  await generateLocales(sc, tf, tree);
  copyAddFiles(tf, tree);
  await runPostprocess(sc, tf, tree);
  const kver = onlyKernel(tree);
  const epoch = String(
    sourceDateEpoch() ?? Math.floor((tree.stat(`boot/vmlinuz-${kver}`)?.mtimeMs ?? 0) / 1000),
  );
  const recipe = initramfsRecipe(tf, tree, kver, epoch);
  const image = `usr/lib/modules/${kver}/initramfs.img`;
  if (reusable?.recipe === recipe) {
    appendFileSync(sc.logFile, `\nparticle-os: initramfs reused from ${reusable.image}\n`);
    const initramfs = tree.copyIn(reusable.image, image);
    return { initramfs, recipe, reused: true };
  }
  await buildInitramfs(sc, tree, kver, epoch, initramfsArgs(tf));
  return { initramfs: tree.path(image), recipe, reused: false };
}

/**
 * Everything besides the installed packages that decides the initramfs: the kernel, dracut's
 * arguments and date, the add-files and postprocess scripts, and dracut's configuration as the
 * tree has it after them.
 */
function initramfsRecipe(tf: ResolvedTreefile, tree: Tree, kver: string, epoch: string): string {
  const h = createHash('sha256');
  // Left out when unset, so the recipes of treefiles without them stay as they were: the
  // postprocess-script, and that a #! line picks the interpreter (it once ran with /bin/sh -e).
  const postScript = tf.postprocessScript;
  const shebang = anyShebang([...tf.postprocess, postScript]) ? true : undefined;
  const args = initramfsArgs(tf);
  h.update(JSON.stringify({ kver, epoch, args, post: tf.postprocess, postScript, shebang }));
  for (const [src, dest] of tf.addFiles) h.update(`${dest}\0`).update(readFileSync(src));
  for (const dir of ['etc/dracut.conf', 'etc/dracut.conf.d', 'usr/lib/dracut/dracut.conf.d']) {
    const st = tree.stat(dir);
    if (!st) continue;
    // Resolved inside the tree; below it nothing is followed (lstat).
    const top = tree.path(dir);
    // Sorted by whole path (the order this hash has always used), not the walk's order.
    const entries = st.isDirectory()
      ? walkDir(top).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      : [{ path: '', stats: st }];
    for (const { path, stats } of entries) {
      const p = join(top, path);
      h.update(`${dir}/${path}\0`);
      if (stats.isSymbolicLink()) h.update(readlinkSync(p));
      else if (stats.isFile()) h.update(readFileSync(p));
    }
  }
  return h.digest('hex');
}

/** dracut's arguments: the profile's, then the treefile's own initramfs-args. */
function initramfsArgs(tf: ResolvedTreefile): string[] {
  return [...dracutArgs(tf.initramfsProfile), ...tf.initramfsArgs];
}

/**
 * add-files sources were checked when the treefile was loaded (inside its context, regular
 * files); destinations are resolved inside the tree.
 */
function copyAddFiles(tf: ResolvedTreefile, tree: Tree): void {
  for (const [src, dest] of tf.addFiles) tree.copyIn(src, dest, statSync(src).mode & 0o7777);
}

/** One postprocess script as it runs: its file in the tree and the command that runs it. */
export interface ScriptRun {
  /** For the step log. */
  label: string;
  /** Where the script is written (mode 0700) for the run, and removed after it. */
  inTree: string;
  text: string;
  argv: string[];
}

/**
 * The postprocess scripts in rpm-ostree's order: the inline ones (postinstall, postprocess),
 * then the postprocess-script file. Like rpm-ostree, which writes each script into the tree
 * with mode 0755 and executes it, a script starting with #! is executed, so the kernel starts
 * the interpreter the line names with its one optional argument (the treefile check made sure
 * the line says what the kernel reads: treefile/scripts.ts). A script without #! runs with
 * `/bin/sh -e` as it always has here (rpm-ostree's execvp also falls back to /bin/sh, without
 * -e). The files go to /tmp, not rpm-ostree's /usr/bin: nothing of them can stay in /usr.
 */
export function postprocessRuns(
  tf: Pick<ResolvedTreefile, 'postprocess'> & Partial<Pick<ResolvedTreefile, 'postprocessScript'>>,
): ScriptRun[] {
  const scripts = tf.postprocess.map((text, i) => ({
    label: `postprocess script ${i + 1}`,
    inTree: `/tmp/particle-os-postprocess-${i + 1}`,
    text,
  }));
  if (tf.postprocessScript !== undefined)
    scripts.push({
      label: 'postprocess-script',
      inTree: '/tmp/particle-os-postprocess-script',
      text: tf.postprocessScript,
    });
  return scripts.map((s) => {
    const sb = parseShebang(s.text);
    return {
      ...s,
      label: sb ? `${s.label} (${sb.line})` : s.label,
      argv: sb ? [s.inTree] : ['/bin/sh', '-e', s.inTree],
    };
  });
}

async function runPostprocess(sc: StepContext, tf: ResolvedTreefile, tree: Tree): Promise<void> {
  for (const run of postprocessRuns(tf)) {
    tree.write(run.inTree, run.text, 0o700);
    appendFileSync(sc.logFile, `\nparticle-os: ${run.label}\n`);
    try {
      await inRoot(sc, tree.root, run.argv);
    } finally {
      tree.remove(run.inTree);
    }
  }
}

/**
 * dracut, generic (not host-only), at the place ostree and bootc expect it. --reproducible with
 * a fixed date (the caller's SOURCE_DATE_EPOCH, else the kernel image's mtime) makes two
 * composes of the same packages produce the same initramfs, so its container layer is reused.
 * Whether OSTree can boot from it is read from the image's own contents (initramfs-contents.ts),
 * not from dracut's progress output.
 */
async function buildInitramfs(
  sc: StepContext,
  tree: Tree,
  kver: string,
  epoch: string,
  args: string[],
): Promise<void> {
  const image = `/usr/lib/modules/${kver}/initramfs.img`;
  await inRoot(
    sc,
    tree.root,
    ['dracut', '--force', '--no-hostonly', '--reproducible', ...args, '--kver', kver, image],
    { env: { SOURCE_DATE_EPOCH: epoch } },
  );
  const found = checkOstreeInitramfs(await listInitramfs(sc, tree.path(image)));
  if (found.prepareRoot && found.prepareRootUnit) return;
  const missing = found.prepareRoot
    ? 'ostree-prepare-root.service'
    : 'usr/lib/ostree/ostree-prepare-root';
  const cause = tree.isFile('usr/lib/ostree/ostree-prepare-root')
    ? "the tree has ostree-boot's files but dracut left its module out (check initramfs-args for --omit, and dracut's output in the log)"
    : 'the tree has no /usr/lib/ostree/ostree-prepare-root: add the package ostree-boot';
  throw new BuildError(`initramfs ${image} lacks ${missing}, which OSTree needs to boot: ${cause}`);
}

/**
 * particle-os-client, built from this repository, installed by dpkg inside the tree (its
 * dependencies came with the package set). Like a package from the archive, before add-files
 * and postprocess scripts.
 */
async function installClient(sc: StepContext, tree: Tree): Promise<void> {
  const deb = await buildClientPackage(sc, dirname(tree.root));
  const inTree = `tmp/${basename(deb)}`;
  tree.copyIn(deb, inTree, 0o644);
  try {
    await inRoot(sc, tree.root, ['dpkg', '--install', `/${inTree}`]);
  } finally {
    tree.remove(inTree);
  }
}
