/**
 * What every upgrade scenario starts from (upgrade-test.ts, power-loss.ts): v1 composed,
 * published to an archive repo served on 127.0.0.1 and built into a disk that upgrades from it;
 * v2 composed and published; a way to boot a fresh overlay of the disk with checks.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
import { type Accel, chooseAccel, type Firmware } from '../verify/qemu.ts';

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
}

/** v1 built and bootable, v2 composed and served: what every upgrade scenario starts from. */
export interface UpgradeFixture {
  plan: BuildPlan;
  v1: ComposeResult;
  v2: ComposeResult;
  updateUrl: string;
  image: string;
  accel: Accel;
  v1Expect: Expectations;
  work: string;
  seconds: { build: number; v2Compose: number };
}

export async function prepareUpgradeFixture(
  ctx: Context,
  o: FixtureOptions,
): Promise<UpgradeFixture> {
  const repo = join(o.outputDir, 'repo');
  const archive = join(o.outputDir, 'archive');
  mkdirSync(archive, { recursive: true });
  const server = await serveDirectory(ctx, archive);
  const updateUrl = `http://${GUEST_HOST_ADDRESS}:${server.port}/`;
  const compose = (tf: ResolvedTreefile) =>
    composeTree(ctx, tf, {
      repo,
      debCacheDir: o.debCacheDir,
      publish: archive,
      workBase: o.workBase,
    });

  const buildTime = stopwatch();
  const v1 = await compose(o.treefile);
  const ociArchive = join(o.outputDir, `${o.recipe.name}-v1.ociarchive`);
  await buildContainer(ctx, {
    repo,
    ref: v1.ref,
    output: { transport: 'oci-archive', path: ociArchive },
    workBase: o.workBase,
  });
  const plan = await buildImage(ctx, {
    image: { transport: 'oci-archive', path: ociArchive },
    recipe: o.recipe,
    types: ['qcow2'],
    outputDir: o.outputDir,
    cacheDir: o.cacheDir,
    workBase: o.workBase,
    updateUrl,
  });
  const build = buildTime();

  const v2Time = stopwatch();
  const v2 = await compose({ ...o.treefile, packages: [...o.treefile.packages, o.addPackage] });
  const v2Compose = v2Time();

  const work = makeWorkDir(ctx, 'particle-os-upgrade-test', o.workBase);
  const image = plan.outputs[0]?.file ?? '';
  const accel = await step(ctx, 'choose accelerator (KVM probe)', (sc) =>
    chooseAccel(sc, image, o.firmware, work),
  );
  return {
    plan,
    v1,
    v2,
    updateUrl,
    image,
    accel,
    v1Expect: expectationsFromPlan(plan),
    work,
    seconds: { build, v2Compose },
  };
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
    serialLog: join(o.outputDir, `${serialName}.serial.log`),
  });
}
