/**
 * bootc-image-builder's `config.toml` / `config.json` customizations, accepted as a recipe so
 * its users can bring their existing configs. Every key bootc-image-builder's blueprint format
 * documents is either mapped onto the recipe model (users, groups, kernel append, the root's
 * minimum size and filesystem, the whole disk's minimum size, hostname, timezone, locale, files, directories, services, sshd) or refused
 * with the reason and what to use instead (REFUSED); any other key is an unknown-key error.
 * Nothing is accepted and dropped. `wheel` (Fedora's admin group) maps to `admin: true`
 * (Debian's sudo group).
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { InputError, type InputIssue } from '../core/errors.ts';
import { kernelCommandLine } from '../core/values.ts';
import { keyPath } from '../core/yaml-issues.ts';
import {
  DEFAULT_SIZES,
  parseSize,
  type Recipe,
  RecipeSchema,
  ROOT_FILESYSTEMS,
  type RootFilesystem,
  SizeSchema,
} from './schema.ts';

/**
 * Keys of bootc-image-builder's format that cannot work here, each with why and what to use
 * instead. The schema accepts none of them; docs/recipe.md lists them with these reasons.
 */
export const REFUSED: Record<string, string> = {
  name: 'blueprint metadata: nothing here uses it (the outputs are named after their type); remove it',
  description: 'blueprint metadata: nothing here uses it; remove it',
  version: 'blueprint metadata: nothing here uses it; remove it',
  distro: 'the distribution is the bootc image’s own; remove it',
  architecture: 'the architecture is the bootc image’s own; remove it',
  packages: 'packages come with the bootc image: add them to its treefile',
  modules: 'packages come with the bootc image: add them to its treefile',
  groups:
    'package groups come with the bootc image (its treefile); user groups are [[customizations.group]]',
  enabled_modules: 'DNF modules do not exist on Debian; packages come from the treefile',
  containers: 'embedding container images is not supported; pull them at first boot',
  'customizations.kernel.name':
    'the kernel is the bootc image’s own: install another kernel package in its treefile',
  'customizations.sshkey':
    'deprecated by bootc-image-builder: put the key into [[customizations.user]] key',
  'customizations.disk.partitions[].name':
    'an LVM volume group name: the root is a plain partition, without LVM; use type = "plain"',
  'customizations.disk.partitions[].logical_volumes':
    'LVM logical volumes: the root is a plain partition, without LVM; use type = "plain" with mountpoint = "/"',
  'customizations.disk.partitions[].subvolumes':
    'btrfs subvolumes: the root is a plain partition; for a btrfs root use type = "plain" with fs_type = "btrfs"',
  'customizations.fdo':
    'FIDO Device Onboarding needs an FDO client in the image, which Debian images do not have',
  'customizations.openscap':
    'OpenSCAP remediation at build time uses Fedora/RHEL SCAP content; harden the image in its treefile',
  'customizations.ignition':
    'Ignition is not part of Debian images: provision with cloud-init in the image, or with customizations.files',
  'customizations.firewall':
    'firewalld zones are not written at build time: write their XML under /etc/firewalld with customizations.files (the image needs firewalld)',
  'customizations.repositories':
    'the installed system is immutable: its packages come from the treefile’s apt sources, not from repositories configured on it',
  'customizations.fips': 'Debian has no FIPS mode (no FIPS-validated crypto modules)',
  'customizations.installer':
    'the Anaconda kickstart and modules: the installer ISO is particle-os’s own, configured by a YAML recipe’s installer: (device, wipe)',
  'customizations.rpm':
    'RPM signing keys: Debian images check packages with the treefile’s apt keys',
  'customizations.rhsm': 'Red Hat Subscription Manager exists on RHEL only',
  'customizations.cacerts':
    'CA certificates belong in the image’s trust store, which update-ca-certificates builds: add them in the treefile',
  'customizations.containers-storage': 'embedding container images is not supported',
  'customizations.firstboot':
    'first-boot scripts: ship a systemd unit that runs once in the image (treefile) instead',
  'customizations.dnf': 'DNF settings: Debian images use apt',
  'customizations.iso':
    'Anaconda ISO labels: the installer ISO (build --type iso) names itself; remove it',
  'customizations.files[].uri':
    'a file of the build host would be copied into the image: put its content into data',
};

