/**
 * `build --type iso`: an installer ISO (like bootc-image-builder's anaconda-iso, without
 * Anaconda) that boots a small live Debian and installs the bootc image it carries onto a disk
 * of the machine, unattended, then powers off. Steps:
 *  1. compose the live system from the shipped treefile (treefiles/installer/, a plain trixie
 *     with dracut's dmsquash-live, Node and the tools install to-disk runs) into a repo of its
 *     own in the cache; unchanged inputs reuse the last commit;
 *  2. copy the payload (the bootc image, one manifest and its blobs) onto the medium as an OCI
 *     layout, and estimate the disk it needs from it;
 *  3. check the live commit out as a plain root (/usr/etc back to /etc), take its kernel and
 *     initramfs out for GRUB, and add this particle-os CLI (the bundle) with its GRUB and mkfs
 *     cache, so the install needs no network;
 *  4. squash the root (LiveOS/squashfs.img, zstd) and write the hybrid ISO (image/iso.ts).
 * The medium holds particle-os/install.json (medium.ts) and the recipe; the live system's
 * particle-os-installer.service runs `install from-medium` (install-medium.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, extname, join } from 'node:path';
import { composeTree } from '../compose/index.ts';
import {
  type Context,
  type StepContext,
  type StepTiming,
  step,
  stopwatch,
} from '../core/context.ts';
import { sourceDateEpoch } from '../core/epoch.ts';
import { UsageError } from '../core/errors.ts';
import { formatImageRef, type ImageRef } from '../core/image-ref.ts';
import { projectPath, projectRoot } from '../core/project.ts';
import { run } from '../core/run.ts';
import { Tree, walkDir } from '../core/tree.ts';
import { makeWorkDir, publish } from '../core/workdir.ts';
import { fsTools } from '../image/fs-tools.ts';
import { grubModules } from '../image/grub.ts';
import { buildImage } from '../image/index.ts';
import { assembleIso, isoGrubCfg } from '../image/iso.ts';
import { MEDIA } from '../oci/descriptor.ts';
import { openImage } from '../oci/read.ts';
import { blobPath } from '../oci/write.ts';
import { parseTargetImage } from '../ostree/container.ts';
import { isBibConfig } from '../recipe/bib-config.ts';
import type { Recipe } from '../recipe/schema.ts';
import { loadTreefile } from '../treefile/load.ts';
import { MEDIUM_DIR, MEDIUM_FILE, type Medium, PAYLOAD_TAG } from './medium.ts';

/** The live system's treefile, shipped with particle-os. */
export const LIVE_TREEFILE = projectPath('treefiles', 'installer', 'debian-installer.yaml');
/** The volume label dracut finds the medium by. */
export const ISO_LABEL = 'PARTICLE_OS_INSTALL';
/** Where the CLI and its cache go in the live root (the installer unit's --cachedir). */
const CLI_DIR = 'usr/lib/particle-os-cli';

export interface IsoOptions {
  image: ImageRef;
  recipe: Recipe;
  outputDir: string;
  cacheDir: string;
  debCacheDir: string;
  workBase?: string;
  targetImgref?: string;
  /** Kernel arguments of the live system (default: the screen and the first serial line). */
  liveKargs?: string[];
}

export interface IsoResult {
  file: string;
  bytes: number;
  label: string;
  live: { commit: string; version: string; kernel: string; squashfsBytes: number };
  payload: { image: string; manifestDigest: string; bytes: number };
  /** The smallest disk the installer accepts (the build's estimate). */
  minBytes: number;
  steps: StepTiming[];
  seconds: number;
}

/**
 * Screen and serial line (the installer writes to both); systemd's boot status only for errors,
 * so its "job running" spinner does not run through the installer's progress.
 */
const LIVE_KARGS = ['console=tty0', 'console=ttyS0,115200', 'systemd.show_status=error'];

