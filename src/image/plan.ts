/**
 * The build plan (`<name>.plan.json`): what `build` makes, as data. `planImage` is pure: the dry
 * run prints it with estimates and placeholders, the build computes it again once the OS size,
 * commit and users are known, assembles the disk from its partition table and writes it next
 * to the images.
 */
import { join } from 'node:path';
import type { StepTiming } from '../core/context.ts';
import { formatImageRef, type ImageRef } from '../core/image-ref.ts';
import { originReference, type TargetImage } from '../ostree/container.ts';
import { isValidRef } from '../ostree/repo.ts';
import type { Recipe } from '../recipe/schema.ts';
import { isCryptHash } from './accounts.ts';
import type { AutologinResult } from './autologin.ts';
import type { CustomizeResult } from './customize.ts';
import { type DiskIds, diskLayout } from './disk-size.ts';
import type { ImageType } from './formats.ts';
import type { PartitionPlan } from './partitions.ts';
import { OS_NAME, UPDATE_REMOTE } from './sysroot.ts';

export interface BuildPlan {
  recipe: string;
  image: { ref: string; manifestDigest: string; labels: Record<string, string> };
  /** `minBytes`: the smallest disk.size the OS fits on (estimated in a dry run). */
  disk: { bytes: number; minBytes: number; guid: string; partitions: PartitionPlan[] };
  bootloader: { bios: string; uefi: string; menu: string };
  deployment: { os: string; ref: string; commit: string; version?: string; kargs: string[] };
  update?: { remote: string; url: string; refspec: string };
  /** The image the installed system follows (particle-os upgrade), and its origin line. */
  target?: { transport: TargetImage['transport']; image: string; origin: string };
  hostname?: string;
  users: CustomizeResult['users'];
  /** The recipe's groups (gid -1 in a dry run when the recipe leaves it to the build). */
  groups: CustomizeResult['groups'];
  /** The recipe's directories and files in /etc (modes as four octal digits; owner as given). */
  directories: PlannedPath[];
  files: (PlannedPath & { bytes: number })[];
  /** The units the recipe enables, disables and masks, as it names them. */
  services: Recipe['services'];
  /** The display manager's autologin (a dry run knows only the user and requested session). */
  autologin?: Partial<AutologinResult> & { user: string };
  timezone?: string;
  locale?: string;
  outputs: { type: ImageType; file: string; bytes: number; seconds?: number }[];
  /** Wall time of each build step (a real build only). */
  steps?: StepTiming[];
  /** Set by --dry-run: sizes are estimates and nothing was written. */
  estimated?: boolean;
}

/** A directory or file the recipe makes; user and group absent: root for new ones. */
export interface PlannedPath {
  path: string;
  mode: string;
  user?: string | number;
  group?: string | number;
}

export interface PlanInput {
  source: ImageRef;
  manifestDigest: string;
  labels: Record<string, string>;
  recipe: Recipe;
  types: ImageType[];
  outputDir: string;
  updateUrl?: string;
  target?: TargetImage;
  ids: DiskIds;
  /** Bytes the OS takes in the sysroot (measured, or estimated for a dry run). */
  osBytes: number;
  /** The deployed commit and the image's kargs.d arguments (placeholders in a dry run). */
  commit: string;
  imageKargs: string[];
  users: CustomizeResult['users'];
  groups: CustomizeResult['groups'];
  /** What customize wrote (a real build); a dry run plans the recipe's request. */
  autologin?: AutologinResult;
}

/** The deployment's name and version, from the image's labels. */
export function deploymentOf(labels: Record<string, string>): {
  ref: string;
  version?: string;
  /** Seconds since 1970 of org.opencontainers.image.created. */
  timestamp?: number;
} {
  const title = labels['org.opencontainers.image.title'];
  const created = labels['org.opencontainers.image.created'];
  return {
    ref: title && isValidRef(title) ? title : 'particle-os/image',
    version: labels['org.opencontainers.image.version'],
    timestamp: created ? Math.floor(Date.parse(created) / 1000) : undefined,
  };
}

