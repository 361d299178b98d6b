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
import type { ComposeResult } from '../compose/index.ts';
import { type Context, stopwatch } from '../core/context.ts';
import type { BootTestResult } from '../verify/boot-test.ts';
import { guestChecks, upgradeSteps } from '../verify/guest-checks.ts';
import { type PowerCutPoint, type PowerLossOutcome, powerLossMatrix } from './power-loss.ts';
import {
  bootScenario,
  type FixtureOptions,
  overlayDisk,
  prepareUpgradeFixture,
} from './upgrade-fixture.ts';

export interface UpgradeTestOptions extends FixtureOptions {
  /** Also run the power-loss matrix at these cut points. */
  powerLoss?: PowerCutPoint[];
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
    const elapsed = stopwatch();
    const result = await bootScenario(ctx, f, o, disk, p.checks, `upgrade-test-${i + 1}`);
    boots.push({ phase: p.phase, result, seconds: elapsed() });
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
