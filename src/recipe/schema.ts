/**
 * The image recipe (`recipes/*.yml`): how the disk built from a bootc image looks. The schema
 * and the defaults it implies; loading is in load.ts, bootc-image-builder configs in
 * bib-config.ts.
 */
import { z } from 'zod';
import { kernelArgs, verbatimUrl } from '../core/values.ts';
import { parseTargetImage } from '../ostree/container.ts';
import {
  DirectorySchema,
  duplicates,
  FileSchema,
  GroupSchema,
  ServicesSchema,
  UserName,
  UserSchema,
} from './etc-schema.ts';

/** Root filesystems the image builder can make (loop-free: mkfs -d, mkfs.xfs -p, mkfs.btrfs --rootdir). */
export const ROOT_FILESYSTEMS = ['ext4', 'xfs', 'btrfs'] as const;
export type RootFilesystem = (typeof ROOT_FILESYSTEMS)[number];

/** A host name or a fully qualified one (`builder.example.org`): RFC 1123 labels joined by ".". */
const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

const MiB = 2 ** 20;
/** The fixed partitions of every disk: the ESP and /boot (bytes). */
export const DEFAULT_SIZES = { espBytes: 128 * MiB, bootBytes: 1024 * MiB };

/**
 * Units as bootc-image-builder takes them: decimal kB/KB, MB, GB, TB and binary KiB, MiB, GiB,
 * TiB, with or without a space ("12 GB", "12GiB"); K, M, G, T alone are binary (our own form).
 */
const UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  K: 2 ** 10,
  KiB: 2 ** 10,
  M: 2 ** 20,
  MiB: 2 ** 20,
  G: 2 ** 30,
  GiB: 2 ** 30,
  T: 2 ** 40,
  TiB: 2 ** 40,
};
const SIZE_RE = new RegExp(`^(\\d+(?:\\.\\d+)?)\\s*(${Object.keys(UNITS).join('|')})?$`);

/** Bytes of a size: a number of bytes or a string with one of UNITS. */
export function parseSize(s: string | number): number {
  if (typeof s === 'number') return s;
  const m = s.trim().match(SIZE_RE);
  if (!m) throw new Error(`not a size: ${s}`);
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 'B'] ?? 1));
}

/** A size as the recipe and config.toml write it (the error lists what is understood). */
export const SizeSchema = z
  .union([
    z.number().int().positive(),
    z
      .string()
      .trim()
      .regex(
        SIZE_RE,
        'expected a size like 4G, 4096M, 10GiB or "12 GB" (units: kB MB GB TB decimal; KiB MiB GiB TiB or K M G T binary)',
      ),
  ])
  .describe(
    'Size in bytes or with a unit: kB, MB, GB, TB (decimal); KiB, MiB, GiB, TiB or K, M, G, T (binary)',
  );
const Size = SizeSchema;

export type { RecipeUser } from './etc-schema.ts';

