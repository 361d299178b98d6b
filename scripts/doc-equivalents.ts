/**
 * What the schemas cannot say about each key: the closest rpm-ostree treefile /
 * bootc-image-builder setting, a YAML example (checked against the schema by gen-docs.ts), and
 * a default when it is computed rather than declared. Keyed by key path (`users[].ssh-keys`);
 * gen-docs.ts fails when a schema key has no entry here or an entry names no schema key.
 */
import { INAPPLICABLE_KEYS, UNDERSCORE_ALIASES } from '../src/treefile/schema.ts';

export interface KeyDoc {
  /** The peer tool's setting, as Markdown; "—" with a reason when there is none. */
  equivalent: string;
  /** A top-level YAML fragment that sets this key. Optional for keys that only group others. */
  example?: string;
  /** Only when the schema declares no default because the tool computes one. */
  default?: string;
}

const OWN_TREEFILE_KEYS: Record<string, KeyDoc> = {
  ostree: { equivalent: '— (rpm-ostree: `ref` in the treefile, the repo is a command-line flag)' },
  'ostree.ref': {
    equivalent: '`ref`',
    example: 'ostree:\n  ref: debian/13/x86_64/minimal',
    default: 'none: this or `ref` must be set, here or in an included file',
  },
  'ostree.repo': {
    equivalent: '— (`rpm-ostree compose tree --repo`)',
    example: 'ostree:\n  repo: ../build/repo',
    default: '`repo` next to the treefile; `compose tree --repo` overrides it',
  },
  base: {
    equivalent: '— (rpm-ostree: `releasever` plus `repos`, with kernel and ostree in `packages`)',
    example: 'base: debian:trixie',
    default: 'none: must be set, here or in an included file',
  },
  apt: { equivalent: '`repos` (and the `.repo` files they name)' },
  'apt.sources': {
    equivalent: '`repos`',
    example:
      'apt:\n  sources:\n    - uris: https://apt.example.com/debian\n      components: [main]',
  },
  'apt.sources[].uris': {
    equivalent: '`baseurl=` in a `.repo` file',
    example: 'apt:\n  sources:\n    - uris: [https://apt.example.com/debian]',
  },
  'apt.sources[].suites': {
    equivalent: '— (part of `baseurl=`, often through `$releasever`)',
    example:
      'apt:\n  sources:\n    - uris: https://apt.example.com/debian\n      suites: [trixie-backports]',
    default: 'the suite of `base`',
  },
  'apt.sources[].components': {
    equivalent: '— (part of `baseurl=`)',
    example:
      'apt:\n  sources:\n    - uris: https://apt.example.com/debian\n      components: [main, contrib]',
  },
  'apt.sources[].signed-by': {
    equivalent: '`gpgkey=` in a `.repo` file',
    example:
      'apt:\n  sources:\n    - uris: https://apt.example.com/debian\n      signed-by: keys/example-archive.gpg',
  },
  'apt.replace': {
    equivalent: '— (rpm-ostree always uses only the repos it lists, as with `replace: true`)',
    default: '`false`',
    example:
      'apt:\n  replace: true\n  sources:\n    - uris: https://mirror.example.com/debian\n      components: [main]',
  },
  'apt.components': {
    equivalent: '— (part of `baseurl=`; Fedora has no components)',
    example: 'apt:\n  components: [main, contrib, non-free, non-free-firmware]',
    default: '`[main]`',
  },
  system: { equivalent: '— (groups the seed dialect’s `services` and `directories`)' },
  'system.services': {
    equivalent: '`units`',
    example: 'system:\n  services: [systemd-timesyncd.service]',
  },
  'system.directories': {
    equivalent: '— (rpm-ostree: a tmpfiles.d snippet through `add-files`)',
    example: 'system:\n  directories: [/var/lib/example, /etc/example.d]',
  },
  postinstall: {
    equivalent: '`postprocess`',
    example: "postinstall:\n  - |\n    echo 'ru_RU.UTF-8 UTF-8' >> /etc/locale.gen",
  },
  ref: {
    equivalent: '`ref`',
    example: 'ref: debian/${releasever}/${basearch}/minimal',
    default: 'none: this or `ostree.ref` must be set, here or in an included file',
  },
  include: {
    equivalent:
      '`include` (rpm-ostree refuses a file included twice; here it is merged once, where first reached)',
    example: 'include: common.yaml',
  },
  'arch-include': {
    equivalent: '`arch-include`',
    example: 'arch-include:\n  x86_64: bootloader-x86_64.yaml\n  aarch64: [bootloader-aarch64.yaml]',
  },
  'conditional-include': {
    equivalent: '`conditional-include` (files only; rpm-ostree’s inline treefiles are refused)',
    example: 'conditional-include:\n  - if: releasever >= 13\n    include: trixie-fixes.yaml',
  },
  'conditional-include[].if': {
    equivalent: '`if`',
    example:
      'variables:\n  stream: testing\nconditional-include:\n  - if: [releasever >= 13, stream != "stable"]\n    include: dev-tools.yaml',
  },
  'conditional-include[].include': {
    equivalent: '`include`',
    example: 'conditional-include:\n  - if: basearch == "x86_64"\n    include: [x86.yaml, firmware.yaml]',
  },
  variables: {
    equivalent: '`variables`',
    example: 'variables:\n  flavour: workstation\nref: debian/13/x86_64/${flavour}',
  },
  packages: { equivalent: '`packages`', example: 'packages: [htop, tmux]' },
  'packages-x86_64': {
    equivalent: '`packages-x86_64`',
    example: 'packages-x86_64: [intel-microcode]',
  },
  'packages-amd64': {
    equivalent: '`packages-x86_64` (amd64 is Debian’s name for it)',
    example: 'packages-amd64: [amd64-microcode]',
  },
  'packages-aarch64': {
    equivalent: '`packages-aarch64`',
    example: 'packages-aarch64: [u-boot-tools]',
  },
  'exclude-packages': { equivalent: '`exclude-packages`', example: 'exclude-packages: [nano]' },
  recommends: { equivalent: '`recommends`', example: 'recommends: true', default: '`false`' },
  documentation: {
    equivalent: '`documentation`',
    example: 'documentation: false',
    default: '`true`',
  },
  units: { equivalent: '`units`', example: 'units: [ssh.service, fstrim.timer]' },
  'default-target': {
    equivalent: '`default-target`',
    example: 'default-target: graphical.target',
    default: 'what the installed packages set',
  },
  'add-files': {
    equivalent: '`add-files`',
    example: 'add-files:\n  - [files/motd, /etc/motd]',
  },
  'remove-files': { equivalent: '`remove-files`', example: 'remove-files: [usr/share/example]' },
  postprocess: {
    equivalent: '`postprocess` (a `#!` line picks the interpreter, as there)',
    example: 'postprocess:\n  - |\n    #!/bin/sh\n    set -eu\n    systemctl mask apt-daily.timer',
  },
  'postprocess-script': {
    equivalent:
      '`postprocess-script` (rpm-ostree keeps the including file’s when two files set it; here that is an error)',
    example: 'postprocess-script: scripts/postprocess.sh',
  },
  'add-commit-metadata': {
    equivalent: '`add-commit-metadata`',
    example: 'add-commit-metadata:\n  example.org/build-host: ci',
  },
  'automatic-version-prefix': {
    equivalent: '`automatic-version-prefix` (with `<date:FORMAT>`)',
    example: 'automatic-version-prefix: "${releasever}.<date:%Y%m%d>"',
    default: '`${releasever}` (so versions read 13.20260101.0)',
  },
  'initramfs-args': {
    equivalent: '`initramfs-args`',
    example: 'initramfs-args: [--add, lvm]',
  },
  'initramfs-profile': {
    equivalent:
      '— (rpm-ostree runs dracut --no-hostonly with everything; mkosi: `KernelModulesInitrdInclude=`/`KernelModulesInitrdExclude=`)',
    example: 'initramfs-profile: vm   # a QEMU/KVM guest image; pc (default) also boots real PCs',
  },
  'machineid-compat': {
    equivalent: '`machineid-compat`',
    example: 'machineid-compat: false',
    default: '`true`',
  },
  'container-cmd': {
    equivalent: '`container-cmd`',
    example: 'container-cmd: [/usr/bin/bash]',
  },
  'mutate-os-release': {
    equivalent: '`mutate-os-release`',
    example: 'mutate-os-release: "${releasever}"',
  },
  'kernel-args': {
    equivalent: '— (bootc: `kargs` in `/usr/lib/bootc/kargs.d/*.toml`, which this key writes)',
    example: 'kernel-args: [quiet, "console=ttyS0,115200n8"]',
  },
  'particle-os-client': {
    equivalent: '— (Fedora images ship `bootc`; this installs `particle-os-client`, see docs/client.md)',
    example: 'particle-os-client: false',
  },
};

