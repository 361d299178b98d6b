/**
 * What `install to-disk` needs to know about its target before planning: the resolved path,
 * whether it is a block device or a regular file, its size, the signatures on it (wipefs) and
 * whether anything uses it (mounts, swap, device-mapper/md holders, loop devices). Reading
 * only: nothing here writes to the target.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { unescapeMountPath } from '../core/workdir.ts';
import type { Signature, TargetInfo } from './install-plan.ts';

/** The target's real path and kind; anything but a block device or a regular file is refused. */
export function resolveTarget(given: string): { path: string; kind: 'block' | 'file' } {
  let path: string;
  try {
    path = realpathSync(given);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(
        `${given} does not exist: install to-disk writes onto a block device or an existing disk image file (truncate -s 20G FILE makes one)`,
      );
    throw new UsageError(`${given}: ${(e as Error).message}`);
  }
  const st = statSync(path);
  if (st.isBlockDevice()) return { path, kind: 'block' };
  if (st.isFile()) return { path, kind: 'file' };
  throw new UsageError(`${given} is neither a block device nor a regular file`);
}

/** Everything install needs to know about the target (block device or file). */
export async function inspectTarget(sc: StepContext, given: string): Promise<TargetInfo> {
  const { path, kind } = resolveTarget(given);
  const bytes = kind === 'file' ? statSync(path).size : await blockDeviceBytes(sc, path);
  const signatures = parseWipefs((await run(sc, ['wipefs', '--no-act', '--json', path])).stdout);
  const usage = kind === 'block' ? blockDeviceUsage(path) : { inUse: loopDevicesOf(path) };
  return { path, kind, bytes, signatures, ...usage };
}

async function blockDeviceBytes(sc: StepContext, path: string): Promise<number> {
  const out = (await run(sc, ['blockdev', '--getsize64', path])).stdout.trim();
  const bytes = Number(out);
  if (!/^\d+$/.test(out) || !Number.isSafeInteger(bytes))
    throw new Error(`blockdev --getsize64 ${path} printed ${JSON.stringify(out)}`);
  return bytes;
}

/**
 * util-linux 2.38 (bookworm) prints `{"signatures": [{"device", "offset": "0x438", "type":
 * "ext4", "uuid", "label"}, …]}`, an empty list for a blank target; a GPT shows as `gpt` twice
 * (primary and backup header) and `PMBR`, an MBR as `dos`.
 */
const WipefsOutput = z.object({
  signatures: z.array(
    z.object({
      offset: z.string().regex(/^0x[0-9a-f]+$/i),
      type: z.string(),
      uuid: z.string().nullish(),
      label: z.string().nullish(),
    }),
  ),
});

export function parseWipefs(stdout: string): Signature[] {
  if (stdout.trim() === '') return [];
  const parsed = WipefsOutput.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new Error(`wipefs --json printed an unexpected document: ${stdout}`);
  return parsed.data.signatures.map((s) => ({
    type: s.type,
    offset: Number.parseInt(s.offset, 16),
    ...(s.uuid ? { uuid: s.uuid } : {}),
    ...(s.label ? { label: s.label } : {}),
  }));
}

/** `major:minor` of a device number as Linux encodes st_rdev (glibc's major()/minor()). */
export function devNumber(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n);
  return `${major}:${minor}`;
}

/** `major:minor` of the block device at `path`, or undefined when it is none. */
function blockDevNumber(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return st.isBlockDevice() ? devNumber(st.rdev) : undefined;
  } catch {
    return undefined;
  }
}

/** A block device in sysfs: its partitions (`major:minor` → name), holders, parent disk. */
export interface SysBlock {
  name: string;
  devs: Map<string, string>;
  holders: string[];
  /** The disk this device is a partition of. */
  parent?: string;
}

/** Read `/sys/dev/block/MAJ:MIN` (its partitions are the subdirectories with a `partition` file). */
export function readSysBlock(dir: string, dev: string): SysBlock {
  const name = basename(dir);
  const devs = new Map([[dev, name]]);
  const holders = readdirOrEmpty(join(dir, 'holders')).map((h) => `held by ${h}`);
  for (const e of readdirOrEmpty(dir)) {
    const part = join(dir, e);
    if (!existsSync(join(part, 'partition'))) continue;
    devs.set(readFileSync(join(part, 'dev'), 'utf8').trim(), e);
    holders.push(...readdirOrEmpty(join(part, 'holders')).map((h) => `${e} held by ${h}`));
  }
  const parent = existsSync(join(dir, 'partition')) ? basename(dirname(dir)) : undefined;
  return { name, devs, holders, ...(parent ? { parent } : {}) };
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * Mounts of any of `devs` (`major:minor` → name) in /proc/self/mountinfo: by the device number
 * of the mount, or by its source (a btrfs mount shows an anonymous 0:N device number).
 */
export function mountsOf(
  mountinfo: string,
  devs: ReadonlyMap<string, string>,
  devOfSource: (source: string) => string | undefined = blockDevNumber,
): string[] {
  const found: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0) continue;
    const source = unescapeMountPath(f[sep + 2] ?? '');
    const dev = devs.has(f[2] ?? '')
      ? f[2]
      : source.startsWith('/')
        ? devOfSource(source)
        : undefined;
    const name = dev === undefined ? undefined : devs.get(dev);
    if (name !== undefined)
      found.push(`${name} mounted at ${unescapeMountPath(f[4] ?? '')} (${f[sep + 1]})`);
  }
  return found;
}

/** Swap areas in /proc/swaps on any of `devs`. */
export function swapsOn(
  swaps: string,
  devs: ReadonlyMap<string, string>,
  devOf: (path: string) => string | undefined = blockDevNumber,
): string[] {
  return swaps
    .split('\n')
    .slice(1)
    .map((l) => unescapeMountPath(l.split(/\s+/)[0] ?? ''))
    .filter((p) => p !== '')
    .flatMap((p) => {
      const name = devs.get(devOf(p) ?? '');
      return name === undefined ? [] : [`${name} is swap`];
    });
}

/** Whether the block device or any of its partitions is mounted, swap or held; its disk. */
export function blockDeviceUsage(path: string): Pick<TargetInfo, 'inUse' | 'partitionOf'> {
  const dev = blockDevNumber(path);
  if (dev === undefined) throw new UsageError(`${path} is not a block device`);
  const link = `/sys/dev/block/${dev}`;
  // Without sysfs the partitions cannot be listed, nor checked: stop rather than guess.
  if (!existsSync(link))
    throw new Error(`cannot inspect ${path}: ${link} is missing (is /sys mounted?)`);
  const sys = readSysBlock(realpathSync(link), dev);
  const inUse = [
    ...mountsOf(readFileSync('/proc/self/mountinfo', 'utf8'), sys.devs),
    ...swapsOn(readOrEmpty('/proc/swaps'), sys.devs),
    ...sys.holders,
  ];
  return { inUse, ...(sys.parent ? { partitionOf: `/dev/${sys.parent}` } : {}) };
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Loop devices whose backing file is `path` (a file attached to one may be mounted). */
export function loopDevicesOf(path: string, sysBlock = '/sys/block'): string[] {
  const target = statSync(path);
  return readdirOrEmpty(sysBlock)
    .filter((d) => d.startsWith('loop'))
    .flatMap((d) => {
      const backing = readOrEmpty(join(sysBlock, d, 'loop', 'backing_file')).trim();
      if (backing === '') return [];
      try {
        const st = statSync(backing);
        return st.dev === target.dev && st.ino === target.ino ? [`attached to /dev/${d}`] : [];
      } catch {
        return [];
      }
    });
}
