/**
 * `upgrade-test`: prove the system is atomic on a booted VM.
 *  1. compose v1, publish it to an archive repo served over HTTP on 127.0.0.1 (via ostree) or
 *     push its bootc image to a registry on 127.0.0.1 (via registry), build the disk that
 *     updates from there;
 *  2. compose v2 (the treefile plus one package, a new version) and publish or push it;
 *  3. boot v1: checks, change /etc, `ostree admin upgrade` (via ostree) or `particle-os
 *     upgrade --check` and `particle-os upgrade` (via registry);
 *  4. boot v2: the new commit or image, version and package are there, the /etc change
 *     survived; roll back (`ostree admin set-default 1`, or `particle-os rollback`);
 *  5. boot v1 again: the old commit, without the package.
 * With `powerLoss`, then pull the plug in the middle of in-guest upgrades (see power-loss.ts).
 * Every VM disk is a qcow2 overlay on the built image, so the image itself stays pristine.
 */
import type { ComposeResult } from '../compose/index.ts';
import { type Context, stopwatch } from '../core/context.ts';
import type { BootTestResult } from '../verify/boot-test.ts';
import {
  clientSteps,
  type Expectations,
  type GuestCheck,
  guestChecks,
  upgradeSteps,
} from '../verify/guest-checks.ts';
import { type PowerCutPoint, type PowerLossOutcome, powerLossMatrix } from './power-loss.ts';
import {
  bootScenario,
  type FixtureOptions,
  overlayDisk,
  prepareUpgradeFixture,
  type RegistryUpdates,
  type UpgradeFixture,
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
  const way = f.registry ? registryWay(f, f.registry) : ostreeWay(f);
  const steps = phases(f, o.addPackage, way);
  const boots: UpgradeTestResult['boots'] = [];
  for (const [i, p] of steps.entries()) {
    const elapsed = stopwatch();
    const result = await bootScenario(ctx, f, o, disk, p.checks, `upgrade-test-${i + 1}`);
    boots.push({ phase: p.phase, result, seconds: elapsed() });
    if (!result.passed) break;
  }
  const upgradeOk = boots.length === steps.length && boots.every((b) => b.result.passed);
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

interface Phase {
  phase: string;
  checks: GuestCheck[];
}

/** What differs between the ways a system updates: how it upgrades, what v2 is, how it rolls back. */
interface UpdateWay {
  upgradeName: string;
  rollbackName: string;
  /** Checks on v1 before anything changes. */
  onV1: GuestCheck[];
  upgrade: GuestCheck[];
  v2: Expectations;
  onV2: GuestCheck[];
  rollback: GuestCheck;
  /** Steps after the final v1 checks, and the boots that follow them. */
  thenOnV1?: GuestCheck[];
  more?: Phase[];
}

/** The three boots every way goes through: v1 → upgrade → v2 → rollback → v1. */
function phases(f: UpgradeFixture, addPackage: string, w: UpdateWay): Phase[] {
  return [
    {
      phase: `boot v1, change /etc, ${w.upgradeName}`,
      checks: [
        ...guestChecks(f.v1Expect),
        upgradeSteps.packageInstalled(addPackage, false),
        upgradeSteps.networkUp(),
        ...w.onV1,
        upgradeSteps.writeEtc(ETC_FILE, ETC_CONTENT),
        upgradeSteps.localUser('localadmin'),
        ...w.upgrade,
      ],
    },
    {
      phase: `boot v2, check, ${w.rollbackName}`,
      checks: [
        ...guestChecks(w.v2),
        ...w.onV2,
        upgradeSteps.packageInstalled(addPackage, true),
        upgradeSteps.etcKept(ETC_FILE, ETC_CONTENT),
        upgradeSteps.imageUsers(),
        w.rollback,
        upgradeSteps.pendingCommit(f.plan.deployment.commit),
      ],
    },
    {
      phase: 'boot v1 again after rollback',
      checks: [
        ...guestChecks(f.v1Expect),
        ...w.onV1,
        upgradeSteps.packageInstalled(addPackage, false),
        ...(w.thenOnV1 ?? []),
      ],
    },
    ...(w.more ?? []),
  ];
}

/** Via an OSTree remote: `ostree admin upgrade`, ostree's rollback. */
function ostreeWay(f: UpgradeFixture): UpdateWay {
  return {
    upgradeName: 'upgrade',
    rollbackName: 'roll back',
    onV1: [],
    upgrade: [upgradeSteps.upgrade(), upgradeSteps.pendingCommit(f.v2.commit)],
    v2: { ...f.v1Expect, commit: f.v2.commit, version: f.v2.version },
    onV2: [],
    rollback: upgradeSteps.rollback(),
  };
}

/**
 * Via a registry: the client's status, `upgrade --check`, `upgrade` (only the changed layers
 * are fetched; the step's output counts them), then `particle-os rollback`; back on v1,
 * `upgrade` stages v2 again and `rollback` drops it, then `switch` to v2's archive on a USB
 * stick and boot it. The deployed v2 is the device's own
 * merge of the layers: it is known by its manifest digest, not a commit.
 */
function registryWay(f: UpgradeFixture, r: RegistryUpdates): UpdateWay {
  const v2Expect = { ...f.v1Expect, commit: undefined, version: f.v2.version };
  const stick = f.usbStick;
  return {
    upgradeName: 'particle-os upgrade from the registry',
    rollbackName: 'particle-os rollback',
    onV1: [clientSteps.follows(r.image), clientSteps.imageDigest('booted', r.v1Digest)],
    upgrade: [
      clientSteps.updateAvailable(),
      clientSteps.upgrade(),
      clientSteps.imageDigest('staged', r.v2Digest),
    ],
    v2: v2Expect,
    onV2: [clientSteps.imageDigest('booted', r.v2Digest), clientSteps.setuidKept()],
    rollback: clientSteps.rollback(),
    // A rollback with v2 staged from the registry drops it; then follow v2 from an archive on
    // a USB stick (a second, read-only virtual disk).
    thenOnV1: [
      clientSteps.rollbackDropsStaged(),
      ...(stick
        ? [
            clientSteps.switchFromStick(stick.archive),
            clientSteps.imageDigest('staged', r.v2Digest),
          ]
        : []),
    ],
    more: stick
      ? [
          {
            phase: 'boot the image switched to from the USB stick',
            checks: [
              ...guestChecks(v2Expect),
              clientSteps.imageDigest('booted', r.v2Digest),
              clientSteps.follows(`/mnt/usb/${stick.archive}`, 'oci-archive'),
            ],
          },
        ]
      : [],
  };
}