/** An example for each rpm-ostree key that is accepted with a warning (schema.ts says why). */
const INAPPLICABLE_EXAMPLES: Record<string, string> = {
  selinux: 'selinux: true',
  'boot-location': 'boot-location: modules',
  'tmp-is-dir': 'tmp-is-dir: true',
  'etc-group-members': 'etc-group-members: [wheel]',
  'check-passwd': 'check-passwd:\n  type: previous',
  'check-groups': 'check-groups:\n  type: previous',
  'ignore-removed-users': 'ignore-removed-users: [nobody]',
  'ignore-removed-groups': 'ignore-removed-groups: [nobody]',
  rpmdb: 'rpmdb: sqlite',
  cliwrap: 'cliwrap: true',
  'readonly-executables': 'readonly-executables: true',
};

const INAPPLICABLE_DOCS: Record<string, KeyDoc> = Object.fromEntries(
  Object.keys(INAPPLICABLE_KEYS).map((k) => [
    k,
    {
      equivalent: `\`${k}\` (no effect here: a warning says why)`,
      example: INAPPLICABLE_EXAMPLES[k] ?? '',
    },
  ]),
);

/** Each underscore spelling: the dashed key's example under the alias, for it and what it holds. */
function aliasDocs(docs: Record<string, KeyDoc>): Record<string, KeyDoc> {
  return Object.fromEntries(
    Object.entries(UNDERSCORE_ALIASES).flatMap(([alias, key]) =>
      Object.keys(docs)
        .filter((path) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`))
        .map((path) => {
          const aliasPath = `${alias}${path.slice(key.length)}`;
          return [
            aliasPath,
            {
              equivalent: `\`${aliasPath}\` (rpm-ostree’s underscore spelling of \`${path}\`)`,
              example: docs[path]?.example?.replace(key, alias),
            },
          ];
        }),
    ),
  );
}

