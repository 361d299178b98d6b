/**
 * The treefile format. One zod schema per file as written (every key optional, since includes
 * fill in the rest); the normalized model in model.ts is what the stages consume. Both
 * dialects are accepted: the seed's apt-ostree keys (`ostree.ref`, `system.services`,
 * `postinstall`, …) and rpm-ostree's (`ref`, `units`, `postprocess`, …). The JSON Schema for
 * editors is generated from this (`particle-os schema treefile`).
 */
import { z } from 'zod';
import { LOCALE_NAME_RE } from '../core/locales.ts';
import { oneLine, treePath, verbatimUrl } from '../core/values.ts';
import { CONDITION_SYNTAX, parseCondition } from './conditions.ts';
import {
  KERNEL_FLAVOURS,
  type KernelFlavour,
  packageSpecProblem,
  versionRelationProblem,
} from './packages.ts';
import { shebangProblem } from './scripts.ts';
import { baseProblem, SUITES } from './suites.ts';

/** The initramfs-profile values (compose/initramfs.ts says what each includes). */
export const INITRAMFS_PROFILES = ['pc', 'vm', 'generic'] as const;
export type InitramfsProfile = (typeof INITRAMFS_PROFILES)[number];

/** A ref, possibly with ${variables} (checked again after substitution). */
const REF_RE = /^[A-Za-z0-9_$][A-Za-z0-9_.${}-]*(\/[A-Za-z0-9_$][A-Za-z0-9_.${}-]*)*$/;

export const RefSchema = z
  .string()
  .regex(REF_RE, 'not a valid OSTree ref (letters, digits, "_", "-", "." in "/"-separated parts)')
  .describe('OSTree branch the commit is stored under, e.g. debian/13/x86_64/minimal');

// An enum, so editors offer the suites from the JSON Schema; the message says what to write.
export const BaseSchema = z
  .enum(Object.keys(SUITES).map((s) => `debian:${s}`) as [string, ...string[]], {
    error: (issue) => baseProblem(String(issue.input)) ?? 'not a supported base',
  })
  .describe(
    'A bootable atomic Debian of this suite: the tool adds kernel, systemd, ostree, dracut',
  );

/** One package name or a ${variable} standing for one. */
const NAME = String.raw`(?:[a-z0-9][a-z0-9+.-]+|\$\{[a-z_]+\})`;

/**
 * One word of a `packages` entry, for editors (the JSON Schema's pattern): a name, optionally
 * `=VERSION` or `/SUITE`, any part possibly with ${variables}. packages.ts checks each part.
 */
const SPEC = String.raw`(?:[a-z0-9+.-]|\$\{[a-z_]+\})+(?:[=/](?:[A-Za-z0-9.+~:_-]|\$\{[a-z_]+\})+)?`;

/** Several words of one entry, each checked on its own (the first problem is reported). */
const eachWord =
  (problem: (word: string) => string | undefined) => (entry: string, ctx: z.RefinementCtx) => {
    for (const word of entry.split(/\s+/).filter(Boolean)) {
      const p = problem(word);
      if (p) {
        ctx.addIssue({ code: 'custom', message: p });
        return;
      }
    }
  };

/**
 * An entry may hold several packages separated by whitespace, as rpm-ostree allows
 * (`packages: [curl wget]`); the model splits them (model.ts `packageNames`). Each is a name,
 * `name=VERSION` or `name/SUITE` (apt's syntax, passed to apt as written), so whitespace
 * cannot smuggle anything else into apt's arguments.
 */
const PackageSpec = z
  .string()
  .regex(/\S/, 'empty: name a package')
  .superRefine((entry, ctx) => {
    const relation = versionRelationProblem(entry);
    if (relation) ctx.addIssue({ code: 'custom', message: relation });
    else eachWord((w) => packageSpecProblem(w, true))(entry, ctx);
  })
  .meta({ pattern: String.raw`^\s*${SPEC}(?:\s+${SPEC})*\s*$` })
  .describe(
    'A Debian binary package: NAME, NAME=VERSION (exactly that version) or NAME/SUITE (from that suite, which an apt source must provide); several separated by spaces',
  );