export async function buildInstallerIso(ctx: Context, o: IsoOptions): Promise<IsoResult> {
  const elapsed = stopwatch();
  const steps: StepTiming[] = [];
  const timed = <T>(name: string, fn: (sc: StepContext) => Promise<T>) =>
    step(ctx, name, fn, steps);
  const work = makeWorkDir(ctx, 'particle-os-iso', o.workBase);
  const staging = join(work, 'iso');
  const medium = join(staging, MEDIUM_DIR);
  mkdirSync(medium, { recursive: true });
  const bundle = cliBundle();

  const followed = followedImage(o);
  if (followed === undefined && o.image.transport === 'docker' && !o.recipe.update?.url)
    ctx.reporter.warn(
      `the installed system follows no image: ${o.image.path} is not a name it can pull (HOST/PATH:TAG); pass --target-imgref`,
    );
  // The payload first: a bad image reference fails before the live system is composed.
  const payload = await timed(`copy ${formatImageRef(o.image)} onto the medium`, (sc) =>
    copyPayload(sc, o.image, join(medium, 'image'), work),
  );
  const estimate = await buildImage(ctx, {
    image: { transport: 'oci', path: join(medium, 'image'), tag: PAYLOAD_TAG },
    recipe: o.recipe,
    types: ['raw'],
    outputDir: o.outputDir,
    cacheDir: o.cacheDir,
    workBase: o.workBase,
    targetImgref: followed,
    dryRun: true,
  });
  const live = await composeTree(ctx, loadTreefile(LIVE_TREEFILE), {
    repo: join(o.cacheDir, 'installer', 'repo'),
    debCacheDir: o.debCacheDir,
    cacheRoot: o.cacheDir,
    workBase: o.workBase,
  });
  const root = new Tree(join(work, 'live'));
  const kernel = await timed(`check out the live system ${live.version}`, (sc) =>
    checkoutLive(sc, live.repo, live.commit, root, join(staging, 'boot')),
  );
  // The GRUB modules go into the live system's cache and make the ISO's own boot images.
  const grub = await timed(
    'add the installer (particle-os CLI, GRUB and mkfs tools)',
    async (sc) => {
      // A directory this step creates: nothing of the live tree's own lies below it.
      const cli = root.mkdir(CLI_DIR);
      const modules = await grubModules(sc, o.cacheDir);
      for (const dir of [modules, (await fsTools(sc, o.cacheDir)).dir])
        cpSync(dir, join(cli, 'cache', basename(dir)), { recursive: true, verbatimSymlinks: true });
      for (const f of bundle) cpSync(join(projectRoot(), f), join(cli, f), { recursive: true });
      root.symlink('../lib/particle-os-cli/bib/particle-os', 'usr/bin/particle-os');
      return modules;
    },
  );
  const epoch = sourceDateEpoch();
  const squashfs = join(staging, 'LiveOS', 'squashfs.img');
  await timed('squash the live system (zstd)', async (sc) => {
    mkdirSync(join(staging, 'LiveOS'));
    await run(sc, [
      'mksquashfs',
      root.root,
      squashfs,
      '-comp',
      'zstd',
      '-noappend',
      '-no-progress',
      ...(epoch === undefined ? [] : ['-mkfs-time', String(epoch), '-all-time', String(epoch)]),
    ]);
  });
  const file = join(o.outputDir, `${o.recipe.name}.iso`);
  await timed('write the ISO (BIOS + UEFI, hybrid)', async (sc) => {
    // The loader tells a bootc-image-builder config (.toml, .json) from a recipe by its name.
    const ext = isBibConfig(o.recipe.file) ? extname(o.recipe.file).toLowerCase() : '.yml';
    const recipeName = `recipe${ext}`;
    cpSync(o.recipe.file, join(medium, recipeName));
    const doc: Medium = {
      image: 'image',
      recipe: recipeName,
      minBytes: estimate.disk.minBytes,
      rootfs: o.recipe.disk.rootfs,
      ...(followed ? { targetImgref: followed } : {}),
    };
    writeFileSync(join(medium, MEDIUM_FILE), `${JSON.stringify(doc, null, 2)}\n`);
    const marker = `/${MEDIUM_DIR}/medium-${randomBytes(8).toString('hex')}`;
    writeFileSync(join(staging, marker), '');
    const grubDir = join(staging, 'boot', 'grub');
    mkdirSync(grubDir, { recursive: true });
    writeFileSync(
      join(grubDir, 'grub.cfg'),
      isoGrubCfg({
        label: ISO_LABEL,
        title: `${o.recipe.name} (${payload.version ?? payload.manifestDigest.slice(7, 19)})`,
        kernel: '/boot/vmlinuz',
        initrd: '/boot/initrd.img',
        kargs: o.liveKargs ?? LIVE_KARGS,
        timeoutSeconds: 3,
      }),
    );
    const out = join(work, 'out.iso');
    await assembleIso(sc, {
      staging,
      out,
      label: ISO_LABEL,
      marker,
      grubModules: grub,
      work,
      epoch,
    });
    publish(out, file);
  });
  return {
    file,
    bytes: statSync(file).size,
    label: ISO_LABEL,
    live: {
      commit: live.commit,
      version: live.version,
      kernel,
      squashfsBytes: statSync(squashfs).size,
    },
    payload: {
      image: formatImageRef(o.image),
      manifestDigest: payload.manifestDigest,
      bytes: payload.bytes,
    },
    minBytes: estimate.disk.minBytes,
    steps,
    seconds: elapsed(),
  };
}

/**
 * The image the installed system follows: --target-imgref, else the recipe's update.image, else
 * the registry image the ISO was built from (as bootc-image-builder's ISOs do); an image from
 * a local file or layout has no such name, so the system then follows none (as from `build`),
 * or the recipe's update.url.
 */
