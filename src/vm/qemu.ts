/**
 * Running a disk image in QEMU: TCG unless a short probe shows KVM can actually boot a kernel
 * (on nested-virtualisation hosts /dev/kvm may exist and still hang guests), BIOS or UEFI
 * firmware, the disk opened with snapshot=on so the image stays pristine, the serial console
 * written to a file the caller watches (boot-test, upgrade-test) or connected to the terminal
 * (`run`). Shared by every stage that starts a VM.
 */
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepContext } from '../core/context.ts';
import { start } from '../core/run.ts';

export type Firmware = 'bios' | 'uefi';
export type Accel = 'kvm' | 'tcg';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface VmSpec {
  disk: string;
  /** The disk's format; by default from its extension (.qcow2, .vmdk, .vdi, else raw). */
  diskFormat?: string;
  firmware: Firmware;
  accel: Accel;
  /** The serial console is written to this file (with `terminal`, a copy of what stdio shows). */
  serialLog: string;
  /**
   * Serial console and QEMU's monitor multiplexed on QEMU's stdio: `Ctrl-a x` quits, `Ctrl-a c`
   * switches to the monitor, Ctrl-C reaches the guest instead of killing QEMU (signal=off).
   */
  terminal?: boolean;
  /** Virtual CPUs (default 2). */
  cpus?: number;
  /** With `network`: host TCP ports on 127.0.0.1 forwarded to guest ports. */
  forwards?: { hostPort: number; guestPort: number }[];
  /** Work dir for the UEFI variable store copy. */
  work: string;
  /** The UEFI variable store (default: OVMF_VARS.fd in `work`). */
  uefiVars?: string;
  /** Let a guest reboot (default: -no-reboot, a reboot ends QEMU as the tests expect). */
  reboot?: boolean;
  /** SMBIOS type 11 strings (systemd credentials). */
  oemStrings?: string[];
  memoryMiB?: number;
  /** snapshot=on (default): writes are discarded and the image stays pristine. */
  snapshot?: boolean;
  /** QEMU user networking; the host's loopback is reachable as 10.0.2.2. */
  network?: boolean;
  /** A unix socket for QEMU's human monitor (screenshots, resets after an emulator-race oops). */
  monitorSocket?: string;
  /** Raw disk images attached read-only after the boot disk (/dev/vdb, …: a "USB stick"). */
  extraDisks?: string[];
  /** An ISO in a SATA DVD drive, booted first (an installer); the disk is then its target. */
  cdrom?: string;
}

/** QEMU's name for a disk image format, from the file name (.qcow2, .vmdk, .vdi, else raw). */
function formatFromName(path: string): string {
  return path.endsWith('.qcow2')
    ? 'qcow2'
    : path.endsWith('.vmdk')
      ? 'vmdk'
      : path.endsWith('.vdi')
        ? 'vdi'
        : 'raw';
}

/** A file name inside a QEMU option value: commas are doubled so they cannot start an option. */
const optValue = (s: string) => s.replace(/,/g, ',,');

/**
 * The CPU model under TCG: Westmere (x86-64-v2: SSE4.2, POPCNT, AES-NI; no AVX), a model whose
 * CPUID TCG implements in full. Not `max`: QEMU 7.2's TCG (Debian 12) gets AVX2 gathers wrong,
 * so llvmpipe's JIT (`vpgatherdd`, code bytes c4 62 75 90 on the serial console) segfaults and
 * gnome-shell, which draws with software GL in a VM, dies a minute after it starts, leaving
 * the text console on screen. Not `max,avx2=off` either: that CPUID still offers VAES and
 * friends, and libgcrypt (gnome-keyring) and Qt 6 (KDE's D-Bus threads) then stop on invalid
 * opcodes; `max,svm=off` kept systemd-udevd from starting in the initrd. Debian's amd64
 * baseline is x86-64-v1, so every package runs on it. Real hardware is unaffected: this is how
 * the emulator presents itself, not a change to the image.
 */