/** exclude-packages: names only (they become apt preferences, which match a name). */
const PackageName = z
  .string()
  .regex(
    new RegExp(`^\\s*${NAME}(?:\\s+${NAME})*\\s*$`),
    'not a valid Debian package name (or several, separated by spaces); exclude-packages takes names, without =VERSION or /SUITE',
  )
  .describe('A Debian binary package name, or several separated by spaces');
const Packages = z.array(PackageSpec);
const UnitName = z
  .string()
  .regex(
    /^[A-Za-z0-9:_.@\\-]+\.(service|socket|timer|target|path|mount)$/,
    'not a systemd unit name',
  );
/** A script the kernel can start: a `#!` line it would misread is refused (scripts.ts). */
const Script = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    const problem = shebangProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const Scripts = z.union([Script, z.array(Script)]);

/** One field of a deb line: whitespace, brackets or a line break would add fields or lines. */
const AptWord = z
  .string()
  .regex(/^[A-Za-z0-9._~+/-]+$/, 'letters, digits and . _ ~ + / - only (one field of a deb line)');
const AptUri = verbatimUrl();

const AptSource = z.strictObject({
  uris: z.union([AptUri, z.array(AptUri)]).describe('Archive URI(s)'),
  suites: z.array(AptWord).optional().describe('Suites (default: the base suite)'),
  components: z.array(AptWord).default(['main']).describe('Components, e.g. [main, contrib]'),
  'signed-by': z
    .string()
    .regex(/^[^\s\p{Cc}\]]+$/u, 'must not contain whitespace, "]" or control characters')
    .optional()
    .describe(
      'Keyring file for this source: inside the treefile context, or under /usr/share/keyrings or /etc/apt/keyrings of the build host',
    ),
});

/** `<date:FORMAT>` in a version prefix: the date specifiers that give digits only. */
export const DATE_PLACEHOLDER = '<date:(?:%[YymdHMSj]|[0-9A-Za-z._-])+>';
const VERSION_PREFIX_RE = new RegExp(`^(?:[0-9A-Za-z.\${}_-]|${DATE_PLACEHOLDER})+$`);

/**
 * Architecture names an `arch-include` may name: rpm-ostree's base architectures and Debian's
 * names for them. Only BUILD_ARCHES apply (the build is x86_64); a name outside this list is
 * an unknown key, so a typo cannot quietly never match.
 */
export const ARCH_NAMES = [
  'x86_64',
  'amd64',
  'aarch64',
  'arm64',
  'ppc64le',
  'ppc64el',
  's390x',
  'riscv64',
  'i386',
  'armhfp',
  'armhf',
  'armel',
  'mips64el',
  'loong64',
] as const;

/** The build's architecture: rpm-ostree's name and Debian's. */
export const BUILD_ARCHES: readonly string[] = ['x86_64', 'amd64'];

/** One treefile or several, relative to the file that names them. */
const IncludeFiles = z.union([oneLine(), z.array(oneLine())]);

const IncludeCondition = oneLine().refine((s) => parseCondition(s) !== undefined, CONDITION_SYNTAX);

