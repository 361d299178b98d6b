/**
 * What the schemas cannot say about each key: the closest rpm-ostree treefile /
 * bootc-image-builder setting, a YAML example (checked against the schema by gen-docs.ts), and
 * a default when it is computed rather than declared. Keyed by key path (`users[].ssh-keys`);
 * gen-docs.ts fails when a schema key has no entry here or an entry names no schema key.
 */
import { INAPPLICABLE_KEYS, UNDERSCORE_ALIASES } from '../src/treefile/schema.ts';
import { REFUSED } from '../src/recipe/bib-config.ts';

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
    example: 'postinstall:\n  - |\n    rm -f /etc/update-motd.d/10-uname',
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
  packages: {
    equivalent: '`packages` (a version or repository there: `versionlock`, `repo-packages`)',
    example: 'packages: [htop, "tmux=3.5a-3", linux-image-amd64/trixie-backports]',
  },
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
  'kernel-flavour': {
    equivalent: '— (rpm-ostree: another kernel package, e.g. `kernel-rt`, in `packages`)',
    example: 'kernel-flavour: cloud',
    default: '`default`: linux-image-amd64',
  },
  'kernel-args': {
    equivalent: '— (bootc: `kargs` in `/usr/lib/bootc/kargs.d/*.toml`, which this key writes)',
    example: 'kernel-args: [quiet, "console=ttyS0,115200n8"]',
  },
  locales: {
    equivalent:
      '— (Fedora ships each language as glibc-langpack-* packages; Debian compiles locales with locale-gen)',
    example: 'locales: [de_DE.UTF-8, en_US.UTF-8]',
    default: 'unset: no locales compiled besides C.UTF-8, which glibc has built in',
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
  'cliwrap-binaries': 'cliwrap-binaries: [kernel-install]',
  edition: 'edition: "2024"',
  metadata: 'metadata:\n  summary: Debian minimal',
  'ignore-devices': 'ignore-devices: true',
  ima: 'ima: false',
  'rpmdb-normalize': 'rpmdb-normalize: true',
  'selinux-label-version': 'selinux-label-version: 1',
  'preserve-passwd': 'preserve-passwd: true',
  'platform-module': 'platform-module: platform:f42',
  'repo-metadata': 'repo-metadata: detached',
  'advisories-metadata': 'advisories-metadata: disabled',
  sysusers: 'sysusers: compose-forced',
  'opt-usrlocal': 'opt-usrlocal: var',
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
  disk: {
    equivalent: '`[customizations.disk]`, `[[customizations.filesystem]]` and `--rootfs`',
  },
  'disk.size': {
    equivalent:
      '`[customizations.disk]` `minsize` (the whole disk); `[[customizations.filesystem]]` with `mountpoint = "/"` and `minsize` (a minimum for `/`, not the whole disk)',
    example: 'disk:\n  size: 12 GB',
    default: 'twice the OS plus the fixed partitions, rounded up to whole GiB',
  },
  'disk.rootfs': {
    equivalent:
      'the `--rootfs` flag, or `fs_type` of a `[[customizations.disk.partitions]]` for `/` (this tool’s `build --rootfs` overrides the key too)',
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
    equivalent: '`shell`',
    example: 'users:\n  - name: alice\n    shell: /bin/sh',
  },
  'users[].uid': {
    equivalent: '`uid`',
    example: 'users:\n  - name: alice\n    uid: 1500',
  },
  'users[].gid': {
    equivalent: '`gid` (like `useradd -g`: an existing group’s gid makes it the primary group)',
    example: 'groups:\n  - name: devs\n    gid: 2000\nusers:\n  - name: alice\n    gid: 2000',
  },
  'users[].home': {
    equivalent: '`home` (a trailing slash is dropped; only below /home here)',
    example: 'users:\n  - name: alice\n    home: /home/team/alice',
  },
  'users[].description': {
    equivalent: '`description`',
    example: 'users:\n  - name: alice\n    description: Alice Example',
  },
  'users[].expire-date': {
    equivalent: '`expiredate`',
    example: 'users:\n  - name: contractor\n    expire-date: 20819 # 2027-01-01',
  },
  'users[].force-password-reset': {
    equivalent: '`force_password_reset`',
    example: 'users:\n  - name: alice\n    password: changeme\n    force-password-reset: true',
  },
  groups: {
    equivalent: '`[[customizations.group]]`',
    example: 'groups:\n  - name: devs\n    gid: 2000',
  },
  'groups[].name': { equivalent: '`name`', example: 'groups:\n  - name: devs' },
  'groups[].gid': { equivalent: '`gid`', example: 'groups:\n  - name: devs\n    gid: 2000' },
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
    example: 'locale: de_DE.UTF-8',
    default: 'unchanged from the image',
  },
  files: {
    equivalent: '`[[customizations.files]]` (only below /etc)',
    example: 'files:\n  - path: /etc/motd\n    content: "Welcome\\n"',
  },
  'files[].path': {
    equivalent: '`path`',
    example:
      'files:\n  - path: /etc/sysctl.d/90-example.conf\n    content: "vm.swappiness = 10\\n"',
  },
  'files[].content': {
    equivalent: '`data`',
    example: 'files:\n  - path: /etc/issue.d/example.issue\n    content: |\n      Debian Atomic\n',
  },
  'files[].mode': {
    equivalent: '`mode`',
    example: 'files:\n  - path: /etc/example.conf\n    content: "secret=1\\n"\n    mode: "0600"',
  },
  'files[].user': {
    equivalent: '`user`',
    example: 'users:\n  - name: alice\nfiles:\n  - path: /etc/app.conf\n    content: ""\n    user: alice',
    default: 'root (an existing file keeps its owner)',
  },
  'files[].group': {
    equivalent: '`group`',
    example: 'files:\n  - path: /etc/app.conf\n    content: ""\n    group: 0',
    default: 'root (an existing file keeps its group)',
  },
  directories: {
    equivalent: '`[[customizations.directories]]` (only below /etc)',
    example: 'directories:\n  - path: /etc/app/conf.d\n    ensure-parents: true',
  },
  'directories[].path': { equivalent: '`path`', example: 'directories:\n  - path: /etc/app' },
  'directories[].mode': {
    equivalent: '`mode`',
    example: 'directories:\n  - path: /etc/app\n    mode: "0750"',
  },
  'directories[].user': {
    equivalent: '`user`',
    example: 'directories:\n  - path: /etc/app\n    user: 1500',
    default: 'root (an existing directory keeps its owner)',
  },
  'directories[].group': {
    equivalent: '`group`',
    example: 'directories:\n  - path: /etc/app\n    group: adm',
    default: 'root (an existing directory keeps its group)',
  },
  'directories[].ensure-parents': {
    equivalent: '`ensure_parents`',
    example: 'directories:\n  - path: /etc/app/conf.d/extra\n    ensure-parents: true',
  },
  services: { equivalent: '`[customizations.services]`' },
  'services.enabled': {
    equivalent: '`enabled` (an alias such as Fedora’s `sshd` enables the unit that declares it: Debian’s `ssh.service`)',
    example: 'services:\n  enabled: [ssh, fstrim.timer]',
  },
  'services.disabled': {
    equivalent: '`disabled` (a unit the image enables in /usr is an error: mask it)',
    example: 'services:\n  disabled: [cron]',
  },
  'services.masked': {
    equivalent: '`masked`',
    example: 'services:\n  masked: [cups.service]',
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
  'customizations.disk': {
    recipe: 'disk',
    note: 'what fits the fixed layout (GPT: BIOS boot, ESP, /boot, root); not together with `[[customizations.filesystem]]` (bootc-image-builder refuses the two together too)',
  },
  'customizations.disk.type': {
    recipe: '—',
    note: '`gpt` (the layout’s own); `dos` is refused: BIOS boot and the ESP need GPT',
  },
  'customizations.disk.minsize': {
    recipe: 'disk.size',
    note: 'the whole disk, same units as `minsize` of `[[customizations.filesystem]]`; with a `/` partition’s minsize as well, the disk gets the larger of this and what that root needs',
  },
  'customizations.disk.partitions': {
    recipe: 'disk',
    note: 'plain partitions for `/` and `/boot` only; other mount points, swap, `lvm` and `btrfs` are refused',
  },
  'customizations.disk.partitions[].type': {
    recipe: '—',
    note: '`plain` (the default); `lvm` and `btrfs` are refused',
  },
  'customizations.disk.partitions[].minsize': {
    recipe: 'disk.size',
    note: 'for `/`: as `minsize` of `[[customizations.filesystem]]`; for `/boot`: at most its fixed 1024 MiB',
  },
  'customizations.disk.partitions[].mountpoint': {
    recipe: '—',
    note: '`/` or `/boot`; any other is refused (it is a directory of the root)',
  },
  'customizations.disk.partitions[].label': {
    recipe: '—',
    note: 'the labels are fixed: `root` for `/`, `boot` for `/boot`; another label is refused',
  },
  'customizations.disk.partitions[].fs_type': {
    recipe: 'disk.rootfs',
    note: '`/`: ext4, xfs or btrfs; `/boot`: ext4; `swap` and others are refused',
  },
  'customizations.timezone': { recipe: 'timezone' },
  'customizations.timezone.timezone': { recipe: 'timezone' },
  'customizations.timezone.ntpservers': {
    recipe: 'files',
    note: '/etc/systemd/timesyncd.conf.d/50-bootc-image-builder.conf (NTP=; needs systemd-timesyncd in the image: the build warns when it lacks it)',
  },
  'customizations.locale': { recipe: 'locale' },
  'customizations.locale.languages': {
    recipe: 'locale',
    note: 'one language (LANG); more are refused. The image must have it compiled (the treefile’s `locales`)',
  },
  'customizations.locale.keyboard': {
    recipe: 'files',
    note: '/etc/vconsole.conf KEYMAP= (loaded by systemd-vconsole-setup; needs kbd and the keymap, from console-data, in the image: the build warns when it lacks them)',
  },
  'customizations.user[].description': { recipe: 'users[].description' },
  'customizations.user[].home': { recipe: 'users[].home', note: 'below /home only' },
  'customizations.user[].shell': {
    recipe: 'users[].shell',
    note: 'must be a program in the image',
  },
  'customizations.user[].uid': { recipe: 'users[].uid', note: '1000–59999, free in the image' },
  'customizations.user[].gid': {
    recipe: 'users[].gid',
    note: 'an existing group’s gid makes it the primary group; else the user’s own group gets it',
  },
  'customizations.user[].expiredate': { recipe: 'users[].expire-date' },
  'customizations.user[].force_password_reset': { recipe: 'users[].force-password-reset' },
  'customizations.group': { recipe: 'groups' },
  'customizations.group[].name': { recipe: 'groups[].name' },
  'customizations.group[].gid': { recipe: 'groups[].gid', note: '1000–59999, free in the image' },
  'customizations.partitioning_mode': {
    recipe: '—',
    note: '`raw` or `auto-lvm` (raw here: the root is a plain partition); `lvm` and `btrfs` are refused',
  },
  'customizations.installation_device': {
    recipe: 'installer.device',
    note: 'for build --type iso; a disk holding partitions is refused unless a YAML recipe sets installer.wipe',
  },
  'customizations.services': { recipe: 'services' },
  'customizations.services.enabled': { recipe: 'services.enabled' },
  'customizations.services.disabled': { recipe: 'services.disabled' },
  'customizations.services.masked': { recipe: 'services.masked' },
  'customizations.files': { recipe: 'files', note: 'only below /etc' },
  'customizations.files[].path': { recipe: 'files[].path' },
  'customizations.files[].mode': { recipe: 'files[].mode' },
  'customizations.files[].user': { recipe: 'files[].user' },
  'customizations.files[].group': { recipe: 'files[].group' },
  'customizations.files[].data': { recipe: 'files[].content' },
  'customizations.directories': { recipe: 'directories', note: 'only below /etc' },
  'customizations.directories[].path': { recipe: 'directories[].path' },
  'customizations.directories[].mode': { recipe: 'directories[].mode' },
  'customizations.directories[].user': { recipe: 'directories[].user' },
  'customizations.directories[].group': { recipe: 'directories[].group' },
  'customizations.directories[].ensure_parents': { recipe: 'directories[].ensure-parents' },
  'customizations.sshd': {
    recipe: 'files',
    note: '/etc/ssh/sshd_config.d/50-bootc-image-builder.conf (read before sshd_config, so it wins; needs openssh-server in the image: the build warns when it lacks it)',
  },
  'customizations.sshd.password_authentication': { recipe: 'files', note: 'PasswordAuthentication' },
  'customizations.sshd.kbd_interactive_authentication': {
    recipe: 'files',
    note: 'KbdInteractiveAuthentication',
  },
  'customizations.sshd.client_alive_interval': { recipe: 'files', note: 'ClientAliveInterval' },
  'customizations.sshd.permit_root_login': {
    recipe: 'files',
    note: 'PermitRootLogin: yes, no, prohibit-password or forced-commands-only',
  },
  // Keys that cannot work here: refused with the reason bib-config.ts gives.
  ...Object.fromEntries(
    Object.entries(REFUSED).map(([key, reason]) => [key, { recipe: '—', note: `refused: ${reason}` }]),
  ),
};
