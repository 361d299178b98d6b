/**
 * What every upgrade scenario starts from (upgrade-test.ts, power-loss.ts), by the way the
 * installed system gets its updates:
 *  - `ostree`: v1 composed, published to an archive repo served on 127.0.0.1 and built into a
 *    disk that upgrades from it (`ostree admin upgrade`); v2 composed and published;
 *  - `registry`: v1 composed, its bootc image pushed to a registry on 127.0.0.1 and built into a
 *    disk that follows that image (`particle-os upgrade`); v2's image pushed to the same tag.
 * And a way to boot a fresh overlay of the disk with checks.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type ComposeResult, composeTree } from '../compose/index.ts';
import { buildContainer } from '../container/index.ts';
import { type Context, step, stopwatch } from '../core/context.ts';
import { run } from '../core/run.ts';
import { makeWorkDir } from '../core/workdir.ts';
import { type BuildPlan, buildImage } from '../image/index.ts';
import type { Recipe } from '../recipe/schema.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { type BootTestResult, bootTest } from '../verify/boot-test.ts';
import { expectationsFromPlan } from '../verify/expectations.ts';
import type { Expectations, GuestCheck } from '../verify/guest-checks.ts';
import { GUEST_HOST_ADDRESS, serveDirectory } from '../verify/http-serve.ts';
import { serveRegistry } from '../verify/registry.ts';
import { type Accel, chooseAccel, type Firmware } from '../vm/qemu.ts';

/** What building v1 and v2 and booting them needs. */
export interface FixtureOptions {
  treefile: ResolvedTreefile;
  recipe: Recipe;
  outputDir: string;
  cacheDir: string;
  debCacheDir: string;
  firmware: Firmware;
  addPackage: string;
  timeoutSeconds: number;
  workBase?: string;
  /** Where the installed system updates from (default: ostree). */
  via?: UpdateVia;
}

export type UpdateVia = 'ostree' | 'registry';

/** The image a registry-following system tracks, as the guest names it, and v2's digest. */
export interface RegistryUpdates {
  image: string;
  v1Digest: string;
  v2Digest: string;
}

/** v1 built and bootable, v2 composed and served: what every upgrade scenario starts from. */
export interface UpgradeFixture {
  plan: BuildPlan;
  v1: ComposeResult;
  v2: ComposeResult;
  /** The archive repo URL (via ostree) or the image reference (via registry), as the guest sees it. */
  updateUrl: string;
  registry?: RegistryUpdates;
  image: string;
  accel: Accel;
  v1Expect: Expectations;
  work: string;
  /** Via registry: a raw ext4 disk holding v2's archive (attached as /dev/vdb, a USB stick). */
  usbStick?: { disk: string; archive: string };
  seconds: { build: number; v2Compose: number };
}