/** The keys of one treefile, each spelled as we document it. */
const Canonical = z
  .strictObject({
    // --- seed / apt-ostree dialect
    ostree: z
      .strictObject({
        ref: RefSchema.optional(),
        repo: oneLine()
          .min(1)
          .optional()
          .describe(
            'OSTree repository to commit into; relative to the treefile, inside the treefile context',
          ),
      })
      .optional()
      .describe('Where the composed tree is committed (seed dialect)'),
    base: BaseSchema.optional(),
    apt: z
      .strictObject({
        sources: z.array(AptSource).default([]).describe('Extra apt sources'),
        // No zod default: an including file's `apt:` without `replace` keeps the included value.
        replace: z
          .boolean()
          .optional()
          .describe(
            'Use only these sources, not the default archive (nor its -updates and -security suites)',
          ),
        components: z
          .array(AptWord)
          .min(1)
          .optional()
          .describe(
            'Components of the default archive and its -updates and -security suites, e.g. [main, contrib, non-free-firmware]',
          ),
      })
      // The default archive is what components apply to; with replace there is none.
      .refine((a) => !(a.replace && a.components), {
        path: ['components'],
        message:
          'apt.components sets the default archive’s components, and apt.replace: true drops that archive; set components on each source instead',
      })
      .optional()
      .describe('Package sources beyond the default Debian archive'),
    system: z
      .strictObject({
        services: z.array(UnitName).optional().describe('Units to enable (same as units)'),
        directories: z
          .array(treePath().startsWith('/'))
          .optional()
          .describe('Directories to create (under /var: at boot, via tmpfiles.d)'),
      })
      .optional()
      .describe('Units and directories of the system (seed dialect)'),
    postinstall: Scripts.optional().describe(
      'Scripts run in the tree after installing (same as postprocess)',
    ),
    // --- rpm-ostree dialect
    ref: RefSchema.optional(),
    include: IncludeFiles.optional().describe(
      'Treefiles to merge in (relative paths, inside the treefile context); scalars here override, lists concatenate with what is included first. Of several files included, as in rpm-ostree, an earlier one’s scalars win over a later one’s and a later one’s list entries come first (include: [a, b] runs b’s postprocess scripts, then a’s, then this file’s). A file reached twice (A includes B and C, both include D) is merged once, where a depth-first walk first reaches it; an include cycle is an error',
    ),
    'arch-include': z
      .partialRecord(
        z.enum(ARCH_NAMES),
        IncludeFiles.describe('Treefiles to merge in when this is the build’s architecture'),
      )
      .optional()
      .describe(
        'Treefiles to merge in for one architecture, after include: only x86_64 (or its Debian name amd64, not both) applies, since the build is x86_64; rpm-ostree’s and Debian’s other names are accepted and skip their files',
      ),
    'conditional-include': z
      .array(
        z.strictObject({
          if: z
            .union([IncludeCondition, z.array(IncludeCondition).min(1)])
            .describe(
              'A condition (<variable> <op> <value>; op one of == != < <= > >=; value true, false, a whole number or a "quoted string") or a list that must all hold',
            ),
          include: IncludeFiles.describe('Treefiles to merge in when the condition holds'),
        }),
      )
      .optional()
      .describe(
        'Treefiles to merge in when conditions on variables hold, after include and arch-include. Conditions see basearch (x86_64), releasever (a number, e.g. 13, or the suite name for sid) and suite when base is set in this file or one that includes it, and the variables of this file and the files that include it; anything else is an error',
      ),
    variables: z
      .record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.union([oneLine(), z.number(), z.boolean()]))
      .optional()
      .describe('Values for ${name} in strings; basearch, releasever and suite are predefined'),
    packages: Packages.optional().describe(
      'Packages installed on top of the base: NAME, NAME=VERSION or NAME/SUITE (apt’s syntax; the suite must be one an apt source provides)',
    ),
    'packages-x86_64': Packages.optional().describe('Packages only on x86_64'),
    'packages-amd64': Packages.optional().describe('Packages only on amd64 (= x86_64)'),
    'packages-aarch64': Packages.optional().describe('Packages only on aarch64'),
    'exclude-packages': z
      .array(PackageName)
      .optional()
      .describe('Packages that must never be installed'),
    recommends: z.boolean().optional().describe('Install Recommends (default false)'),
    documentation: z
      .boolean()
      .optional()
      .describe('Keep /usr/share/doc, man and info pages (default true)'),
    units: z.array(UnitName).optional().describe('systemd units to enable'),
    'default-target': UnitName.optional().describe('systemd default target, e.g. graphical.target'),
    'add-files': z
      .array(
        z.tuple([
          oneLine().min(1),
          treePath().regex(/^\/(usr|etc)\//, 'destination must be under /usr or /etc'),
        ]),
      )
      .optional()
      .describe(
        '[source, destination] pairs copied into the tree; sources are regular files inside the treefile context',
      ),
    'remove-files': z
      .array(treePath().regex(/^[^/]/, 'relative to / (no leading slash)'))
      .optional()
      .describe('Paths removed from the tree'),
    postprocess: Scripts.optional().describe(
      'Scripts run in the tree (chroot, no network) after installing: one starting with #! is executed, so the kernel runs the interpreter it names (validate warns when its package is not listed; the compose refuses one the resolved packages lack); one without runs with /bin/sh -e',
    ),
    'postprocess-script': oneLine()
      .min(1)
      .optional()
      .describe(
        'A script file (relative to the treefile, a regular file inside the treefile context) run in the tree like the postprocess scripts, after them; read when the treefile is loaded. One per treefile and its includes',
      ),
    'add-commit-metadata': z
      .record(
        z.string().regex(/^[^=\s\p{Cc}]+$/u, 'no "=", whitespace or control characters'),
        z.union([z.string(), z.number(), z.boolean()]),
      )
      .optional()
      .describe('Extra commit metadata'),
    'automatic-version-prefix': z
      .string()
      .regex(
        VERSION_PREFIX_RE,
        'letters, digits, ".", "_", "-", ${variables} and <date:FORMAT> (FORMAT: %Y %y %m %d %H %M %S %j and letters, digits, ".", "_", "-") only',
      )
      .optional()
      .describe(
        'Version prefix: <prefix>.<YYYYMMDD>.<n> (default: the release number); with <date:FORMAT> (strftime-style %Y %y %m %d %H %M %S %j, UTC at compose time) in it, the date is where FORMAT says and the version is <prefix>.<n>',
      ),
    'initramfs-args': z
      .array(z.string())
      .optional()
      .describe('Extra dracut arguments (after those of initramfs-profile)'),
    'initramfs-profile': z
      .enum(INITRAMFS_PROFILES)
      .optional()
      .describe(
        'Drivers in the initramfs: pc (default: dracut’s generic storage, USB and input drivers, without SAN adapters, unused filesystems or the udev hwdb), vm (QEMU/KVM guests only) or generic (all of dracut)',
      ),
    'machineid-compat': z
      .boolean()
      .optional()
      .describe('Ship an empty /etc/machine-id (default true); false ships none'),
    'container-cmd': z.array(z.string()).optional().describe('CMD of the bootc container image'),
    'mutate-os-release': oneLine()
      .min(1)
      .optional()
      .describe(
        'A string to replace with the commit’s version in VERSION and PRETTY_NAME of /usr/lib/os-release (e.g. "${releasever}"); OSTREE_VERSION is added with the version',
      ),
    // --- particle-os
    'kernel-flavour': z
      .enum(Object.keys(KERNEL_FLAVOURS) as [KernelFlavour, ...KernelFlavour[]])
      .optional()
      .describe(
        'Which Debian kernel the base installs, instead of linux-image-amd64: default, cloud (linux-image-cloud-amd64, for cloud and other virtual machines) or rt (linux-image-rt-amd64, PREEMPT_RT). List NAME/SUITE or NAME=VERSION of that kernel package in packages to take it from another suite or pin it',
      ),
    'kernel-args': z
      .array(oneLine().min(1))
      .optional()
      .describe('Kernel arguments for every deployment (bootc kargs.d)'),
    locales: z
      .array(
        z
          .string()
          .regex(
            LOCALE_NAME_RE,
            'not a locale name like de_DE.UTF-8 (language[_territory][.codeset][@modifier], as /usr/share/i18n/SUPPORTED writes them)',
          ),
      )
      .optional()
      .describe(
        'Locales compiled into the tree at compose time, e.g. [de_DE.UTF-8, en_US.UTF-8]: each must be listed in the suite’s /usr/share/i18n/SUPPORTED (checked once packages are resolved, by compose tree --dry-run too); compose installs the package locales and generates exactly these into /usr/lib/locale/locale-archive (with locales-all in packages it checks they are there instead). A recipe’s locale (LANG) other than C, C.UTF-8 or POSIX must be one of them',
      ),
    'particle-os-client': z
      .boolean()
      .optional()
      .describe(
        'Install the on-device client (particle-os status, upgrade, switch, rollback) as the Debian package particle-os-client (default true)',
      ),
  })
  .describe('particle-os treefile: what goes into an OSTree commit of Debian');

