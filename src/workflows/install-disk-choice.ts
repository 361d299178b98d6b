/**
 * Which disk the installer ISO installs onto when the recipe says `installer.device: auto`
 * (pure): the first whole disk in lsblk's order (the kernel's: sda, …, vda, …, nvme0n1, …)
 * that is fixed (not removable: a USB stick or card is only ever named), writable, large
 * enough and free (nothing on it mounted, so never the medium the installer runs from), and,
 * unless the recipe allows wiping (`installer.wipe`), blank: a disk holding partitions or a
 * filesystem is passed over for a later blank one, not refused outright.
 */
import { z } from 'zod';

/** One node of `lsblk --json --bytes --output PATH,TYPE,SIZE,RO,RM,FSTYPE,MOUNTPOINTS` (util-linux ≥ 2.37). */
export interface BlockNode {
  path: string;
  type: string;
  size: number;
  ro: boolean;
  /** Removable media (USB sticks, card readers). */
  rm: boolean;
  fstype: string | null;
  mountpoints: (string | null)[];
  children?: BlockNode[];
}

const Node: z.ZodType<BlockNode> = z.lazy(() =>
  z.object({
    path: z.string(),
    type: z.string(),
    size: z.number(),
    ro: z.boolean(),
    rm: z.boolean(),
    fstype: z.string().nullable().default(null),
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
  'PATH,TYPE,SIZE,RO,RM,FSTYPE,MOUNTPOINTS',
];

export function parseLsblk(stdout: string): BlockNode[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(`lsblk --json printed no JSON: ${stdout.slice(0, 200)}`);
  }
  const parsed = LsblkOutput.safeParse(doc);
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

/**
 * What a disk holds: the partition-table and filesystem signatures wipefs found on it (the
 * same probe install to-disk refuses by; lsblk's view depends on what udev has recorded), else
 * the partitions or filesystem lsblk shows.
 */
function contents(d: BlockNode, signatures: readonly string[]): string | undefined {
  if (signatures.length) return [...new Set(signatures)].join(', ');
  if (d.children?.length) return `${d.children.length} partition(s)`;
  return d.fstype ? `a ${d.fstype} filesystem` : undefined;
}

/** The whole disks chooseDisk looks at (wipefs is run on each of them first). */
export function candidateDisks(devices: BlockNode[]): BlockNode[] {
  // rom (the CD), loop; zram devices are disks in RAM (swap, /tmp).
  return devices.filter((d) => d.type === 'disk' && !/^\/dev\/zram\d+$/.test(d.path));
}

export function chooseDisk(
  devices: BlockNode[],
  minBytes: number,
  wipe: boolean,
  /** Signature types wipefs found, per disk path (none: blank). */
  signatures: Record<string, readonly string[]> = {},
): DiskChoice {
  const passed: DiskChoice['passed'] = [];
  for (const d of candidateDisks(devices)) {
    const mounts = mountsBelow(d);
    const held = contents(d, signatures[d.path] ?? []);
    const why = d.ro
      ? 'read-only'
      : mounts.length > 0
        ? `in use (mounted on ${mounts.join(', ')})`
        : d.rm
          ? 'removable (name it in installer.device to install there)'
          : d.size < minBytes
            ? `too small (${(d.size / GiB).toFixed(1)} GiB, the image needs ${(minBytes / GiB).toFixed(1)} GiB)`
            : held && !wipe
              ? `not blank (${held}; installer.wipe: true allows overwriting it)`
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
