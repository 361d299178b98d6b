/**
 * The installer ISO under test: boot it in QEMU with an empty disk attached, let its installer
 * run unattended and power the machine off, then read what it installed from the console.
 * boot-test of a `.iso` does this before booting the disk alone (the proof the installer ISO
 * issue asks for: every boot check on the installed disk, BIOS and UEFI).
 */
import { existsSync, lstatSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { makeWorkDir } from '../core/workdir.ts';
import { type BuildPlan, planFileFor, readPlanNextTo } from '../vm/build-plan.ts';
import { type Accel, chooseAccel, type Firmware, runVm } from '../vm/qemu.ts';
import { type BootTestResult, bootTest } from './boot-test.ts';
import { expectationsFromPlan } from './expectations.ts';
import { guestChecks } from './guest-checks.ts';

export interface IsoInstallOptions {
  iso: string;
  /** The target: an existing (empty) raw disk image file; written for real. */
  disk: string;
  firmware: Firmware;
  accel: Accel;
  timeoutSeconds: number;
  /** Memory of the VM: the live system assembles the disk in RAM (MiB). */
  memoryMiB: number;
  work: string;
}

export interface IsoInstallResult {
  passed: boolean;
  /** Milliseconds from power-on: the live kernel, the installer's start, its last line. */
  timings: { kernel?: number; installerStart?: number; installed?: number; total: number };
  /** The build plan the installer printed, written next to the disk for boot-test. */
  planFile?: string;
  serialLog: string;
  problem?: string;
}

const PLAN_LINE = /particle-os-installer: plan (\{.*\})\r?$/m;
const FAILED = /particle-os-installer: the installation failed/;
const PANIC = /Kernel panic - not syncing/;

/** The build plan from the installer's console output, if it printed one. */
export function installedPlan(serial: string): BuildPlan | undefined {
  // runVm reads the console as latin1 (it is bytes); the plan was printed as UTF-8.
  const m = PLAN_LINE.exec(Buffer.from(serial, 'latin1').toString('utf8'));
  if (!m?.[1]) return undefined;
  try {
    const plan = JSON.parse(m[1]) as BuildPlan;
    // The fields boot-test reads (kernel messages printed into the line would break these).
    if (typeof plan.deployment?.commit !== 'string' || !Array.isArray(plan.disk?.partitions))
      return undefined;
    return plan;
  } catch {
    return undefined;
  }
}

export async function installFromIso(
  ctx: Context,
  o: IsoInstallOptions,
): Promise<IsoInstallResult> {
  if (!existsSync(o.iso)) throw new UsageError(`ISO not found: ${o.iso}`);
  return step(
    ctx,
    `install from ${o.firmware.toUpperCase()}-booted ISO onto ${o.disk}`,
    async (sc) => {
      const started = Date.now();
      const serialLog = join(o.work, `install-${o.firmware}.log`);
      const watch = await runVm(
        sc,
        {
          disk: o.disk,
          diskFormat: 'raw',
          cdrom: o.iso,
          firmware: o.firmware,
          accel: o.accel,
          serialLog,
          work: o.work,
          snapshot: false,
          memoryMiB: o.memoryMiB,
        },
        {
          timeoutMs: o.timeoutSeconds * 1000,
          milestones: {
            kernel: /Linux version/,
            installerStart: /==> choose the disk|==> inspect/,
            installed: /particle-os-installer: installed/,
          },
          // The installer powers off (QEMU exits); a failure leaves the live system up.
          until: new RegExp(`${FAILED.source}|${PANIC.source}`),
          graceMs: 5_000,
        },
      );
      const kept = join(ctx.logDir, `serial-iso-${o.firmware}.log`);
      writeFileSync(kept, watch.serial);
      const plan = installedPlan(watch.serial);
      const problem = FAILED.test(watch.serial)
        ? `the installer failed (console: ${kept})`
        : PANIC.test(watch.serial)
          ? `the live system's kernel panicked (console: ${kept})`
          : !watch.exited
            ? `the installer did not finish within ${o.timeoutSeconds}s (console: ${kept})`
            : plan === undefined
              ? `the machine powered off without a readable plan line from the installer (console: ${kept})`
              : undefined;
      let planFile: string | undefined;
      if (plan && !problem) {
        planFile = planFileFor(o.disk);
        writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
      }
      return {
        passed: problem === undefined,
        timings: { ...watch.seen, total: Date.now() - started },
        ...(planFile ? { planFile } : {}),
        serialLog: kept,
        ...(problem ? { problem } : {}),
      };
    },
  );
}

export interface IsoBootTestOptions {
  iso: string;
  /** The target disk file; made empty at `diskBytes` first (an 8 GiB blank disk by default). */
  disk: string;
  diskBytes: number;
  firmware: Firmware;
  timeoutSeconds: number;
  /** Extra shell checks for the installed system. */
  extraChecks: string[];
}

export interface IsoBootTestResult {
  install: IsoInstallResult;
  /** The installed disk booted alone, with the plan's expectations (absent when install failed). */
  boot?: BootTestResult;
  passed: boolean;
}

/** The live system needs RAM for itself and for the disk it assembles in /tmp (MiB). */
const ISO_VM_MEMORY_MIB = 4096;

/**
 * boot-test of an installer ISO: a blank disk, the unattended install (installFromIso), then
 * the disk booted alone with every check of the plan the installer printed, plus one that the
 * root filesystem spans the disk.
 */
export async function bootTestIso(ctx: Context, o: IsoBootTestOptions): Promise<IsoBootTestResult> {
  // Made blank: only a regular file (or nothing) may be there; never a device or a directory.
  const st = existsSync(o.disk) ? lstatSync(o.disk) : undefined;
  if (st && !st.isFile())
    throw new UsageError(
      `--target-disk ${o.disk}: not a regular file; boot-test makes a blank disk image file there`,
    );
  const work = makeWorkDir(ctx, 'particle-os-iso-test');
  rmSync(o.disk, { force: true });
  writeFileSync(o.disk, '');
  truncateSync(o.disk, o.diskBytes);
  const accel = await step(ctx, 'choose accelerator (KVM probe)', (sc) =>
    chooseAccel(sc, o.disk, o.firmware, work, o.iso),
  );
  const install = await installFromIso(ctx, {
    iso: o.iso,
    disk: o.disk,
    firmware: o.firmware,
    accel,
    timeoutSeconds: o.timeoutSeconds,
    memoryMiB: ISO_VM_MEMORY_MIB,
    work,
  });
  if (!install.passed || !install.planFile) return { install, passed: false };
  const plan = readPlanNextTo(o.disk) as BuildPlan;
  const boot = await bootTest(ctx, {
    disk: o.disk,
    firmware: o.firmware,
    accel,
    timeoutSeconds: o.timeoutSeconds,
    checks: guestChecks({
      ...expectationsFromPlan(plan),
      extra: [rootSpansCheck(o.diskBytes), ...o.extraChecks],
    }),
  });
  return { install, boot, passed: boot.passed };
}

/**
 * A guest check: the root filesystem (/sysroot) holds at least 80% of the disk, i.e. it was
 * made for the target, not at the image's build-time size (ESP and /boot take 1.1 GiB).
 */
export function rootSpansCheck(diskBytes: number): string {
  const min = Math.floor((diskBytes - 1152 * 2 ** 20) * 0.8);
  return `s=$(df -B1 --output=size /sysroot | tail -n 1); echo "root filesystem $s bytes of a ${diskBytes}-byte disk"; test "$s" -ge ${min}`;
}