/** The kernel command line: the root, the image's kargs.d, the serial console, the recipe's. */
export function kernelArgs(ids: DiskIds, imageKargs: string[], recipe: Recipe): string[] {
  return [
    `root=UUID=${ids.root}`,
    'rw',
    ...imageKargs,
    'console=tty0',
    'console=ttyS0,115200n8',
    ...recipe.kernel.append,
  ];
}

/** The users a recipe will add, as the plan reports them before they exist (uid -1). */
export function plannedUsers(recipe: Recipe): CustomizeResult['users'] {
  return recipe.users.map((u) => ({
    name: u.name,
    uid: -1,
    groups: [...u.groups, ...(u.admin ? ['sudo'] : [])],
    sshKeys: u['ssh-keys'].length,
    password:
      u.password === undefined ? 'none' : isCryptHash(u.password) ? 'hash' : 'hashed-at-build',
  }));
}

/** The groups a recipe will add, as the plan reports them before they exist (gid -1 unless given). */
export function plannedGroups(recipe: Recipe): CustomizeResult['groups'] {
  return recipe.groups.map((g) => ({ name: g.name, gid: g.gid ?? -1 }));
}

/** A recipe's mode ("644", "0644") as four octal digits. */
const octal = (mode: string) => Number.parseInt(mode, 8).toString(8).padStart(4, '0');

/** The recipe's directories and files as the plan lists them (file contents are not shown). */
export function plannedPaths(recipe: Recipe): Pick<BuildPlan, 'directories' | 'files'> {
  const owner = (n: { user?: string | number; group?: string | number }) => ({
    ...(n.user === undefined ? {} : { user: n.user }),
    ...(n.group === undefined ? {} : { group: n.group }),
  });
  return {
    directories: recipe.directories.map((d) => ({
      path: d.path,
      mode: octal(d.mode),
      ...owner(d),
    })),
    files: recipe.files.map((f) => ({
      path: f.path,
      mode: octal(f.mode),
      ...owner(f),
      bytes: Buffer.byteLength(f.content),
    })),
  };
}

export function planImage(i: PlanInput): BuildPlan {
  const { ref, version } = deploymentOf(i.labels);
  const { diskBytes, minBytes, partitions } = diskLayout(i.osBytes, i.recipe, i.ids);
  return {
    recipe: i.recipe.file,
    image: { ref: formatImageRef(i.source), manifestDigest: i.manifestDigest, labels: i.labels },
    disk: { bytes: diskBytes, minBytes, guid: i.ids.disk, partitions },
    bootloader: {
      bios: 'GRUB 2.14 i386-pc (core.img in BIOS-boot partition)',
      uefi: 'GRUB 2.14 x86_64-efi (\\EFI\\BOOT\\BOOTX64.EFI)',
      menu: 'blscfg (ostree BLS entries on /boot)',
    },
    deployment: {
      os: OS_NAME,
      ref,
      commit: i.commit,
      version,
      kargs: kernelArgs(i.ids, i.imageKargs, i.recipe),
    },
    hostname: i.recipe.hostname,
    users: i.users,
    groups: i.groups,
    ...plannedPaths(i.recipe),
    services: {
      enabled: [...i.recipe.services.enabled],
      disabled: [...i.recipe.services.disabled],
      masked: [...i.recipe.services.masked],
    },
    autologin:
      i.autologin ??
      (i.recipe.autologin && {
        user: i.recipe.autologin.user,
        session: i.recipe.autologin.session,
      }),
    timezone: i.recipe.timezone,
    locale: i.recipe.locale,
    target: i.target && {
      transport: i.target.transport,
      image: i.target.name,
      origin: `container-image-reference=${originReference(i.target)}`,
    },
    update: i.updateUrl
      ? { remote: UPDATE_REMOTE, url: i.updateUrl, refspec: `${UPDATE_REMOTE}:${ref}` }
      : undefined,
    outputs: i.types.map((type) => ({
      type,
      file: join(i.outputDir, `${i.recipe.name}.${type}`),
      bytes: 0,
    })),
  };
}
