/**
 * `boot-test`: boot a disk image in QEMU and prove from inside the guest that it came up as an
 * OSTree system (see guest-checks.ts for how the checks get in and out).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { makeWorkDir } from '../core/workdir.ts';
import { type Accel, chooseAccel, type Firmware, runVm } from '../vm/qemu.ts';
import { TCG_RACE_OOPS } from '../vm/tcg-faults.ts';
import {
  type BootAnalysis,
  type CheckResult,
  checkScript,
  credentialStrings,
  type GuestCheck,
  parseAnalysis,
  parseCheckLines,
  UNIT_NAME,
} from './guest-checks.ts';
import { screenshot } from './screenshot.ts';

export interface BootTestOptions {
  disk: string;
  firmware: Firmware;
  timeoutSeconds: number;
  /** Checks and steps run in the guest, in order. */
  checks: GuestCheck[];
  /** Write to the disk (upgrade tests); default: snapshot=on, the image stays pristine. */
  persistent?: boolean;
  /** Give the guest user-mode networking (the host is 10.0.2.2). */
  network?: boolean;
  /** Accelerator already chosen (skips the probe). */
  accel?: Accel;
  /** Save a PNG of the screen once the checks have run (graphical variants: the greeter). */
  screenshot?: string;
  /** Seconds to wait after boot finished before the screenshot (a greeter takes a while). */
  screenshotDelaySeconds?: number;
  /** Pull the plug this long after the pattern appears on the console (power-loss tests). */
  powerCut?: { pattern: RegExp; delayMs: number };
  /** Keep the serial console log here (default: next to the step logs). */
  serialLog?: string;
  /** Raw disk images attached read-only as /dev/vdb, … */
  extraDisks?: string[];
  /** Also collect systemd-analyze time, blame and critical-chain from the guest. */
  analyze?: boolean;
  /** Guest memory in MiB (default: the VM layer's 2048). */
  memoryMiB?: number;
}

export interface BootTestResult {
  disk: string;
  firmware: Firmware;
  accel: Accel;
  passed: boolean;
  checks: CheckResult[];
  /**
   * Milliseconds from power-on, seen on the serial console: the kernel's banner, the initrd
   * handing over to the real root (initrd-switch-root), the first login prompt, the checks'
   * end.
   */
  timings: {
    kernel?: number;
    switchRoot?: number;
    loginPrompt?: number;
    checksDone?: number;
    total: number;
  };
  /** With `analyze`: systemd's view of the boot from inside the guest. */
  analysis?: BootAnalysis;
  /** Why the VM was booted a second time (only tcgTextPatchingOops does that). */
  retriedAfter?: string;
  /** When the plug was pulled (ms from power-on), for power-loss runs. */
  powerCutAtMs?: number;
  serialLog: string;
  problem?: string;
}

/**
 * True when the guest kernel died on an emulator-race oops (vm/tcg-faults.ts) before any check
 * ran: boot-test then boots once more, and a fault that repeats still fails.
 */
export function tcgTextPatchingOops(serial: string): boolean {
  return TCG_RACE_OOPS.test(serial) && !/PARTICLE-CHECK/.test(serial);
}

export async function bootTest(ctx: Context, o: BootTestOptions): Promise<BootTestResult> {
  if (!existsSync(o.disk)) throw new UsageError(`disk image not found: ${o.disk}`);
  const work = makeWorkDir(ctx, 'particle-os-boot-test');
  const checks = o.checks;
  const accel =
    o.accel ??
    (await step(ctx, 'choose accelerator (KVM probe)', (sc) =>
      chooseAccel(sc, o.disk, o.firmware, work),
    ));
  const serialLog = join(work, 'serial.log');
  const monitorSocket = join(work, 'monitor.sock');
  const screenshotDelay = o.screenshotDelaySeconds ?? 5;
  return step(
    ctx,
    `boot ${o.firmware.toUpperCase()} under ${accel.toUpperCase()} and run ${checks.length} checks`,
    async (sc) => {
      const started = Date.now();
      const boot = () =>
        runVm(
          sc,
          {
            disk: o.disk,
            firmware: o.firmware,
            accel,
            serialLog,
            work,
            oemStrings: credentialStrings(
              checkScript(checks, {
                holdSeconds: o.screenshot ? screenshotDelay + 30 : 0,
                analyze: o.analyze,
              }),
            ),
            monitorSocket: o.screenshot ? monitorSocket : undefined,
            snapshot: !o.persistent,
            network: !!o.network,
            extraDisks: o.extraDisks,
            memoryMiB: o.memoryMiB,
          },
          {
            timeoutMs: o.timeoutSeconds * 1000,
            milestones: {
              kernel: /Linux version/,
              switchRoot: /initrd-switch-root\.service/,
              loginPrompt: /login: ?/,
              checksDone: /PARTICLE-DONE/,
            },
            // A kernel panic ends the boot at once instead of at the timeout.
            until: /PARTICLE-DONE|Kernel panic - not syncing/,
            powerCut: o.powerCut,
            onConsole: o.screenshot
              ? {
                  pattern: /PARTICLE-HOLD/,
                  action: async () => {
                    // Let the display settle after boot finished, then grab it.
                    await new Promise((r) => setTimeout(r, screenshotDelay * 1000));
                    await screenshot(
                      monitorSocket,
                      join(work, 'screen.ppm'),
                      o.screenshot as string,
                    );
                  },
                }
              : undefined,
          },
        );
      const kept = o.serialLog ?? join(ctx.logDir, `serial-${o.firmware}.log`);
      let watch = await boot();
      let retriedAfter: string | undefined;
      if (accel === 'tcg' && tcgTextPatchingOops(watch.serial)) {
        const first = kept.replace(/(\.log)?$/, '-oops.log');
        copyFileSync(serialLog, first);
        retriedAfter = `kernel '${TCG_RACE_OOPS.exec(watch.serial)?.[0].trim()}' under TCG, an emulator race (${first})`;
        sc.reporter.warn(`boot ${o.firmware}: ${retriedAfter}; booting once more`);
        watch = await boot();
      }
      copyFileSync(serialLog, kept);
      const { results, done } = parseCheckLines(watch.serial);
      const missing = checks.filter((c) => !results.some((r) => r.name === c.name));
      const all = [
        ...results,
        ...missing.map((c) => ({ name: c.name, ok: false, detail: 'no result from the guest' })),
      ];
      const problem =
        watch.powerCutAtMs !== undefined
          ? `power cut after ${(watch.powerCutAtMs / 1000).toFixed(1)}s`
          : watch.timedOut
            ? `no result within ${o.timeoutSeconds}s (last console lines in ${kept})${results.length === 0 && watch.seen.loginPrompt !== undefined ? `; the guest reached its login prompt but never started ${UNIT_NAME}: systemd reads systemd.extra-unit credentials from version 256 on, older ones (bookworm's 252) only through particle-os-client's credential generator, which this image may leave out` : ''}`
            : !done
              ? `guest stopped before the checks finished (see ${kept})`
              : undefined;
      return {
        disk: o.disk,
        firmware: o.firmware,
        accel,
        passed: !problem && all.every((r) => r.ok),
        checks: all,
        timings: { ...watch.seen, total: Date.now() - started },
        analysis: o.analyze ? parseAnalysis(watch.serial) : undefined,
        retriedAfter,
        serialLog: kept,
        powerCutAtMs: watch.powerCutAtMs,
        problem,
      };
    },
  );
}
