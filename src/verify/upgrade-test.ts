/**
 * `upgrade-test`: prove the system is atomic on a booted VM.
 *  1. compose v1, publish it to an archive repo served over HTTP on 127.0.0.1, build the disk
 *     with that repo as its update remote;
 *  2. compose v2 (the treefile plus one package, a new version) and publish it;
 *  3. boot v1: checks, change /etc, `ostree admin upgrade` from the served repo;
 *  4. boot v2: the new commit, version and package are there, the /etc change survived;
 *     roll back (`ostree admin set-default 1`);
 *  5. boot v1 again: the old commit, without the package.
 * The disk is a qcow2 overlay on the built image, so the image itself stays pristine.
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
import { guestChecks, upgradeSteps } from './guest-checks.ts';
import { GUEST_HOST_ADDRESS, serveDirectory } from './http-serve.ts';
import { chooseAccel, type Firmware } from './qemu.ts';

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
}

export interface UpgradeTestResult {
  v1: { compose: ComposeResult; deployedCommit: string };
  v2: { compose: ComposeResult };
  updateUrl: string;
  boots: { phase: string; result: BootTestResult }[];
  seconds: { build: number; v2Compose: number; boots: number[] };
  passed: boolean;
}

const ETC_FILE = '/etc/particle-os-upgrade-test';
const ETC_CONTENT = 'changed on v1';

export async function upgradeTest(ctx: Context, o: UpgradeTestOptions): Promise<UpgradeTestResult> {
  const repo = join(o.outputDir, 'repo');
  const archive = join(o.outputDir, 'archive');
  mkdirSync(archive, { recursive: true });
  const server = await serveDirectory(ctx, archive);
  const updateUrl = `http://${GUEST_HOST_ADDRESS}:${server.port}/`;
  const t0 = Date.now();

  const v1 = await composeTree(ctx, o.treefile, {
    repo,
    cacheDir: o.debCacheDir,
    publish: archive,
    workBase: o.workBase,
  });
  const ociArchive = join(o.outputDir, `${o.recipe.name}-v1.ociarchive`);
  await buildContainer(ctx, {
    repo,
    ref: v1.ref,
    output: { transport: 'oci-archive', path: ociArchive },
    workBase: o.workBase,
  });
  const plan: BuildPlan = await buildImage(ctx, {
    image: { transport: 'oci-archive', path: ociArchive },
    recipe: o.recipe,
    types: ['qcow2'],
    outputDir: o.outputDir,
    cacheDir: o.cacheDir,
    workBase: o.workBase,
    updateUrl,
  });
  const buildSeconds = (Date.now() - t0) / 1000;

  const t1 = Date.now();
  const v2tf: ResolvedTreefile = {
    ...o.treefile,
    packages: [...o.treefile.packages, o.addPackage],
  };
  const v2 = await composeTree(ctx, v2tf, {
    repo,
    cacheDir: o.debCacheDir,
    publish: archive,
    workBase: o.workBase,
  });
  const v2Seconds = (Date.now() - t1) / 1000;

  const work = makeWorkDir(ctx, 'particle-os-upgrade-test', o.workBase);
  const disk = join(work, 'disk.qcow2');
  const image = plan.outputs[0]?.file ?? '';
  const accel = await step(
    ctx,
    'prepare the VM disk (qcow2 overlay) and accelerator',
    async (sc) => {
      await run(sc, ['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', image, '-F', 'qcow2', disk]);
      return chooseAccel(sc, image, o.firmware, work);
    },
  );

  const v1Expect = expectationsFromPlan(plan);
  const phases = [
    {
      phase: 'boot v1, change /etc, upgrade',
      checks: [
        ...guestChecks(v1Expect),
        upgradeSteps.packageInstalled(o.addPackage, false),
        upgradeSteps.networkUp(),
        upgradeSteps.writeEtc(ETC_FILE, ETC_CONTENT),
        upgradeSteps.upgrade(),
        upgradeSteps.pendingCommit(v2.commit),
      ],
    },
    {
      phase: 'boot v2, check, roll back',
      checks: [
        ...guestChecks({ ...v1Expect, commit: v2.commit, version: v2.version }),
        upgradeSteps.packageInstalled(o.addPackage, true),
        upgradeSteps.etcKept(ETC_FILE, ETC_CONTENT),
        upgradeSteps.rollback(),
        upgradeSteps.pendingCommit(plan.deployment.commit),
      ],
    },
    {
      phase: 'boot v1 again after rollback',
      checks: [...guestChecks(v1Expect), upgradeSteps.packageInstalled(o.addPackage, false)],
    },
  ];
  const boots: UpgradeTestResult['boots'] = [];
  const bootSeconds: number[] = [];
  for (const p of phases) {
    const t = Date.now();
    const result = await bootTest(ctx, {
      disk,
      firmware: o.firmware,
      timeoutSeconds: o.timeoutSeconds,
      checks: p.checks,
      persistent: true,
      network: true,
      accel,
      serialLog: join(o.outputDir, `upgrade-test-${boots.length + 1}.serial.log`),
    });
    bootSeconds.push((Date.now() - t) / 1000);
    boots.push({ phase: p.phase, result });
    if (!result.passed) break;
  }
  return {
    v1: { compose: v1, deployedCommit: plan.deployment.commit },
    v2: { compose: v2 },
    updateUrl,
    boots,
    seconds: { build: buildSeconds, v2Compose: v2Seconds, boots: bootSeconds },
    passed: boots.length === phases.length && boots.every((b) => b.result.passed),
  };
}
