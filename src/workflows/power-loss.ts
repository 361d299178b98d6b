/**
 * Power loss in the middle of an in-guest upgrade. For each cut point a fresh v1 disk boots,
 * starts `ostree admin upgrade` (the pull, or the deploy after a completed pull; via a
 * registry: `particle-os upgrade`, which does both), and the
 * plug is pulled (QEMU SIGKILLed: whatever the guest had not flushed is lost) a chosen time
 * after the step announced itself on the console. The next boot must come up on v1, the repo
 * must pass `ostree fsck`, and a retried upgrade must succeed and become the default.
 */
import { readFileSync } from 'node:fs';
import type { Context } from '../core/context.ts';
import type { BootTestResult } from '../verify/boot-test.ts';
import {
  clientSteps,
  command,
  type GuestCheck,
  guestChecks,
  upgradeSteps,
} from '../verify/guest-checks.ts';
import {
  bootScenario,
  type FixtureOptions,
  overlayDisk,
  type UpgradeFixture,
} from './upgrade-fixture.ts';

export interface PowerCutPoint {
  phase: 'pull' | 'deploy';
  /** Milliseconds after the step started. */
  delayMs: number;
}

export const DEFAULT_CUT_POINTS: PowerCutPoint[] = [
  { phase: 'pull', delayMs: 1000 },
  { phase: 'pull', delayMs: 5000 },
  { phase: 'deploy', delayMs: 500 },
  { phase: 'deploy', delayMs: 3000 },
];

export interface PowerLossOutcome extends PowerCutPoint {
  /** When the plug was pulled, from power-on; undefined if the step finished first. */
  cutAtMs?: number;
  /** The upgrade step finished before the cut (the point was too late to interrupt it). */
  finishedBeforeCut: boolean;
  recovery: BootTestResult;
  passed: boolean;
}

const CUT_MARKER = 'PARTICLE-CUT-POINT';
const STEP_DONE_MARKER = 'PARTICLE-CUT-STEP-DONE';

/** A step that announces itself on the console (outside the captured output) and runs `cmd`. */
function announced(phase: string, cmd: string): GuestCheck {
  return {
    name: `interrupted-${phase}`,
    script: `echo "${CUT_MARKER} ${phase}" >/dev/console; ${cmd}; echo "${STEP_DONE_MARKER} $?" >/dev/console; sleep 600`,
  };
}

export async function powerLossMatrix(
  ctx: Context,
  f: UpgradeFixture,
  o: FixtureOptions,
  points: PowerCutPoint[],
): Promise<PowerLossOutcome[]> {
  const outcomes: PowerLossOutcome[] = [];
  for (const [i, point] of points.entries()) {
    const name = `power-loss-${i + 1}-${point.phase}-${point.delayMs}ms`;
    const disk = await overlayDisk(ctx, f, name);
    const before: GuestCheck[] = [upgradeSteps.networkUp()];
    if (f.registry) {
      // The client imports the layers and deploys in one command: cut it at the point's delay.
      before.push(announced(point.phase, 'particle-os upgrade'));
    } else if (point.phase === 'deploy') {
      before.push(command('pull-only', 'ostree admin upgrade --pull-only'));
      before.push(announced('deploy', 'ostree admin upgrade --deploy-only'));
    } else {
      before.push(announced('pull', 'ostree admin upgrade --pull-only'));
    }
    const cut = await bootScenario(ctx, f, o, disk, before, `${name}-cut`, {
      pattern: new RegExp(`${CUT_MARKER} ${point.phase}`),
      delayMs: point.delayMs,
    });
    const recovery = await bootScenario(
      ctx,
      f,
      o,
      disk,
      [
        ...guestChecks(f.v1Expect),
        command('repo-fsck', 'ostree fsck'),
        upgradeSteps.networkUp(),
        ...(f.registry
          ? [clientSteps.upgrade(), clientSteps.imageDigest('staged', f.registry.v2Digest)]
          : [upgradeSteps.upgrade(), upgradeSteps.pendingCommit(f.v2.commit)]),
      ],
      `${name}-recovery`,
    );
    const serial = readFileSync(cut.serialLog, 'latin1');
    outcomes.push({
      ...point,
      cutAtMs: cut.powerCutAtMs,
      finishedBeforeCut: cut.powerCutAtMs === undefined || serial.includes(STEP_DONE_MARKER),
      recovery,
      passed: recovery.passed,
    });
  }
  return outcomes;
}