/** A key that may not be set: the error is the reason REFUSED gives. */
function refused(path: string): z.ZodOptional<z.ZodNever> {
  return z.never({ error: `not supported: ${REFUSED[path]}` }).optional();
}

/** A file or directory owner as bootc-image-builder takes it: a name or a numeric id. */
const Owner = z.union([z.string(), z.number()]).optional();
/** What files and directories share; the recipe's schema checks the values. */
const NODE = { path: z.string(), mode: z.string().optional(), user: Owner, group: Owner };

/** Why a partition of bootc-image-builder's other types cannot be had (`type` = the key). */
const PARTITION_TYPE_REFUSED: Record<string, string> = {
  lvm: 'not supported: the root is a plain partition, without LVM; use type = "plain"',
  btrfs:
    'not supported: btrfs volumes with subvolumes cannot be laid out here; for a btrfs root use type = "plain" with fs_type = "btrfs"',
};

/**
 * `[customizations.disk]`: the part of bootc-image-builder's disk customization that maps onto
 * the fixed layout (GPT: BIOS boot, ESP, /boot, root). The loader checks the values.
 */
const DiskSchema = z.strictObject({
  type: z.enum(['gpt', 'dos'], { error: 'a partition table type: "gpt" (or "dos")' }).optional(),
  minsize: SizeSchema.optional(),
  partitions: z
    .array(
      z.strictObject({
        type: z
          .literal('plain', {
            error: (iss) =>
              PARTITION_TYPE_REFUSED[String(iss.input)] ??
              'a partition type: "plain" (bootc-image-builder’s "lvm" and "btrfs" are refused)',
          })
          .optional(),
        minsize: SizeSchema,
        mountpoint: z.string().optional(),
        label: z.string().optional(),
        fs_type: z.string().optional(),
        name: refused('customizations.disk.partitions[].name'),
        logical_volumes: refused('customizations.disk.partitions[].logical_volumes'),
        subvolumes: refused('customizations.disk.partitions[].subvolumes'),
      }),
    )
    .default([]),
});

/** The labels mkfs gives the filesystems bootc-image-builder can name. */
const FIXED_LABELS: Record<string, string> = { '/': 'root', '/boot': 'boot' };

