/**
 * Which disk the installer ISO installs onto when the recipe says `installer.device: auto`
 * (pure). Like Anaconda's and coreos-installer's automatic choice: the first whole disk, in
 * the kernel's order, that is writable, large enough and free (nothing on it mounted: the
 * medium the installer runs from is mounted, so it is never chosen). Whether a disk holding
 * partitions may be overwritten is install to-disk's own check (recipe `installer.wipe`).
 */
import { z } from 'zod';

/** One node of `lsblk --json --bytes --output PATH,TYPE,SIZE,RO,MOUNTPOINTS` (util-linux ≥ 2.37). */
export interface BlockNode {
  path: string;
  type: string;
  size: number;
  ro: boolean;
  mountpoints: (string | null)[];
  children?: BlockNode[];
}

const Node: z.ZodType<BlockNode> = z.lazy(() =>
  z.object({
    path: z.string(),
    type: z.string(),
    size: z.number(),
    ro: z.boolean(),
    mountpoints: z.array(z.string().nullable()).default([]),
    children: z.array(Node).optional(),
  }),
);

const LsblkOutput = z.object({ blockdevices: z.array(Node) });

/** The argv whose output parseLsblk reads. */
export const LSBLK_ARGV = [
  'lsblk',
  '--json',
  '--bytes',
  '--output',
  'PATH,TYPE,SIZE,RO,MOUNTPOINTS',
];

export function parseLsblk(stdout: string): BlockNode[] {
  const parsed = LsblkOutput.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new Error(`lsblk --json printed an unexpected document: ${stdout}`);
  return parsed.data.blockdevices;
}

/** Mount points anywhere in the node's tree (its partitions, their holders). */
function mountsBelow(n: BlockNode): string[] {
  return [
    ...n.mountpoints.filter((m): m is string => m !== null),
    ...(n.children ?? []).flatMap(mountsBelow),
  ];
}

export interface DiskChoice {
  /** The disk chosen, absent when none qualifies. */
  path?: string;
  /** Every whole disk looked at and why it was passed over. */
  passed: { path: string; why: string }[];
}

const GiB = 2 ** 30;

export function chooseDisk(devices: BlockNode[], minBytes: number): DiskChoice {
  const passed: DiskChoice['passed'] = [];
  for (const d of devices) {
    // rom (the CD), loop; zram devices are disks in RAM (swap, /tmp).
    if (d.type !== 'disk' || /^\/dev\/zram\d+$/.test(d.path)) continue;
    const mounts = mountsBelow(d);
    const why = d.ro
      ? 'read-only'
      : mounts.length > 0
        ? `in use (mounted on ${mounts.join(', ')})`
        : d.size < minBytes
          ? `too small (${(d.size / GiB).toFixed(1)} GiB, the image needs ${(minBytes / GiB).toFixed(1)} GiB)`
          : undefined;
    if (why === undefined) return { path: d.path, passed };
    passed.push({ path: d.path, why });
  }
  return { passed };
}

/** The message when no disk qualifies: each disk and why it was passed over. */
export function noDiskMessage(choice: DiskChoice): string {
  if (choice.passed.length === 0) return 'no disk to install onto: this machine shows no disk';
  return `no disk to install onto: ${choice.passed.map((p) => `${p.path} is ${p.why}`).join('; ')}`;
}
