/**
 * What `particle-os run` will do, as pure data: which image, the overlay that takes the
 * guest's writes (thrown away, or kept with --persist), firmware, memory, CPUs, the forwarded
 * SSH port and the credentials that give this session a way in. `run --dry-run` prints it;
 * `runMachine` (index.ts) carries it out. Like `mkosi vm` with mkosi's ephemeral SSH key.
 */
import { join } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { unitDropinName } from '../vm/credentials.ts';
import type { Firmware } from '../vm/qemu.ts';
import { machineDir, nameFromImage } from './machines.ts';

/** Disk formats `build` writes and QEMU reads as a backing file. */
export const RUN_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi'] as const;

export type ConsoleMode = 'terminal' | 'log';

export interface RunRequest {
  /** Absolute path of the disk image. */
  image: string;
  name?: string;
  firmware: Firmware;
  memoryMiB: number;
  cpus: number;
  /** Absolute path of a qcow2 overlay kept between runs (created on first use). */
  persist?: string;
  /** Console autologin as root; undefined: only when the image's build plan lists no user. */
  autologin?: boolean;
  /** `terminal`: serial console on stdin/stdout; `log`: only into the console log. */
  console: ConsoleMode;
}

/** `qemu-img info --output=json`, the fields run relies on. */
export interface DiskInfo {
  format: string;
  virtualSize: number;
  /** The file this image reads unwritten blocks from (an overlay's base), if any. */
  backing?: string;
  backingFormat?: string;
}

/** What the host says about the request's files (gathered by index.ts, impure). */
export interface RunFacts {
  image: DiskInfo & { size: number; mtimeMs: number };
  /** The --persist overlay as it is now, if it exists. */
  overlay?: DiskInfo;
  /** The image as it was when the --persist overlay was made (its `.json` record). */
  overlayBase?: { image: string; size: number; mtimeMs: number };
  /** Users the image's build plan lists (undefined: no plan next to the image). */
  planUsers?: string[];
  sshPort: number;
  machinesRoot: string;
}

export interface RunPlan {
  name: string;
  image: { path: string; format: string; virtualSize: number };
  /**
   * Takes every write, so the image itself stays unchanged. For an installer ISO: the blank
   * disk it installs onto (`blankBytes`, no backing file).
   */
  overlay: { path: string; persistent: boolean; create: boolean; blankBytes?: number };
  /** An installer ISO (build --type iso) in the DVD drive, booted first. */
  cdrom?: string;
  firmware: Firmware;
  memoryMiB: number;
  cpus: number;
  console: ConsoleMode;
  /** Where `particle-os ssh NAME` finds the port and key while the machine runs. */
  machineDir: string;
  ssh: { host: '127.0.0.1'; port: number; user: 'root' };
  autologin: boolean;
  /**
   * Names of the systemd credentials (SMBIOS type 11) the guest gets, in order; runMachine
   * gives each its value. Nothing is written into the image.
   */
  credentials: string[];
}

/** root's authorized_keys, written by systemd's tmpfiles provision.conf. */
export const SSH_KEY_CREDENTIAL = 'ssh.authorized_keys.root';
/**
 * A drop-in for the serial getty systemd starts for `console=ttyS0` (the kernel argument every
 * build sets): autologinDropin.
 */
export const AUTOLOGIN_CREDENTIAL = unitDropinName(
  'serial-getty@ttyS0.service',
  'particle-os-autologin',
);

/**
 * The plan for one `run`. Errors (UsageError, exit 2): an image format QEMU should not guess,
 * an image that reads another host file (a backing file: images are hostile input), a
 * --persist file that is not an overlay of this image, or an image changed since the overlay
 * was made (the overlay's blocks would then sit on top of different data).
 */