export function followedImage(
  o: Pick<IsoOptions, 'targetImgref' | 'recipe' | 'image'>,
): string | undefined {
  return (
    o.targetImgref ??
    o.recipe.update?.image ??
    // A recipe whose update.url names an OSTree remote follows that instead.
    (o.image.transport === 'docker' && !o.recipe.update?.url && pullable(o.image.path)
      ? o.image.path
      : undefined)
  );
}

/** True when the installed system's client can pull `name` (HOST/PATH:TAG). */
function pullable(name: string): boolean {
  try {
    parseTargetImage(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The files of this particle-os the live system runs: the bundle (not the TypeScript sources,
 * so dist/ must be current) and its launcher. Throws UsageError when dist/ is stale.
 */
function cliBundle(): string[] {
  const root = projectRoot();
  const built = join(root, 'dist', '.built');
  if (!existsSync(built))
    throw new UsageError('the CLI bundle is missing: run npm run build before build --type iso');
  const src = join(root, 'src');
  if (existsSync(src)) {
    const builtMs = statSync(built).mtimeMs;
    const newer =
      statSync(join(root, 'package.json')).mtimeMs > builtMs
        ? 'package.json'
        : walkDir(src).find((e) => e.stats.isFile() && e.stats.mtimeMs > builtMs)?.path;
    if (newer)
      throw new UsageError(
        `the CLI bundle is older than ${newer === 'package.json' ? newer : `src/${newer}`}: run npm run build before build --type iso`,
      );
  }
  return ['package.json', 'bib', 'dist'];
}

interface Payload {
  manifestDigest: string;
  version?: string;
  bytes: number;
}

/**
 * The image as an OCI layout holding only it (index → manifest → config and layers), tagged
 * PAYLOAD_TAG. Blobs are hard-linked from the opened layout when they can be, else copied.
 */
async function copyPayload(
  sc: StepContext,
  image: ImageRef,
  dest: string,
  work: string,
): Promise<Payload> {
  const opened = await openImage(sc, image, join(work, 'payload-src'));
  const blobs = join(dest, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const manifestFile = blobPath(opened.layout, opened.manifestDigest);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    config: { digest: string };
    mediaType?: string;
  };
  let bytes = 0;
  for (const digest of [
    opened.manifestDigest,
    manifest.config.digest,
    ...opened.layers.map((l) => l.digest),
  ]) {
    const from = blobPath(opened.layout, digest);
    const to = blobPath(dest, digest);
    if (existsSync(to)) continue;
    try {
      linkSync(from, to);
    } catch {
      cpSync(from, to);
    }
    bytes += statSync(to).size;
  }
  writeFileSync(join(dest, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        mediaType: manifest.mediaType ?? MEDIA.manifest,
        digest: opened.manifestDigest,
        size: statSync(manifestFile).size,
        annotations: { 'org.opencontainers.image.ref.name': PAYLOAD_TAG },
      },
    ],
  };
  writeFileSync(join(dest, 'index.json'), `${JSON.stringify(index)}\n`);
  return {
    manifestDigest: opened.manifestDigest,
    version: opened.labels['org.opencontainers.image.version'],
    bytes,
  };
}

/**
 * `ostree checkout` of the live commit as a plain root: /usr/etc moves back to /etc (there is
 * no deployment to merge it), and the kernel and initramfs move out to `boot` for GRUB (the
 * live system boots them from the ISO, not from its own /usr). Returns the kernel version.
 */
async function checkoutLive(
  sc: StepContext,
  repo: string,
  commit: string,
  root: Tree,
  boot: string,
): Promise<string> {
  // --force-copy: the checkout is changed below; hard links would change the repo's objects.
  await run(sc, ['ostree', 'checkout', `--repo=${repo}`, '--force-copy', commit, root.root]);
  if (root.lstat('etc')) throw new Error(`${commit}: the commit has an /etc besides /usr/etc`);
  root.rename('usr/etc', 'etc');
  const kernels = root
    .readdir('usr/lib/modules')
    .filter((k) => root.isFile(`usr/lib/modules/${k}/vmlinuz`));
  const [kver] = kernels;
  if (kver === undefined || kernels.length !== 1)
    throw new Error(`the live system has ${kernels.length} kernels in /usr/lib/modules, not one`);
  mkdirSync(boot, { recursive: true });
  // Resolved inside the tree (no link followed out of it), then moved out to the ISO's /boot.
  renameSync(root.path(`usr/lib/modules/${kver}/vmlinuz`, false), join(boot, 'vmlinuz'));
  renameSync(root.path(`usr/lib/modules/${kver}/initramfs.img`, false), join(boot, 'initrd.img'));
  return kver;
}