/** One treefile with every key in its documented spelling (load.ts `canonicalKeys`). */
export type TreefileFile = z.infer<typeof Canonical>;

/**
 * rpm-ostree keys that mean nothing for a Debian tree, and why. They are accepted so that
 * rpm-ostree treefiles port with little editing, and each one set gives a warning with the
 * reason (load.ts), never a silent no-op.
 */
export const INAPPLICABLE_KEYS: Readonly<Record<string, string>> = {
  selinux:
    'particle-os does not label the tree with SELinux contexts (Debian ships no SELinux policy by default)',
  'boot-location':
    'the kernel and initramfs are always in /usr/lib/modules/$KVER (the bootc layout); there is no other place to choose',
  'tmp-is-dir': '/tmp is always a directory in the tree (systemd mounts a tmpfs on it at boot)',
  'etc-group-members':
    'Debian keeps every group in /etc/group (no nss-altfiles split into /usr/lib/group); system groups are kept across upgrades through sysusers.d',
  'check-passwd':
    'users are not compared with a previous commit: system users and groups are kept across upgrades through sysusers.d',
  'check-groups':
    'groups are not compared with a previous commit: system users and groups are kept across upgrades through sysusers.d',
  'ignore-removed-users':
    'users are not compared with a previous commit, so none is reported removed',
  'ignore-removed-groups':
    'groups are not compared with a previous commit, so none is reported removed',
  rpmdb: 'the package database is dpkg’s (/usr/lib/sysimage/dpkg); there is no rpm database',
  cliwrap: 'it wraps rpm, dracut and grubby for rpm-ostree clients; Debian has no rpm to wrap',
  'readonly-executables':
    '/usr is read-only on a booted system anyway; write bits of files in the tree are left as the packages set them',
  'cliwrap-binaries': 'it chooses what cliwrap wraps; Debian has no rpm to wrap',
  edition:
    'there is one set of defaults, those rpm-ostree’s edition 2024 chooses: /tmp is a directory and the kernel is only in /usr/lib/modules',
  metadata:
    'it only carries data for tools reading the treefile (rpm-ostree compose tree --print-metadata-json), which particle-os has no counterpart of; add-commit-metadata stores values in the commit',
  'ignore-devices':
    'device nodes are always left out of the commit (/dev is emptied; devtmpfs provides it at boot)',
  ima: 'Debian packages carry no IMA signatures, so there are none to copy into the commit',
  'rpmdb-normalize': 'there is no rpm database to normalize; dpkg’s database is plain text',
  'selinux-label-version':
    'particle-os does not label the tree with SELinux contexts, in /usr/etc or elsewhere',
  'preserve-passwd':
    'users are not carried over from a previous commit: the packages create them, and sysusers.d keeps system users and groups across upgrades',
  'platform-module': 'Debian has no RPM modularity, so there is no platform module to set',
  'repo-metadata':
    'it records rpm-md repository metadata in the commit; apt sources have none of that kind',
  'advisories-metadata':
    'it records RPM advisories (updateinfo) in the commit; Debian archives publish none',
  sysusers:
    'the compose always writes every system user and group of the tree as a sysusers.d entry, which systemd-sysusers applies at boot',
  'opt-usrlocal':
    '/opt and /usr/local are always links into /var (rpm-ostree’s `var`): machine-local state, not part of the commit',
};