export const TREEFILE_KEYS: Record<string, KeyDoc> = {
  ...OWN_TREEFILE_KEYS,
  ...INAPPLICABLE_DOCS,
  ...aliasDocs({ ...OWN_TREEFILE_KEYS, ...INAPPLICABLE_DOCS }),
};

export const RECIPE_KEYS: Record<string, KeyDoc> = {
  name: {
    equivalent: '— (bootc-image-builder names its outputs after the type, e.g. `qcow2/disk.qcow2`)',
    example: 'name: debian-minimal',
  },
  hostname: {
    equivalent: '`customizations.hostname`',
    example: 'hostname: atomic-1.example.org',
  },
  disk: { equivalent: '`[[customizations.filesystem]]` and `--rootfs`' },
  'disk.size': {
    equivalent:
      '`[[customizations.filesystem]]` with `mountpoint = "/"` and `minsize` (a minimum for `/`, not the whole disk)',
    example: 'disk:\n  size: 12 GB',
    default: 'twice the OS plus the fixed partitions, rounded up to whole GiB',
  },
  'disk.rootfs': {
    equivalent: 'the `--rootfs` flag (this tool’s `build --rootfs` overrides the key too)',
    example: 'disk:\n  rootfs: xfs',
  },
  kernel: { equivalent: '`[customizations.kernel]`', default: 'no extra arguments' },
  'kernel.append': {
    equivalent: '`customizations.kernel.append` (one string there; a list or that string here)',
    example: 'kernel:\n  append: [quiet, "console=ttyS0,115200n8"]',
    default: '`[]`',
  },
  users: {
    equivalent: '`[[customizations.user]]`',
    example: 'users:\n  - name: alice\n    admin: true',
  },
  'users[].name': { equivalent: '`name`', example: 'users:\n  - name: alice' },
  'users[].password': {
    equivalent: '`password`',
    example: 'users:\n  - name: alice\n    password: changeme # or a hash from `openssl passwd -6`',
  },
  'users[].ssh-keys': {
    equivalent: '`key` (one string there, a list here)',
    example:
      'users:\n  - name: alice\n    ssh-keys:\n      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample alice@laptop',
  },
  'users[].groups': {
    equivalent: '`groups`',
    example: 'users:\n  - name: alice\n    groups: [adm, users]',
  },
  'users[].admin': {
    equivalent: '`groups = ["wheel"]` (Debian’s admin group is `sudo`)',
    example: 'users:\n  - name: alice\n    admin: true',
  },
  'users[].shell': {
    equivalent: '— (not in the accepted config.toml subset)',
    example: 'users:\n  - name: alice\n    shell: /bin/sh',
  },
  autologin: {
    equivalent:
      '— (bootc-image-builder has none; a kickstart or Fedora kiosk sets GDM’s `AutomaticLogin` in `/etc/gdm/custom.conf`)',
    example: 'users:\n  - name: kiosk\nautologin: kiosk',
  },
  'autologin.user': {
    equivalent: '—',
    example: 'users:\n  - name: alice\nautologin:\n  user: alice',
  },
  'autologin.session': {
    equivalent: '— (LightDM `autologin-session`, SDDM `[Autologin] Session`)',
    example: 'users:\n  - name: alice\nautologin:\n  user: alice\n  session: plasmax11',
    default: 'the image’s only Wayland session, else its only X11 one; GDM: its own default',
  },
  timezone: {
    equivalent: '`[customizations.timezone]` `timezone`',
    example: 'timezone: Europe/Berlin',
    default: 'unchanged from the image',
  },
  locale: {
    equivalent: '`[customizations.locale]` `languages` (one)',
    example: 'locale: en_US.UTF-8',
    default: 'unchanged from the image',
  },
  files: {
    equivalent: '— (not in the accepted config.toml subset)',
    example: 'files:\n  - path: /etc/motd\n    content: "Welcome\\n"',
  },
  'files[].path': {
    equivalent: '—',
    example:
      'files:\n  - path: /etc/sysctl.d/90-example.conf\n    content: "vm.swappiness = 10\\n"',
  },
  'files[].content': {
    equivalent: '—',
    example: 'files:\n  - path: /etc/issue.d/example.issue\n    content: |\n      Debian Atomic\n',
  },
  'files[].mode': {
    equivalent: '—',
    example: 'files:\n  - path: /etc/example.conf\n    content: "secret=1\\n"\n    mode: "0600"',
  },
  update: {
    equivalent: '— (a bootc system follows its container image; `bootc switch` changes it)',
  },
  'update.image': {
    equivalent:
      '`bootc-image-builder --target-imgref` (same as `particle-os build --target-imgref`, which wins over the key)',
    example: 'update:\n  image: registry.example/debian-atomic:13',
  },
  'update.url': {
    equivalent: '— (same as `particle-os build --update-url`, which wins over the key)',
    example: 'update:\n  url: https://updates.example.com/repo',
  },
  installer: {
    equivalent:
      'bootc-image-builder `anaconda-iso` with a kickstart (`customizations.installer.kickstart`): `ignoredisk`, `clearpart`',
  },
  'installer.device': {
    equivalent: 'kickstart `ignoredisk --only-use=`; coreos-installer `coreos.inst.install_dev=`',
    example: 'installer:\n  device: /dev/nvme0n1',
  },
  'installer.wipe': {
    equivalent: 'kickstart `clearpart --all --initlabel`; `particle-os install to-disk --wipe`',
    example: 'installer:\n  wipe: true',
  },
};