export async function prepareUpgradeFixture(
  ctx: Context,
  o: FixtureOptions,
): Promise<UpgradeFixture> {
  const repo = join(o.outputDir, 'repo');
  // Via ostree: an archive repo served over HTTP; via registry: a registry, nothing published.
  const registry =
    o.via === 'registry' ? await serveRegistry(ctx, join(o.outputDir, 'registry')) : undefined;
  const archive = registry ? undefined : join(o.outputDir, 'archive');
  let updateUrl = '';
  if (archive) {
    mkdirSync(archive, { recursive: true });
    const server = await serveDirectory(ctx, archive);
    updateUrl = `http://${GUEST_HOST_ADDRESS}:${server.port}/`;
  }
  const compose = (tf: ResolvedTreefile) =>
    composeTree(ctx, tf, {
      repo,
      debCacheDir: o.debCacheDir,
      publish: archive,
      workBase: o.workBase,
    });

  const imagePath = `particle-os/${o.recipe.name}:latest`;
  const guestImage = registry ? `${GUEST_HOST_ADDRESS}:${registry.port}/${imagePath}` : '';
  /** The bootc image of a compose, as an archive; pushed to the registry when there is one. */
  const containerImage = async (c: ComposeResult, name: string) => {
    const path = join(o.outputDir, `${o.recipe.name}-${name}.ociarchive`);
    const built = await buildContainer(ctx, {
      repo,
      ref: c.ref,
      output: { transport: 'oci-archive', path },
      workBase: o.workBase,
    });
    if (registry)
      await step(ctx, `push ${name} to ${registry.host}/${imagePath}`, (sc) =>
        run(sc, [
          'skopeo',
          'copy',
          '--dest-tls-verify=false',
          `oci-archive:${path}`,
          `docker://${registry.host}/${imagePath}`,
        ]),
      );
    return { path, digest: built.manifestDigest };
  };

  const buildTime = stopwatch();
  const v1 = await compose(o.treefile);
  const v1Image = await containerImage(v1, 'v1');
  const plan = await buildImage(ctx, {
    image: { transport: 'oci-archive', path: v1Image.path },
    recipe: registry ? trustRegistry(o.recipe, `${GUEST_HOST_ADDRESS}:${registry.port}`) : o.recipe,
    types: ['qcow2'],
    outputDir: o.outputDir,
    cacheDir: o.cacheDir,
    workBase: o.workBase,
    ...(registry ? { targetImgref: guestImage } : { updateUrl }),
  });
  const build = buildTime();

  const v2Time = stopwatch();
  const v2 = await compose({ ...o.treefile, packages: [...o.treefile.packages, o.addPackage] });
  const v2Image = registry ? await containerImage(v2, 'v2') : undefined;
  const v2Compose = v2Time();

  const work = makeWorkDir(ctx, 'particle-os-upgrade-test', o.workBase);
  const usbStick = v2Image && (await usbStickWith(ctx, work, v2Image.path));
  const image = plan.outputs[0]?.file ?? '';
  const accel = await step(ctx, 'choose accelerator (KVM probe)', (sc) =>
    chooseAccel(sc, image, o.firmware, work),
  );
  return {
    plan,
    v1,
    v2,
    updateUrl: registry ? guestImage : updateUrl,
    registry: v2Image && { image: guestImage, v1Digest: v1Image.digest, v2Digest: v2Image.digest },
    image,
    accel,
    v1Expect: expectationsFromPlan(plan),
    work,
    usbStick,
    seconds: { build, v2Compose },
  };
}

/**
 * The recipe plus a registries.conf.d entry that lets the guest pull from the test registry
 * over plain HTTP (containers-registries.conf(5) `insecure`, which the client reads).
 */
function trustRegistry(recipe: Recipe, host: string): Recipe {
  return {
    ...recipe,
    files: [
      ...recipe.files,
      {
        path: '/etc/containers/registries.conf.d/50-particle-os-upgrade-test.conf',
        content: `[[registry]]\nlocation = "${host}"\ninsecure = true\n`,
        mode: '0644',
      },
    ],
  };
}

/** A raw ext4 image (mkfs -d, no loop device) holding `archive`, for `switch` from a stick. */
async function usbStickWith(
  ctx: Context,
  work: string,
  archive: string,
): Promise<{ disk: string; archive: string }> {
  const dir = join(work, 'usb');
  mkdirSync(dir, { recursive: true });
  const name = basename(archive);
  copyFileSync(archive, join(dir, name));
  const disk = join(work, 'usb.img');
  const mib = Math.ceil(statSync(archive).size / 2 ** 20) + 64;
  await step(ctx, `make a ${mib} MiB "USB stick" with ${name}`, (sc) =>
    run(sc, ['mkfs.ext4', '-q', '-L', 'PARTICLE-USB', '-d', dir, disk, `${mib}M`]),
  );
  return { disk, archive: name };
}

/** A fresh writable disk for one scenario: a qcow2 overlay backed by the built image. */
export async function overlayDisk(ctx: Context, f: UpgradeFixture, name: string): Promise<string> {
  const disk = join(f.work, `${name}.qcow2`);
  await step(ctx, `create VM disk ${name} (qcow2 overlay)`, (sc) =>
    run(sc, ['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', f.image, '-F', 'qcow2', disk]),
  );
  return disk;
}

/** Boot a writable disk with networking and run `checks` in the guest. */
export function bootScenario(
  ctx: Context,
  f: UpgradeFixture,
  o: FixtureOptions,
  disk: string,
  checks: GuestCheck[],
  serialName: string,
  powerCut?: { pattern: RegExp; delayMs: number },
): Promise<BootTestResult> {
  return bootTest(ctx, {
    disk,
    firmware: o.firmware,
    timeoutSeconds: o.timeoutSeconds,
    checks,
    persistent: true,
    network: true,
    accel: f.accel,
    powerCut,
    extraDisks: f.usbStick ? [f.usbStick.disk] : undefined,
    serialLog: join(o.outputDir, `${serialName}.serial.log`),
  });
}