/**
 * rpm-ostree keys that have a counterpart here under another name, or none that could work:
 * each is an error naming the key, why, and what to write instead (load.ts), never a bare
 * "unknown key". Keyed by rpm-ostree's spelling; `_` for `-` is refused the same way.
 */
export const REFUSED_KEYS: Readonly<Record<string, string>> = {
  repos: 'yum .repo files do not exist on Debian: list apt sources in apt.sources',
  releasever: 'the release comes from base (debian:trixie is releasever 13): set base',
  'gpg-key':
    'the compose does not sign commits: sign them afterwards with `ostree gpg-sign --repo=REPO REF KEY-ID`',
  'install-langs':
    'RPM’s install_langs does not exist on Debian: list the locales to compile in locales',
  'repo-packages': 'write the suite after the name in packages, e.g. NAME/trixie-backports',
  bootstrap_packages: 'deprecated by rpm-ostree too: list them in packages',
  'ostree-layers':
    'other OSTree commits are not layered into the tree: add files with add-files, or package them',
  'ostree-override-layers':
    'other OSTree commits are not layered into the tree: add files with add-files, or package them',
  'remove-from-packages':
    'list the paths in remove-files, or delete them in a postprocess script (dpkg -L PACKAGE lists a package’s files)',
  'automatic-version-suffix':
    'versions are <prefix>.<date>.<n> with "." before the counter; shape them with automatic-version-prefix (and <date:FORMAT>)',
  container:
    'particle-os composes bootable trees only (kernel, initramfs, bootloader); build a container image with a Containerfile instead',
  'lockfile-repos':
    'locked packages come from the same apt sources as the others: list those in apt.sources and lock versions with compose tree --lockfile',
  repovars: 'there are no .repo files to fill in: write the URIs in apt.sources as they are',
  'no-initramfs':
    'the tree must boot, so the compose always builds an initramfs: shape it with initramfs-profile and initramfs-args',
};