const CustomizationsSchema = z.strictObject({
  hostname: z.string().optional(),
  user: z
    .array(
      z.strictObject({
        name: z.string(),
        password: z.string().optional(),
        key: z.string().optional(),
        groups: z.array(z.string()).default([]),
        description: z.string().optional(),
        home: z.string().optional(),
        shell: z.string().optional(),
        uid: z.number().optional(),
        gid: z.number().optional(),
        expiredate: z.number().optional(),
        force_password_reset: z.boolean().optional(),
      }),
    )
    .default([]),
  group: z.array(z.strictObject({ name: z.string(), gid: z.number().optional() })).default([]),
  kernel: z
    .strictObject({
      append: kernelCommandLine().default([]),
      name: refused('customizations.kernel.name'),
    })
    .optional(),
  filesystem: z.array(z.strictObject({ mountpoint: z.string(), minsize: SizeSchema })).default([]),
  disk: DiskSchema.optional(),
  partitioning_mode: z
    .enum(['raw', 'auto-lvm'], {
      error:
        'only "raw" (or "auto-lvm", which is raw here): the root is a plain partition, without LVM or btrfs',
    })
    .optional(),
  installation_device: z.string().optional(),
  timezone: z
    .strictObject({
      timezone: z.string().optional(),
      ntpservers: z.array(z.string()).optional(),
    })
    .optional(),
  locale: z
    .strictObject({
      languages: z.array(z.string()).default([]),
      keyboard: z.string().optional(),
    })
    .optional(),
  services: z
    .strictObject({
      enabled: z.array(z.string()).default([]),
      disabled: z.array(z.string()).default([]),
      masked: z.array(z.string()).default([]),
    })
    .optional(),
  files: z
    .array(
      z.strictObject({
        ...NODE,
        data: z.string().default(''),
        uri: refused('customizations.files[].uri'),
      }),
    )
    .default([]),
  directories: z
    .array(
      z.strictObject({
        ...NODE,
        ensure_parents: z.boolean().default(false),
      }),
    )
    .default([]),
  sshd: z
    .strictObject({
      password_authentication: z.boolean().optional(),
      kbd_interactive_authentication: z.boolean().optional(),
      client_alive_interval: z
        .number()
        .int('a whole number of seconds')
        .min(0, 'a whole number of seconds')
        .optional(),
      permit_root_login: z
        .enum(['yes', 'no', 'prohibit-password', 'forced-commands-only'], {
          error: 'one of yes, no, prohibit-password, forced-commands-only',
        })
        .optional(),
    })
    .optional(),
  ...Object.fromEntries(
    Object.keys(REFUSED)
      .filter((k) => /^customizations\.[^.[]+$/.test(k))
      .map((k) => [k.slice('customizations.'.length), refused(k)]),
  ),
});

export const BibConfigSchema = z.strictObject({
  customizations: CustomizationsSchema.default({
    user: [],
    group: [],
    filesystem: [],
    files: [],
    directories: [],
  }),
  ...Object.fromEntries(
    Object.keys(REFUSED)
      .filter((k) => !k.includes('.'))
      .map((k) => [k, refused(k)]),
  ),
});

/** Console keymap names (kbd's, e.g. us, de-latin1, fr_CH): one word, no path. */
const KEYMAP_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** An NTP server: a host name or an IPv4/IPv6 address, nothing that could end the line. */
const NTP_SERVER_RE = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;

/**
 * `keyboard` as bootc-image-builder applies it: the console keymap in /etc/vconsole.conf,
 * which systemd-vconsole-setup loads at boot (with kbd's loadkeys, so the image needs `kbd`).
 */
function keymapFile(keymap: string): { path: string; content: string } {
  return { path: '/etc/vconsole.conf', content: `KEYMAP=${keymap}\n` };
}

/**
 * `ntpservers`: systemd-timesyncd's servers, in a drop-in so the image's timesyncd.conf stays
 * as packaged (it takes effect when the image has systemd-timesyncd).
 */
function timesyncdFile(servers: string[]): { path: string; content: string } {
  return {
    path: '/etc/systemd/timesyncd.conf.d/50-bootc-image-builder.conf',
    content: `[Time]\nNTP=${servers.join(' ')}\n`,
  };
}

type Customizations = z.infer<typeof CustomizationsSchema>;
type Sshd = NonNullable<Customizations['sshd']>;

/**
 * `[customizations.sshd]`: a drop-in of the image's sshd (Debian's sshd_config includes
 * sshd_config.d/*.conf first, and sshd takes the first value it reads, so these win). Values
 * are booleans, a number or one of a fixed list: nothing can add a line.
 */
function sshdFile(s: Sshd): { path: string; content: string } | undefined {
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  const lines = [
    s.password_authentication === undefined
      ? undefined
      : `PasswordAuthentication ${yesNo(s.password_authentication)}`,
    s.kbd_interactive_authentication === undefined
      ? undefined
      : `KbdInteractiveAuthentication ${yesNo(s.kbd_interactive_authentication)}`,
    s.client_alive_interval === undefined
      ? undefined
      : `ClientAliveInterval ${s.client_alive_interval}`,
    s.permit_root_login === undefined ? undefined : `PermitRootLogin ${s.permit_root_login}`,
  ].filter((l) => l !== undefined);
  if (!lines.length) return undefined;
  return {
    path: '/etc/ssh/sshd_config.d/50-bootc-image-builder.conf',
    content: `${lines.join('\n')}\n`,
  };
}

/**
 * The files that customizations other than `files` write, each with the key that asked for it
 * (`locale.keyboard`). The recipe lists them after the config's own files, in this order.
 */
function generatedFiles(c: Customizations): { from: string; path: string; content: string }[] {
  const keyboard = c.locale?.keyboard;
  const ntp = c.timezone?.ntpservers ?? [];
  const sshd = c.sshd && sshdFile(c.sshd);
  return [
    ...(keyboard === undefined ? [] : [{ from: 'locale.keyboard', ...keymapFile(keyboard) }]),
    ...(ntp.length ? [{ from: 'timezone.ntpservers', ...timesyncdFile(ntp) }] : []),
    ...(sshd ? [{ from: 'sshd', ...sshd }] : []),
  ];
}

/**
 * Recipe `files` index → the config key that produced the file, for the files generatedFiles
 * adds (a problem with recipe files[3] is one with `customizations.sshd`, not with a
 * `customizations.files` entry the config does not have).
 */
type FileOrigins = ReadonlyMap<number, readonly PropertyKey[]>;
function fileOrigins(c: Customizations): FileOrigins {
  return new Map(
    generatedFiles(c).map((g, j) => [c.files.length + j, ['customizations', ...g.from.split('.')]]),
  );
}

export function isBibConfig(path: string): boolean {
  return /\.(toml|json)$/i.test(path);
}

export function loadBibConfig(file: string, source: string): Recipe {
  let raw: unknown;
  try {
    raw = file.toLowerCase().endsWith('.json') ? JSON.parse(source) : parseToml(source);
  } catch (e) {
    throw new InputError([
      {
        file,
        ...parsePosition(e, source),
        key: '',
        message: `syntax: ${firstLine((e as Error).message)}`,
      },
    ]);
  }
  const locate = positionsIn(file, source);
  const bib = BibConfigSchema.safeParse(raw);
  // Every unknown key of a table is its own issue, as in YAML inputs.
  const issues: InputIssue[] = bib.success
    ? []
    : bib.error.issues.flatMap((iss) => {
        const base = iss.path as PropertyKey[];
        const paths = iss.code === 'unrecognized_keys' ? iss.keys.map((k) => [...base, k]) : [base];
        return paths.map((path) => ({
          file,
          ...locate(path),
          key: keyPath(path),
          message:
            iss.code === 'unrecognized_keys' ? `unknown key "${String(path.at(-1))}"` : iss.message,
        }));
      });
  // With schema errors, the rest of the config is still checked: without what failed.
  const data = bib.success ? bib.data : wellFormedPart(raw);
  const inOrder = () => issues.sort((a, b) => a.line - b.line || a.col - b.col);
  if (!data) throw new InputError(inOrder());
  const c = data.customizations;
  const issue = (path: PropertyKey[], message: string) =>
    issues.push({ file, ...locate(path), key: keyPath(path), message });
  const fsRoot = c.filesystem.find((f) => f.mountpoint === '/');
  for (const [i, f] of c.filesystem.entries())
    if (f.mountpoint !== '/')
      issue(
        ['customizations', 'filesystem', i, 'mountpoint'],
        `only "/" is supported, not ${f.mountpoint}`,
      );
    else if (f !== fsRoot)
      // Only the first would be used: a second minsize for "/" must not be dropped unseen.
      issue(['customizations', 'filesystem', i, 'mountpoint'], '"/" is sized already');
  const languages = c.locale?.languages ?? [];
  if (languages.length > 1)
    issue(
      ['customizations', 'locale', 'languages'],
      'one language only: it becomes LANG (a user may choose another locale the image has: the treefile’s locales, or locales-all)',
    );
  const keyboard = c.locale?.keyboard;
  if (keyboard !== undefined && !KEYMAP_RE.test(keyboard))
    issue(
      ['customizations', 'locale', 'keyboard'],
      'not a console keymap name like us or de-latin1',
    );
  const ntp = c.timezone?.ntpservers ?? [];
  for (const [i, server] of ntp.entries())
    if (!NTP_SERVER_RE.test(server))
      issue(['customizations', 'timezone', 'ntpservers', i], 'not a host name or address');
  // Files the other customizations write: a [[customizations.files]] entry may not race them.
  // A refused keyboard or server writes no file, so the recipe checks only what was accepted.
  const refusedFrom = new Set(issues.map((i) => i.key.replace(/^customizations\.|\[\d+\]$/g, '')));
  let generated = generatedFiles(c).filter((g) => !refusedFrom.has(g.from));
  for (const [i, f] of c.files.entries()) {
    const twice = generated.find((g) => g.path === f.path);
    if (twice) {
      issue(
        ['customizations', 'files', i, 'path'],
        `${f.path} is written by customizations.${twice.from} already`,
      );
      // Reported here: the recipe's own check must not report it again.
      generated = generated.filter((g) => g !== twice);
    }
  }
  // A partition that failed the schema (a refused type or key) is not checked again.
  const failed = issues.map((i) => i.key);
  const diskRoot =
    c.disk &&
    checkDisk(c.disk, c.filesystem.length > 0, issue, (i) =>
      failed.some((k) => k.startsWith(`customizations.disk.partitions[${i}]`)),
    );
  const rootMinsize = fsRoot?.minsize ?? diskRoot?.minsize;
  const rootMin = rootMinsize === undefined ? undefined : parseSize(rootMinsize);
  // Both a whole-disk minimum and a root minimum: the disk meets both, so the larger wins.
  const sizes = [
    ...(rootMin ? [rootMin + DEFAULT_SIZES.espBytes + DEFAULT_SIZES.bootBytes + 4 * 2 ** 20] : []),
    ...(c.disk?.minsize === undefined ? [] : [parseSize(c.disk.minsize)]),
  ];
  const recipe = {
    name: 'disk',
    hostname: c.hostname,
    disk: {
      rootfs: diskRoot?.rootfs ?? 'ext4',
      ...(sizes.length ? { size: Math.max(...sizes) } : {}),
    },
    kernel: { append: c.kernel?.append ?? [] },
    groups: c.group,
    users: c.user.map((u) => ({
      name: u.name,
      password: u.password,
      'ssh-keys': u.key ? u.key.split('\n').filter(Boolean) : [],
      groups: u.groups.filter((g) => g !== 'wheel'),
      admin: u.groups.includes('wheel'),
      shell: u.shell,
      uid: u.uid,
      gid: u.gid,
      // bootc-image-builder drops a trailing slash of home (osbuild's users stage does too).
      home: u.home?.replace(/(.)\/+$/, '$1'),
      description: u.description,
      'expire-date': u.expiredate,
      'force-password-reset': u.force_password_reset,
    })),
    timezone: c.timezone?.timezone,
    locale: languages[0],
    // The config's own files first: recipe files[i] is customizations.files[i] in errors.
    files: [
      ...c.files.map((f) => ({
        path: f.path,
        content: f.data,
        mode: f.mode,
        user: f.user,
        group: f.group,
      })),
      ...generated.map(({ path, content }) => ({ path, content })),
    ],
    directories: c.directories.map((d) => ({
      path: d.path,
      mode: d.mode,
      user: d.user,
      group: d.group,
      'ensure-parents': d.ensure_parents,
    })),
    services: c.services,
    ...(c.installation_device === undefined
      ? {}
      : { installer: { device: c.installation_device } }),
  };
  const r = RecipeSchema.safeParse(recipe);
  if (!r.success) {
    const origins: FileOrigins = new Map(
      generated.map((g, j) => [c.files.length + j, ['customizations', ...g.from.split('.')]]),
    );
    issues.push(
      ...r.error.issues.map((iss) => {
        const path = bibPathOf(
          iss.path as PropertyKey[],
          origins,
          c.disk ? ['customizations', 'disk'] : undefined,
        );
        return { file, ...locate(path), key: keyPath(path), message: iss.message };
      }),
    );
  }
  if (issues.length || !r.success) throw new InputError(inOrder());
  return { ...r.data, file };
}

type BibConfig = z.infer<typeof BibConfigSchema>;
type Disk = z.infer<typeof DiskSchema>;

/**
 * `[customizations.disk]` against the fixed layout: the table type must be GPT; a plain
 * partition may be "/" (its fs_type is the root's, its minsize the root's minimum) or "/boot"
 * (ext4, of at most the fixed /boot size); anything else is refused at its key. Returns what
 * "/" asks for.
 */
function checkDisk(
  disk: Disk,
  withFilesystem: boolean,
  issue: (path: PropertyKey[], message: string) => void,
  refusedPartition: (i: number) => boolean,
): { rootfs?: RootFilesystem; minsize: string | number } | undefined {
  const at = ['customizations', 'disk'];
  // bootc-image-builder refuses the two together: each may size "/" differently.
  if (withFilesystem)
    issue(
      at,
      'not supported together with [[customizations.filesystem]] (bootc-image-builder refuses the two together as well): size "/" in one of them',
    );
  if (disk.type === 'dos')
    issue(
      [...at, 'type'],
      'not supported: the disk is GPT (a BIOS-boot partition for GRUB and an ESP, so one image boots under BIOS and UEFI); use "gpt" or leave type out',
    );
  let root: { rootfs?: RootFilesystem; minsize: string | number } | undefined;
  let boot = false;
  for (const [i, p] of disk.partitions.entries()) {
    const part = [...at, 'partitions', i];
    if (refusedPartition(i)) continue;
    if (p.fs_type === 'swap') {
      issue(
        [...part, 'fs_type'],
        'not supported: no swap partition (the layout is fixed: BIOS boot, ESP, /boot, root); use a swap file or zram in the image',
      );
      continue;
    }
    const mp = p.mountpoint;
    if (mp === undefined) {
      issue(part, 'a plain partition needs a mountpoint: "/" or "/boot"');
      continue;
    }
    if (mp !== '/' && mp !== '/boot') {
      issue(
        [...part, 'mountpoint'],
        `not supported: ${mp}: the layout is fixed (BIOS boot, ESP, /boot, root), so only "/" and "/boot" can be given; ${mp} is a directory of the root`,
      );
      continue;
    }
    if ((mp === '/' && root) || (mp === '/boot' && boot)) {
      issue([...part, 'mountpoint'], `"${mp}" is given already`);
      continue;
    }
    const label = FIXED_LABELS[mp] as string;
    if (p.label !== undefined && p.label !== label)
      issue(
        [...part, 'label'],
        `not supported: the filesystem labels are fixed ("root" for "/", "boot" for "/boot"): leave label out or set "${label}"`,
      );
    if (mp === '/') {
      const fs = ROOT_FILESYSTEMS.find((f) => f === p.fs_type);
      if (!fs)
        issue(
          [...part, 'fs_type'],
          p.fs_type === undefined
            ? 'required for "/": ext4, xfs or btrfs'
            : `not supported for "/": ${p.fs_type}; the root is ext4, xfs or btrfs`,
        );
      root = { rootfs: fs, minsize: p.minsize };
      continue;
    }
    boot = true;
    if (p.fs_type !== 'ext4')
      issue(
        [...part, 'fs_type'],
        p.fs_type === undefined
          ? 'required for "/boot": ext4'
          : `not supported for "/boot": ${p.fs_type}; /boot is ext4`,
      );
    const bootMiB = DEFAULT_SIZES.bootBytes / 2 ** 20;
    if (parseSize(p.minsize) > DEFAULT_SIZES.bootBytes)
      issue(
        [...part, 'minsize'],
        `not supported: /boot has a fixed size of ${bootMiB} MiB; a minsize up to that is met, a larger one cannot be`,
      );
  }
  return root;
}

/**
 * What of a config that failed BibConfigSchema is well-formed: the config without each value
 * that failed (an unknown key, a refused one, a value of the wrong type), validated again. A
 * value that leaves its table incomplete takes the table with it; one inside an array of
 * tables takes the whole array, so recipe indices stay those of the config. Nothing when no
 * well-formed part is left.
 */
function wellFormedPart(raw: unknown): BibConfig | undefined {
  let value: unknown = structuredClone(raw);
  for (let round = 0; round < 20; round++) {
    const r = BibConfigSchema.safeParse(value);
    if (r.success) return r.data;
    for (const iss of r.error.issues) {
      const path = iss.path as PropertyKey[];
      if (iss.code === 'unrecognized_keys')
        for (const k of iss.keys) value = withoutValue(value, [...path, k]);
      else value = withoutValue(value, path);
      if (value === undefined) return undefined;
    }
  }
  return undefined;
}

/**
 * `o` without the value at `path`; a path that is not there removes its parent. An array
 * element removes the array's key (indices must not shift). undefined when the root would go.
 */
function withoutValue(o: unknown, path: readonly PropertyKey[]): unknown {
  let cut = [...path];
  for (;;) {
    if (cut.length === 0) return undefined;
    if (typeof cut.at(-1) === 'number') {
      cut = cut.slice(0, -1);
      continue;
    }
    const parent = cut
      .slice(0, -1)
      .reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
        o,
      );
    const last = cut.at(-1) as PropertyKey;
    if (parent && typeof parent === 'object' && !Array.isArray(parent) && last in parent) {
      delete (parent as Record<PropertyKey, unknown>)[last];
      return o;
    }
    cut = cut.slice(0, -1);
  }
}