export const RecipeSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_", "-" only')
      .describe('Base name of the output files'),
    hostname: z
      .string()
      .max(253, 'not a valid hostname (at most 253 characters)')
      .regex(HOSTNAME_RE, 'not a valid hostname (labels of a-z, 0-9, "-", separated by ".")')
      .optional()
      .describe(
        'Static hostname (or a fully qualified name) written to /etc/hostname of the deployment',
      ),
    disk: z
      .strictObject({
        size: Size.optional().describe('Whole disk size; default: room for twice the OS'),
        rootfs: z
          .enum(ROOT_FILESYSTEMS)
          .default('ext4')
          .describe('Filesystem of the root partition (the OSTree sysroot): ext4, xfs or btrfs'),
      })
      .default({ rootfs: 'ext4' })
      .describe('Disk layout'),
    kernel: z
      .strictObject({
        append: kernelArgs()
          .default([])
          .describe(
            'Extra kernel arguments: a list, or one command line split at spaces outside double quotes (as bootc-image-builder takes it)',
          ),
      })
      .default({ append: [] })
      .describe('Kernel command line'),
    users: z.array(UserSchema).default([]).describe('Users created in /etc of the deployment'),
    autologin: z
      .union([
        UserName.transform((user) => ({ user, session: undefined })),
        z.strictObject({
          user: UserName.describe('The user logged in at boot'),
          session: z
            .string()
            .regex(/^[A-Za-z0-9_.+-]+$/, 'a session file name like plasma or gnome-xorg')
            .optional()
            .describe(
              'Session file name (without .desktop) in /usr/share/wayland-sessions or xsessions; default: the only Wayland session, else the only X11 one (GDM: its own default)',
            ),
        }),
      ])
      .optional()
      .describe(
        'The display manager (GDM, LightDM, SDDM, greetd) logs this user into the desktop at boot, without a greeter: a user name, or {user, session}. The user comes from users: or the image; kiosks and desktop tests use it',
      ),
    timezone: z
      .string()
      .regex(/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/, 'not a time zone name like Europe/Berlin')
      .optional()
      .describe('Time zone (a name under /usr/share/zoneinfo), e.g. Europe/Berlin'),
    locale: z
      .string()
      .regex(/^[A-Za-z0-9_.@-]+$/, 'not a locale name like en_US.UTF-8')
      .optional()
      .describe(
        'System locale (LANG), e.g. en_US.UTF-8: other than C, C.UTF-8 or POSIX, the image must have it compiled (the treefile’s locales, or the package locales-all); build checks before writing anything',
      ),
    groups: z
      .array(GroupSchema)
      .default([])
      .describe('Groups created in /etc of the deployment (before the users, who may join them)'),
    files: z
      .array(FileSchema)
      .default([])
      .describe('Extra files written into /etc of the deployment'),
    directories: z
      .array(DirectorySchema)
      .default([])
      .describe('Directories created in /etc of the deployment (before the files)'),
    services: ServicesSchema.default({ enabled: [], disabled: [], masked: [] }).describe(
      'systemd units enabled, disabled or masked in /etc of the deployment; each must exist in the image or be a unit file the recipe’s files write into /etc/systemd/system',
    ),
    update: z
      .strictObject({
        url: verbatimUrl(['http', 'https'])
          .optional()
          .describe(
            'Archive repo URL (http/https) the system upgrades from with ostree admin upgrade',
          ),
        image: z
          .string()
          .regex(/^[^\s\p{Cc}=]+$/u, 'no whitespace, control characters or "="')
          .superRefine((v, ctx) => {
            try {
              parseTargetImage(v);
            } catch (e) {
              ctx.addIssue({ code: 'custom', message: (e as Error).message });
            }
          })
          .optional()
          .describe(
            'The bootc image the system follows with particle-os upgrade: HOST/PATH:TAG (a registry), oci:/PATH[:TAG] or oci-archive:/PATH',
          ),
      })
      .refine((u) => !(u.url && u.image), {
        message: 'set url (an OSTree remote) or image (a bootc image), not both',
      })
      .optional()
      .describe('Where the installed system gets its updates from'),
    installer: z
      .strictObject({
        device: z
          .string()
          .regex(/^(auto|\/dev\/[A-Za-z0-9._:/-]+)$/, 'auto or a device path like /dev/nvme0n1')
          .refine((d) => !d.split('/').includes('..'), 'a device path below /dev, without ".."')
          .default('auto')
          .describe(
            'The disk the installer ISO installs onto: auto (the first disk that is not the installer medium, not read-only and large enough) or a device path like /dev/sda',
          ),
        wipe: z
          .boolean()
          .default(false)
          .describe(
            'Overwrite a disk that holds partitions or filesystems (default false: such a disk is refused)',
          ),
      })
      .optional()
      .describe(
        'How the installer ISO (build --type iso) installs the image; other types warn that it does not apply',
      ),
  })
  .superRefine((r, ctx) => {
    // Names, ids, homes and paths each name one thing: a second one would silently win.
    const homes = r.users.map((u) => (u.home ?? `/home/${u.name}`).replace(/^\/var\//, '/'));
    const checks = [
      ['users', duplicates(r.users, (u) => u.name, 'name'), 'name'],
      ['users', duplicates(r.users, (u) => u.uid, 'uid'), 'uid'],
      ['users', duplicates(homes, (h) => h, 'home'), 'home'],
      ['groups', duplicates(r.groups, (g) => g.name, 'name'), 'name'],
      ['groups', duplicates(r.groups, (g) => g.gid, 'gid'), 'gid'],
      ['files', duplicates(r.files, (f) => f.path, 'path'), 'path'],
      ['directories', duplicates(r.directories, (d) => d.path, 'path'), 'path'],
    ] as const;
    for (const [list, found, key] of checks)
      for (const d of found)
        ctx.addIssue({ code: 'custom', path: [list, d.index, key], message: d.message });
    // A home inside another user's home would be made in it, or find itself made already.
    for (const [i, h] of homes.entries()) {
      const j = homes.findIndex((o) => h.startsWith(`${o}/`));
      if (j >= 0)
        ctx.addIssue({
          code: 'custom',
          path: ['users', i, 'home'],
          message: `${h} is inside the home of item ${j} (${homes[j]})`,
        });
    }
  })
  .describe('particle-os image recipe: how the disk image is laid out and configured');

export type Recipe = z.infer<typeof RecipeSchema> & { file: string };