export function planRun(req: RunRequest, facts: RunFacts): RunPlan {
  if (req.image.endsWith('.iso')) return planIsoRun(req, facts);
  const img = facts.image;
  if (!(RUN_FORMATS as readonly string[]).includes(img.format))
    throw new UsageError(
      `${req.image}: qemu-img reads it as ${img.format}; run takes ${RUN_FORMATS.join(', ')} images`,
    );
  if (img.backing)
    throw new UsageError(
      `${req.image}: the image reads blocks from another file (${img.backing}); run only starts self-contained images`,
    );
  const name = req.name ?? nameFromImage(req.image);
  const dir = machineDir(name, facts.machinesRoot);
  let overlay: RunPlan['overlay'] = {
    path: join(dir, 'overlay.qcow2'),
    persistent: false,
    create: true,
  };
  if (req.persist) {
    overlay = { path: req.persist, persistent: true, create: !facts.overlay };
    if (facts.overlay) {
      const o = facts.overlay;
      if (o.format !== 'qcow2' || o.backing !== req.image || o.backingFormat !== img.format)
        throw new UsageError(
          `--persist ${req.persist}: not a qcow2 overlay of ${req.image} (it is ${o.format}${o.backing ? ` over ${o.backing}` : ''}); pick another file or remove it`,
        );
      const base = facts.overlayBase;
      if (!base || base.size !== img.size || base.mtimeMs !== img.mtimeMs)
        throw new UsageError(
          `--persist ${req.persist}: ${req.image} changed since the overlay was made; its saved changes no longer fit the image (remove ${req.persist} to start afresh)`,
        );
    }
  }
  return finish(req, facts, name, dir, overlay);
}

/** The size of the blank disk an installer ISO gets in `run`: room for any shipped variant. */
export const ISO_TARGET_BYTES = 20 * 2 ** 30;

/**
 * `run X.iso`: the ISO in the DVD drive and a blank 20 GiB disk its installer installs onto
 * (thrown away, or kept with --persist: then `run FILE` boots the installed system). A --persist
 * file that exists must be a plain qcow2 disk (what an earlier run left).
 */
function planIsoRun(req: RunRequest, facts: RunFacts): RunPlan {
  if (facts.image.format !== 'raw')
    throw new UsageError(
      `${req.image}: qemu-img reads it as ${facts.image.format}, not an ISO image`,
    );
  const name = req.name ?? nameFromImage(req.image);
  const dir = machineDir(name, facts.machinesRoot);
  const o = facts.overlay;
  if (req.persist && o && (o.format !== 'qcow2' || o.backing))
    throw new UsageError(
      `--persist ${req.persist}: not the disk of an earlier installer run (it is ${o.format}${o.backing ? ` over ${o.backing}` : ''}); pick another file or remove it`,
    );
  const overlay = {
    path: req.persist ?? join(dir, 'disk.qcow2'),
    persistent: !!req.persist,
    create: !(req.persist && o),
    blankBytes: ISO_TARGET_BYTES,
  };
  return { ...finish(req, facts, name, dir, overlay), cdrom: req.image };
}

function finish(
  req: RunRequest,
  facts: RunFacts,
  name: string,
  dir: string,
  overlay: RunPlan['overlay'],
): RunPlan {
  const img = facts.image;
  const autologin = req.autologin ?? !(facts.planUsers && facts.planUsers.length > 0);
  return {
    name,
    image: { path: req.image, format: img.format, virtualSize: img.virtualSize },
    overlay,
    firmware: req.firmware,
    memoryMiB: req.memoryMiB,
    cpus: req.cpus,
    console: req.console,
    machineDir: dir,
    ssh: { host: '127.0.0.1', port: facts.sshPort, user: 'root' },
    autologin,
    credentials: [SSH_KEY_CREDENTIAL, ...(autologin ? [AUTOLOGIN_CREDENTIAL] : [])],
  };
}

/**
 * The drop-in that logs root in on the serial console without a password: agetty's
 * --autologin runs `login -f root`. The rest mirrors systemd's own serial-getty@.service.
 */
export function autologinDropin(): string {
  return [
    '[Service]',
    'ExecStart=',
    'ExecStart=-/sbin/agetty --autologin root --noreset --noclear --keep-baud 115200,57600,38400,9600 - ${TERM}',
    '',
  ].join('\n');
}