/**
 * Where recipe keys of a config came from: for each, the config's key path and its line and
 * column (for problems found at build time, when the image is at hand). The source is indexed
 * once for all the keys asked after.
 */
export function bibKeyLocator(
  file: string,
  source: string,
): (recipePath: readonly PropertyKey[]) => { key: string; line: number; col: number } {
  const positionOf = positionsIn(file, source);
  const origins = originsIn(file, source);
  const diskFrom = diskSourceIn(file, source);
  return (recipePath) => {
    const path = bibPathOf(recipePath, origins, diskFrom);
    return { key: keyPath(path), ...positionOf(path) };
  };
}

/** The generated files' origins of a config that loads (none for one that does not). */
function originsIn(file: string, source: string): FileOrigins {
  try {
    const raw = file.toLowerCase().endsWith('.json') ? JSON.parse(source) : parseToml(source);
    const bib = BibConfigSchema.safeParse(raw);
    return bib.success ? fileOrigins(bib.data.customizations) : new Map();
  } catch {
    return new Map();
  }
}

/** Where a config sizes its disk: [customizations.disk] when it has one. */
function diskSourceIn(file: string, source: string): readonly PropertyKey[] | undefined {
  try {
    const raw = file.toLowerCase().endsWith('.json') ? JSON.parse(source) : parseToml(source);
    const c = (raw as { customizations?: { disk?: unknown } }).customizations;
    return c?.disk === undefined ? undefined : ['customizations', 'disk'];
  } catch {
    return undefined;
  }
}

