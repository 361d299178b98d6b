/**
 * `upgrade-test`: prove the system is atomic on a booted VM.
 *  1. compose v1, publish it to an archive repo served over HTTP on 127.0.0.1, build the disk
 *     with that repo as its update remote;
 *  2. compose v2 (the treefile plus one package, a new version) and publish it;
 *  3. boot v1: checks, change /etc, `ostree admin upgrade` from the served repo;
 *  4. boot v2: the new commit, version and package are there, the /etc change survived;
 *     roll back (`ostree admin set-default 1`, ostree's rollback);
 *  5. boot v1 again: the old commit, without the package.
 * With `powerLoss`, then pull the plug in the middle of in-guest upgrades (see power-loss.ts).
 * Every VM disk is a qcow2 overlay on the built image, so the image itself stays pristine.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ComposeResult, composeTree } from '../compose/index.ts';
import { buildContainer } from '../container/index.ts';
import { type Context, step } from '../core/context.ts';
import { run } from '../core/run.ts';
import { makeWorkDir } from '../core/workdir.ts';
import { type BuildPlan, buildImage } from '../image/index.ts';
import type { Recipe } from '../image/recipe.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { type BootTestResult, bootTest } from './boot-test.ts';
import { expectationsFromPlan } from './expectations.ts';
import { type Expectations, type GuestCheck, guestChecks, upgradeSteps } from './guest-checks.ts';
import { GUEST_HOST_ADDRESS, serveDirectory } from './http-serve.ts';
import { type PowerCutPoint, type PowerLossOutcome, powerLossMatrix } from './power-loss.ts';
import { type Accel, chooseAccel, type Firmware } from './qemu.ts';

export interface UpgradeTestOptions {
  treefile: ResolvedTreefile;
  recipe: Recipe;
  outputDir: string;
  cacheDir: string;
  debCacheDir: string;
  firmware: Firmware;
  addPackage: string;
  timeoutSeconds: number;
  workBase?: string;
  /** Also run the power-loss matrix at these cut points. */
  powerLoss?: PowerCutPoint[];
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

export interface UpgradeTestResult {
  v1: { compose: ComposeResult; deployedCommit: string };
  v2: { compose: ComposeResult };
  updateUrl: string;
  boots: { phase: string; result: BootTestResult; seconds: number }[];
  powerLoss?: PowerLossOutcome[];
  seconds: { build: number; v2Compose: number };
  passed: boolean;
}

const ETC_FILE = '/etc/particle-os-upgrade-test';
const ETC_CONTENT = 'changed on v1';

export async function prepareUpgradeFixture(
  ctx: Context,
  o: UpgradeTestOptions,
): Promise<UpgradeFixture> {
  const repo = join(o.outputDir, 'repo');
  const archive = join(o.outputDir, 'archive');
  mkdirSync(archive, { recursive: true });
  const server = await serveDirectory(ctx, archive);
  const updateUrl = `http://${GUEST_HOST_ADDRESS}:${server.port}/`;
  const compose = (tf: ResolvedTreefile) =>
    composeTree(ctx, tf, { repo, cacheDir: o.debCacheDir, publish: archive, workBase: o.workBase });

  const t0 = Date.now();
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
  const build = (Date.now() - t0) / 1000;

  const t1 = Date.now();
  const v2 = await compose({ ...o.treefile, packages: [...o.treefile.packages, o.addPackage] });
  const v2Compose = (Date.now() - t1) / 1000;

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
  o: UpgradeTestOptions,
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

export async function upgradeTest(ctx: Context, o: UpgradeTestOptions): Promise<UpgradeTestResult> {
  const f = await prepareUpgradeFixture(ctx, o);
  const disk = await overlayDisk(ctx, f, 'upgrade');
  const phases = [
    {
      phase: 'boot v1, change /etc, upgrade',
      checks: [
        ...guestChecks(f.v1Expect),
        upgradeSteps.packageInstalled(o.addPackage, false),
        upgradeSteps.networkUp(),
        upgradeSteps.writeEtc(ETC_FILE, ETC_CONTENT),
        upgradeSteps.localUser('localadmin'),
        upgradeSteps.upgrade(),
        upgradeSteps.pendingCommit(f.v2.commit),
      ],
    },
    {
      phase: 'boot v2, check, roll back',
      checks: [
        ...guestChecks({ ...f.v1Expect, commit: f.v2.commit, version: f.v2.version }),
        upgradeSteps.packageInstalled(o.addPackage, true),
        upgradeSteps.etcKept(ETC_FILE, ETC_CONTENT),
        upgradeSteps.imageUsers(),
        upgradeSteps.rollback(),
        upgradeSteps.pendingCommit(f.plan.deployment.commit),
      ],
    },
    {
      phase: 'boot v1 again after rollback',
      checks: [...guestChecks(f.v1Expect), upgradeSteps.packageInstalled(o.addPackage, false)],
    },
  ];
  const boots: UpgradeTestResult['boots'] = [];
  for (const [i, p] of phases.entries()) {
    const t = Date.now();
    const result = await bootScenario(ctx, f, o, disk, p.checks, `upgrade-test-${i + 1}`);
    boots.push({ phase: p.phase, result, seconds: (Date.now() - t) / 1000 });
    if (!result.passed) break;
  }
  const upgradeOk = boots.length === phases.length && boots.every((b) => b.result.passed);
  const powerLoss = o.powerLoss?.length ? await powerLossMatrix(ctx, f, o, o.powerLoss) : undefined;
  return {
    v1: { compose: f.v1, deployedCommit: f.plan.deployment.commit },
    v2: { compose: f.v2 },
    updateUrl: f.updateUrl,
    boots,
    powerLoss,
    seconds: f.seconds,
    passed: upgradeOk && (powerLoss ?? []).every((p) => p.passed),
  };
}