/** bootc-image-builder config keys this tool reads, and the recipe key each becomes. */
export const BIB_KEYS: Record<string, { recipe: string; note?: string }> = {
  customizations: { recipe: '—', note: 'the only top-level table' },
  'customizations.hostname': { recipe: 'hostname' },
  'customizations.user': { recipe: 'users' },
  'customizations.user[].name': { recipe: 'users[].name' },
  'customizations.user[].password': { recipe: 'users[].password' },
  'customizations.user[].key': {
    recipe: 'users[].ssh-keys',
    note: 'one key per line',
  },
  'customizations.user[].groups': {
    recipe: 'users[].groups',
    note: '`wheel` becomes `admin: true` (the `sudo` group)',
  },
  'customizations.kernel': { recipe: 'kernel' },
  'customizations.kernel.append': {
    recipe: 'kernel.append',
    note: 'split at spaces outside double quotes, as the kernel splits its command line',
  },
  'customizations.filesystem': {
    recipe: 'disk.size',
    note: 'only `mountpoint = "/"`; any other mount point is an error',
  },
  'customizations.filesystem[].mountpoint': { recipe: '—', note: 'must be `/`' },
  'customizations.filesystem[].minsize': {
    recipe: 'disk.size',
    note: 'bytes, or with a unit (kB MB GB TB, KiB MiB GiB TiB; "12 GB"); the disk gets this plus the ESP, /boot and the BIOS-boot partition',
  },
  'customizations.timezone': { recipe: 'timezone' },
  'customizations.timezone.timezone': { recipe: 'timezone' },
  'customizations.timezone.ntpservers': {
    recipe: 'files',
    note: '/etc/systemd/timesyncd.conf.d/50-bootc-image-builder.conf (NTP=; needs systemd-timesyncd in the image)',
  },
  'customizations.locale': { recipe: 'locale' },
  'customizations.locale.languages': {
    recipe: 'locale',
    note: 'one language (LANG); more are refused',
  },
  'customizations.locale.keyboard': {
    recipe: 'files',
    note: '/etc/vconsole.conf KEYMAP= (loaded by systemd-vconsole-setup; needs kbd in the image)',
  },
};