/** Line/column of a TOML or JSON syntax error. */
function parsePosition(e: unknown, source: string): { line: number; col: number } {
  if (e instanceof TomlError) return { line: e.line, col: e.column };
  const m = String((e as Error).message).match(/position (\d+)/);
  if (!m) return { line: 1, col: 1 };
  const before = source.slice(0, Number(m[1])).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

/** Where the recipe's keys come from in a bootc-image-builder config (loadBibConfig's mapping). */
const BIB_SOURCE: Record<string, readonly PropertyKey[]> = {
  hostname: ['customizations', 'hostname'],
  kernel: ['customizations', 'kernel', 'append'],
  timezone: ['customizations', 'timezone', 'timezone'],
  locale: ['customizations', 'locale', 'languages'],
  disk: ['customizations', 'filesystem'],
  installer: ['customizations', 'installation_device'],
};

/** Recipe lists and tables read from a config table of their own, with their keys renamed. */
const BIB_TABLES: Record<string, { at: readonly PropertyKey[]; rename?: Record<string, string> }> =
  {
    users: {
      at: ['customizations', 'user'],
      rename: {
        'ssh-keys': 'key',
        admin: 'groups',
        'expire-date': 'expiredate',
        'force-password-reset': 'force_password_reset',
      },
    },
    groups: { at: ['customizations', 'group'] },
    files: { at: ['customizations', 'files'], rename: { content: 'data' } },
    directories: {
      at: ['customizations', 'directories'],
      rename: { 'ensure-parents': 'ensure_parents' },
    },
    services: { at: ['customizations', 'services'] },
  };

/**
 * A recipe path → the config path it was read from (`users[0].ssh-keys` →
 * `customizations.user[0].key`), so an error names what the user wrote. A file that another
 * customization generated (`origins`) is located at that customization, whatever its key.
 */
function bibPathOf(
  path: readonly PropertyKey[],
  origins: FileOrigins,
  diskFrom?: readonly PropertyKey[],
): PropertyKey[] {
  const [top, ...rest] = path;
  const origin = top === 'files' ? origins.get(rest[0] as number) : undefined;
  if (origin) return [...origin];
  const table = BIB_TABLES[String(top)];
  if (table)
    return [
      ...table.at,
      ...rest.map((p) => (typeof p === 'string' ? (table.rename?.[p] ?? p) : p)),
    ];
  if (top === 'disk' && diskFrom) return [...diskFrom];
  return [...(BIB_SOURCE[String(top)] ?? ['customizations'])];
}

/** How a config file's keys are located: TOML by its structure, JSON by a text search. */
function positionsIn(
  file: string,
  source: string,
): (path: readonly PropertyKey[]) => { line: number; col: number } {
  if (file.toLowerCase().endsWith('.json')) return (path) => locateKey(source, path);
  const positions = tomlKeyPositions(source);
  return (path) => {
    // The key itself, else the nearest table or key holding it.
    for (let n = path.length; n > 0; n--) {
      const at = positions.get(keyPath(path.slice(0, n)));
      if (at) return at;
    }
    return { line: 1, col: 1 };
  };
}

/** One key of a TOML key path: bare, "basic" or 'literal'. */
const TOML_KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const TOML_KEYS = String.raw`${TOML_KEY_PART}(?:\s*\.\s*${TOML_KEY_PART})*`;
const TOML_HEADER = new RegExp(String.raw`^(\s*)(\[\[?)\s*(${TOML_KEYS})\s*\]`);
const TOML_ASSIGN = new RegExp(String.raw`^(\s*)(${TOML_KEYS})\s*=\s*(.*)$`);

/**
 * Where a TOML source sets each key and table, by key path as keyPath writes it
 * (`customizations.user[1].name` → line and column of that `name`). smol-toml gives no
 * positions, so the text is scanned: `[table]` and `[[array of tables]]` headers (counted, so
 * the second `[[customizations.user]]` is `customizations.user[1]`), and `key = value` lines
 * with bare, quoted or dotted keys. Multi-line strings are skipped; keys inside inline tables
 * are not listed (a lookup falls back to the key holding the table).
 */
export function tomlKeyPositions(source: string): Map<string, { line: number; col: number }> {
  const positions = new Map<string, { line: number; col: number }>();
  const counts = new Map<string, number>();
  const set = (path: PropertyKey[], line: number, col: number) => {
    const k = keyPath(path);
    if (!positions.has(k)) positions.set(k, { line, col });
  };
  let table: PropertyKey[] = [];
  let inString: string | undefined;
  for (const [i, text] of source.split('\n').entries()) {
    if (inString) {
      if (text.includes(inString)) inString = undefined;
      continue;
    }
    const header = text.match(TOML_HEADER);
    if (header) {
      const col = (header[1] as string).length + (header[2] as string).length + 1;
      table = withIndices(tomlKeyParts(header[3] as string), counts);
      // `[a.b.c]` defines the tables a and a.b too, when nothing did before.
      for (let n = 1; n < table.length; n++) set(table.slice(0, n), i + 1, col);
      if (header[2] === '[[') {
        const n = counts.get(keyPath(table)) ?? 0;
        counts.set(keyPath(table), n + 1);
        set(table, i + 1, col);
        table = [...table, n];
      }
      set(table, i + 1, col);
      continue;
    }
    const assign = text.match(TOML_ASSIGN);
    if (!assign) continue;
    set([...table, ...tomlKeyParts(assign[2] as string)], i + 1, (assign[1] as string).length + 1);
    const value = assign[3] as string;
    const opener = value.match(/^("""|''')/)?.[1];
    if (opener && !value.slice(3).includes(opener)) inString = opener;
  }
  return positions;
}

/** A header's path with the current index of each array of tables it lies inside. */
function withIndices(parts: string[], counts: Map<string, number>): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const [i, p] of parts.entries()) {
    out.push(p);
    const n = counts.get(keyPath(out));
    if (n !== undefined && i < parts.length - 1) out.push(n - 1);
  }
  return out;
}

/** `a."b.c".d` → ['a', 'b.c', 'd']. */
function tomlKeyParts(keys: string): string[] {
  return [...keys.matchAll(new RegExp(TOML_KEY_PART, 'g'))].map((m) => {
    const k = m[0];
    if (k.startsWith("'")) return k.slice(1, -1);
    if (k.startsWith('"')) return JSON.parse(k) as string;
    return k;
  });
}

/** JSON, best effort: the first line assigning the last named key of `path`. */
function locateKey(source: string, path: readonly PropertyKey[]): { line: number; col: number } {
  const key = [...path].reverse().find((p) => typeof p === 'string') as string | undefined;
  if (!key) return { line: 1, col: 1 };
  const lines = source.split('\n');
  const re = new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*[=:]`);
  const i = lines.findIndex((l) => re.test(l));
  return i >= 0 ? { line: i + 1, col: (lines[i]?.search(/\S/) ?? 0) + 1 } : { line: 1, col: 1 };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
