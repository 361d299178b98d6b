/**
 * The plan of `install to-disk` (pure): what the target is, how large the disk built for it
 * will be, and whether it may be written at all. Computed before anything is built, printed by
 * `--dry-run`/`--json`, and computed again right before the target is written.
 */

import { formatSize } from '../image/format-plan.ts';

const MiB = 2 ** 20;

/** A filesystem or partition-table signature `wipefs --no-act --json` reported. */
export interface Signature {
  type: string;
  /** Byte offset of the magic on the target. */
  offset: number;
  uuid?: string;
  label?: string;
}

/** What inspecting the target found (install-target.ts). */
export interface TargetInfo {
  /** The resolved path (realpath) of the device or file. */
  path: string;
  kind: 'block' | 'file';
  bytes: number;
  signatures: Signature[];
  /** Why it must not be written now: mounts, swap, holders, loop devices (empty when free). */
  inUse: string[];
  /** For a partition: the whole disk it belongs to. */
  partitionOf?: string;
}

export interface InstallPlanInput {
  target: TargetInfo;
  /** The image reference as `build` prints it. */
  image: string;
  /** The recipe's name. */
  recipe: string;
  /** The smallest disk the OS fits on (the build plan's `disk.minBytes`). */
  minBytes: number;
  /** `--wipe`: existing partition tables and filesystems may be overwritten. */
  wipe: boolean;
}

export interface InstallPlan {
  target: Pick<TargetInfo, 'path' | 'kind' | 'bytes' | 'signatures'> & {
    inUse: string[];
    partitionOf?: string;
  };
  image: string;
  recipe: string;
  /** The disk the build lays out: the target rounded down to a whole MiB. */
  diskBytes: number;
  minBytes: number;
  wipe: boolean;
  /** Why the target will not be written (each reason, joined); absent when it may be. */
  refusal?: string;
}

/** The disk built for a target of `bytes`: rounded down to a whole MiB. */
export function diskBytesFor(bytes: number): number {
  return wholeMiB(bytes) * MiB;
}

export function planInstall(i: InstallPlanInput): InstallPlan {
  const t = i.target;
  const diskBytes = diskBytesFor(t.bytes);
  const reasons: string[] = [];
  if (t.partitionOf !== undefined)
    reasons.push(
      `${t.path} is a partition of ${t.partitionOf}: install to-disk takes a whole disk`,
    );
  // boot-test and run take a file's format from its name: a raw disk must not look like another.
  const format = t.kind === 'file' ? /\.(qcow2|vmdk|vdi)$/i.exec(t.path)?.[1] : undefined;
  if (format !== undefined)
    reasons.push(
      `${t.path} is named as a ${format} image, but install to-disk writes a raw disk: use a .raw or .img file`,
    );
  if (t.inUse.length > 0)
    reasons.push(`${t.path} is in use (${t.inUse.join('; ')}): stop using it first`);
  if (diskBytes < i.minBytes)
    reasons.push(
      `${t.path} is too small: ${wholeMiB(t.bytes)} MiB, the image needs at least ${wholeMiB(i.minBytes)} MiB`,
    );
  if (t.signatures.length > 0 && !i.wipe)
    reasons.push(
      `${t.path} holds a partition table/filesystem (${signatureList(t.signatures)}); pass --wipe to overwrite`,
    );
  return {
    target: {
      path: t.path,
      kind: t.kind,
      bytes: t.bytes,
      signatures: t.signatures,
      inUse: t.inUse,
      ...(t.partitionOf !== undefined ? { partitionOf: t.partitionOf } : {}),
    },
    image: i.image,
    recipe: i.recipe,
    diskBytes,
    minBytes: i.minBytes,
    wipe: i.wipe,
    ...(reasons.length > 0 ? { refusal: reasons.join('; ') } : {}),
  };
}

/** The signatures' types, each once, in the order wipefs found them: "gpt, PMBR". */
export function signatureList(sigs: readonly Signature[]): string {
  return [...new Set(sigs.map((s) => s.type))].join(', ');
}

/** Human-readable plan (what `install to-disk --dry-run` prints). */
export function formatInstallPlan(p: InstallPlan, dryRun: boolean): string {
  const t = p.target;
  const lines = [
    `install plan${dryRun ? ' (dry run: the OS size is estimated, nothing written)' : ''}`,
    `  target     ${t.path} (${t.kind === 'block' ? 'block device' : 'regular file'}, ${formatSize(t.bytes)}, ${t.bytes} bytes)`,
    `  contents   ${
      t.signatures.length === 0
        ? 'no partition table or filesystem signature'
        : t.signatures.map((s) => `${s.type} at 0x${s.offset.toString(16)}`).join(', ')
    }`,
  ];
  if (t.inUse.length > 0) lines.push(`  in use     ${t.inUse.join('; ')}`);
  lines.push(
    `  image      ${p.image}`,
    `  recipe     ${p.recipe}`,
    `  disk       ${formatSize(p.diskBytes)} (GPT; the root partition takes all but the fixed ones)`,
    `  needs      at least ${formatSize(p.minBytes)}`,
    `  wipe       ${p.wipe ? 'yes' : 'no'}`,
  );
  lines.push(p.refusal ? `  refused    ${p.refusal}` : '  ok         the target may be written');
  return `${lines.join('\n')}\n`;
}

const wholeMiB = (bytes: number) => Math.floor(bytes / MiB);

/**
 * The argv that writes the built raw disk onto the target. `-n`: the target exists and is
 * not created, so qemu-img cannot assume it reads as zeroes and writes zeroes (BLKZEROOUT on a
 * block device, a punched hole in a file) where the image has holes: nothing of the old
 * contents survives inside the disk. The cache mode is set because convert's default,
 * `unsafe`, never flushes: qemu-img would return with the disk still in the page cache (a USB
 * stick pulled then holds a torn image). A block device is written with `none` (O_DIRECT:
 * through the cache, without flooding it); a file with `writeback`, as O_DIRECT fails on tmpfs;
 * both end with an fdatasync before qemu-img exits (checked with strace; `unsafe` has none).
 */
export function writeArgv(raw: string, target: string, kind: TargetInfo['kind']): string[] {
  const cache = kind === 'block' ? 'none' : 'writeback';
  return ['qemu-img', 'convert', '-n', '-t', cache, '-f', 'raw', '-O', 'raw', raw, target];
}