export const TCG_CPU = 'Westmere';

export function qemuArgv(v: VmSpec): string[] {
  const format = v.diskFormat ?? formatFromName(v.disk);
  const nic = v.network
    ? [
        'user',
        'model=virtio-net-pci',
        ...(v.forwards ?? []).map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`),
      ].join(',')
    : 'none';
  const argv = [
    'qemu-system-x86_64',
    '-machine',
    'q35',
    '-accel',
    v.accel,
    '-cpu',
    v.accel === 'kvm' ? 'host' : TCG_CPU,
    '-smp',
    String(v.cpus ?? 2),
    '-m',
    String(v.memoryMiB ?? 2048),
    '-display',
    'none',
    ...(v.reboot ? [] : ['-no-reboot']),
    ...(v.terminal
      ? [
          '-chardev',
          `stdio,id=console,mux=on,signal=off,logfile=${optValue(v.serialLog)}`,
          '-serial',
          'chardev:console',
          '-mon',
          'chardev=console,mode=readline',
          // A second monitor for the VM's owner (an emulator-race reset), beside the person's.
          ...(v.monitorSocket
            ? ['-monitor', `unix:${optValue(v.monitorSocket)},server=on,wait=off`]
            : []),
        ]
      : [
          '-monitor',
          v.monitorSocket ? `unix:${optValue(v.monitorSocket)},server=on,wait=off` : 'none',
          '-serial',
          `file:${v.serialLog}`,
        ]),
    '-nic',
    nic,
    '-drive',
    `file=${optValue(v.disk)},format=${format},if=virtio,snapshot=${v.snapshot === false ? 'off' : 'on'}`,
  ];
  for (const d of v.extraDisks ?? [])
    argv.push('-drive', `file=${optValue(d)},format=raw,if=virtio,readonly=on`);
  if (v.cdrom)
    argv.push(
      '-drive',
      `file=${optValue(v.cdrom)},format=raw,media=cdrom,if=none,id=dvd,readonly=on`,
      // bootindex: first for SeaBIOS and OVMF alike, whatever the disk holds.
      '-device',
      'ide-cd,drive=dvd,bus=ide.0,bootindex=0',
    );
  if (v.firmware === 'uefi') {
    argv.push(
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${optValue(varsFile(v))}`,
    );
  }
  for (const s of v.oemStrings ?? []) argv.push('-smbios', `type=11,value=${optValue(s)}`);
  return argv;
}

/** The VM's writable UEFI variable store: a fresh copy of OVMF's template per work dir. */
function varsFile(v: { work: string; uefiVars?: string }): string {
  return v.uefiVars ?? join(v.work, 'OVMF_VARS.fd');
}

/** Give a UEFI VM its variable store (a copy of OVMF's template) unless it has one. */
export function ensureUefiVars(v: { firmware: Firmware; work: string; uefiVars?: string }): void {
  if (v.firmware === 'uefi' && !existsSync(varsFile(v))) copyFileSync(OVMF_VARS, varsFile(v));
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
  ensureUefiVars(spec);
  // A log left by an earlier boot (boot-test boots again after a TCG oops) would be read before
  // QEMU truncates it: its "Kernel panic" would end this boot after a few seconds.
  rmSync(spec.serialLog, { force: true });
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
  /** An ISO to probe with instead of the disk (a blank target disk boots no kernel). */
  cdrom?: string,
): Promise<Accel> {
  if (!existsSync('/dev/kvm')) return 'tcg';
  const probe = await runVm(
    sc,
    { disk, firmware, accel: 'kvm', serialLog: join(work, 'kvm-probe.log'), work, cdrom },
    { timeoutMs: 30_000, milestones: {}, until: /Linux version|ostree-prepare-root/, graceMs: 0 },
  );
  return /Linux version|ostree-prepare-root/.test(probe.serial) ? 'kvm' : 'tcg';
}