/** Why an rpm-ostree key is refused, in either spelling (`gpg_key` as `gpg-key`). */
export function refusedReason(key: string): string | undefined {
  return REFUSED_KEYS[key] ?? REFUSED_KEYS[key.replaceAll('_', '-')];
}

const inapplicable = Object.fromEntries(
  Object.entries(INAPPLICABLE_KEYS).map(([k, why]) => [
    k,
    z.unknown().optional().describe(`rpm-ostree only, accepted with a warning: ${why}`),
  ]),
);

/**
 * rpm-ostree accepts `_` for `-` in key names (`automatic_version_prefix`, `add_files`):
 * the underscore spelling of every dashed top-level key, mapped to the dashed one.
 */
export const UNDERSCORE_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  [...Object.keys(Canonical.shape), ...Object.keys(INAPPLICABLE_KEYS)]
    .filter((k) => k.includes('-'))
    .map((k) => [k.replaceAll('-', '_'), k]),
);

/** An alias validates as the key it stands for. */
function aliasShape(): Record<string, z.ZodType> {
  const shapes: Record<string, z.ZodType> = { ...Canonical.shape, ...inapplicable };
  return Object.fromEntries(
    Object.entries(UNDERSCORE_ALIASES).map(([alias, key]) => [
      alias,
      (shapes[key] as z.ZodType).describe(
        `Same as ${key} (underscores for dashes, as rpm-ostree allows)`,
      ),
    ]),
  );
}

/** What one treefile may contain, as written: our keys, their aliases, ignored ones. */
export const TreefileFileSchema = z
  .strictObject({ ...Canonical.shape, ...inapplicable, ...aliasShape() })
  .describe('particle-os treefile: what goes into an OSTree commit of Debian');

/** A treefile as validated, before `canonicalKeys`. */
export type TreefileFileAsWritten = z.infer<typeof TreefileFileSchema>;

/** Keys that exist in both dialects: [seed path, rpm-ostree key]. Using both is an error. */
export const DIALECT_PAIRS: readonly [readonly string[], string][] = [
  [['ostree', 'ref'], 'ref'],
  [['system', 'services'], 'units'],
  [['postinstall'], 'postprocess'],
];

export const KNOWN_TOP_LEVEL_KEYS = Object.keys(TreefileFileSchema.shape);
