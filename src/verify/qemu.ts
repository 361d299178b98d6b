/**
 * Running a disk image in QEMU: TCG unless a short probe shows KVM can actually boot a kernel
 * (on nested-virtualisation hosts /dev/kvm may exist and still hang guests), BIOS or UEFI
 * firmware, the disk opened with snapshot=on so the image stays pristine, the serial console
 * written to a file the caller watches.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { start } from '../core/run.ts';

export type Firmware = 'bios' | 'uefi';
export type Accel = 'kvm' | 'tcg';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface VmSpec {
  disk: string;
  firmware: Firmware;
  accel: Accel;
  serialLog: string;
  /** Work dir for the UEFI variable store copy. */
  work: string;
  /** SMBIOS type 11 strings (systemd credentials). */
  oemStrings?: string[];
  memoryMiB?: number;
  /** snapshot=on (default): writes are discarded and the image stays pristine. */
  snapshot?: boolean;
  /** QEMU user networking; the host's loopback is reachable as 10.0.2.2. */
  network?: boolean;
  /** A unix socket for QEMU's human monitor (screenshots, power-cut tests). */
  monitorSocket?: string;
  /** Raw disk images attached read-only after the boot disk (/dev/vdb, …: a "USB stick"). */
  extraDisks?: string[];
}

export function qemuArgv(v: VmSpec): string[] {
  const format = v.disk.endsWith('.qcow2')
    ? 'qcow2'
    : v.disk.endsWith('.vmdk')
      ? 'vmdk'
      : v.disk.endsWith('.vdi')
        ? 'vdi'
        : 'raw';
  const argv = [
    'qemu-system-x86_64',
    '-machine',
    'q35',
    '-accel',
    v.accel,
    '-cpu',
    v.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    '2',
    '-m',
    String(v.memoryMiB ?? 2048),
    '-display',
    'none',
    '-no-reboot',
    '-monitor',
    v.monitorSocket ? `unix:${v.monitorSocket},server=on,wait=off` : 'none',
    '-serial',
    `file:${v.serialLog}`,
    '-nic',
    v.network ? 'user,model=virtio-net-pci' : 'none',
    '-drive',
    `file=${v.disk},format=${format},if=virtio,snapshot=${v.snapshot === false ? 'off' : 'on'}`,
  ];
  for (const d of v.extraDisks ?? [])
    argv.push('-drive', `file=${d.replace(/,/g, ',,')},format=raw,if=virtio,readonly=on`);
  if (v.firmware === 'uefi') {
    argv.push(
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${varsFile(v)}`,
    );
  }
  for (const s of v.oemStrings ?? [])
    argv.push('-smbios', `type=11,value=${s.replace(/,/g, ',,')}`);
  return argv;
}

/** The VM's writable UEFI variable store: a fresh copy of OVMF's template per work dir. */
function varsFile(v: VmSpec): string {
  return join(v.work, 'OVMF_VARS.fd');
}

export interface WatchResult {
  /** Milliseconds from start until each awaited pattern first appeared. */
  seen: Record<string, number>;
  exited: boolean;
  timedOut: boolean;
  serial: string;
  /** When the plug was pulled (ms from start), if a power cut was requested and happened. */
  powerCutAtMs?: number;
}

/**
 * Boot the VM and watch its serial log until `until` appears, QEMU exits or the timeout hits.
 * The VM is always stopped before returning.
 */
export async function runVm(
  sc: StepContext,
  spec: VmSpec,
  opts: {
    timeoutMs: number;
    milestones: Record<string, RegExp>;
    until: RegExp;
    graceMs?: number;
    /** Run once when the pattern first appears on the console (the VM keeps running). */
    onConsole?: { pattern: RegExp; action: () => Promise<void> };
    /** Pull the plug (SIGKILL QEMU) `delayMs` after the pattern first appears. */
    powerCut?: { pattern: RegExp; delayMs: number };
  },
): Promise<WatchResult> {
  if (spec.firmware === 'uefi' && !existsSync(varsFile(spec)))
    copyFileSync(OVMF_VARS, varsFile(spec));
  const started = Date.now();
  const vm = start(sc, qemuArgv(spec), { killGraceSeconds: 5 });
  let exited = false;
  const finished = vm.done.then(
    () => {
      exited = true;
    },
    () => {
      exited = true;
    },
  );
  const seen: Record<string, number> = {};
  let serial = '';
  let doneAt: number | undefined;
  let triggered = false;
  let cutAt: number | undefined;
  let powerCutAtMs: number | undefined;
  while (true) {
    await Promise.race([finished, sleep(250)]);
    serial = existsSync(spec.serialLog) ? readFileSync(spec.serialLog, 'latin1') : '';
    for (const [name, re] of Object.entries(opts.milestones)) {
      if (seen[name] === undefined && re.test(serial)) seen[name] = Date.now() - started;
    }
    if (opts.onConsole && !triggered && opts.onConsole.pattern.test(serial)) {
      triggered = true;
      await opts.onConsole.action();
    }
    if (opts.powerCut && cutAt === undefined && opts.powerCut.pattern.test(serial)) {
      cutAt = Date.now() + opts.powerCut.delayMs;
    }
    if (cutAt !== undefined && powerCutAtMs === undefined && Date.now() >= cutAt && !exited) {
      vm.kill();
      powerCutAtMs = Date.now() - started;
      await finished;
      break;
    }
    if (doneAt === undefined && opts.until.test(serial)) doneAt = Date.now();
    if (exited || sc.signal.aborted) break;
    // After the final marker, give the guest a moment to power off by itself.
    if (doneAt !== undefined && Date.now() - doneAt > (opts.graceMs ?? 20_000)) break;
    if (Date.now() - started > opts.timeoutMs) break;
  }
  const timedOut = !exited && doneAt === undefined && powerCutAtMs === undefined;
  if (!exited) {
    vm.stop();
    await finished;
  }
  serial = existsSync(spec.serialLog) ? readFileSync(spec.serialLog, 'latin1') : serial;
  return { seen, exited, timedOut, serial, powerCutAtMs };
}

/** KVM only if /dev/kvm exists and a probe boot reaches the kernel within the probe time. */
export async function chooseAccel(
  sc: StepContext,
  disk: string,
  firmware: Firmware,
  work: string,
): Promise<Accel> {
  if (!existsSync('/dev/kvm')) return 'tcg';
  const probe = await runVm(
    sc,
    { disk, firmware, accel: 'kvm', serialLog: join(work, 'kvm-probe.log'), work },
    { timeoutMs: 30_000, milestones: {}, until: /Linux version|ostree-prepare-root/, graceMs: 0 },
  );
  return /Linux version|ostree-prepare-root/.test(probe.serial) ? 'kvm' : 'tcg';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
