/**
 * Every key of the peers' formats and what particle-os does with it: each rpm-ostree treefile
 * key and each bootc-image-builder (blueprint) customization. The lists are the peers'; what
 * happens to a key is not written here but looked up in the tables the loaders use
 * (src/treefile/schema.ts INAPPLICABLE_KEYS, REFUSED_KEYS, UNDERSCORE_ALIASES;
 * src/recipe/bib-config.ts REFUSED; BIB_KEYS and TREEFILE_KEYS in doc-equivalents.ts), so
 * the docs cannot say something the loaders do not do. test/unit/peer-keys.test.ts loads each
 * key's `value` and checks the outcome; gen-docs.ts renders the tables.
 *
 * Sources read:
 * - rpm-ostree docs/treefile.md at coreos/rpm-ostree d5ef5f0cb5ace53f40a8d92933cc87e69ad8c7f4
 *   (every top-level key, the experimental ones included, and the spellings it documents)
 * - bootc-image-builder README.md ("Build config") at osbuild/bootc-image-builder
 *   2cc5e958a1e14d0ee93cca293ddaf2607dc67363, and the blueprint reference it points to,
 *   docs/user-guide/01-blueprint-reference.md of osbuild/osbuild.github.io (the version with
 *   the bootc tab): every customizations.* key and sub-key, and the blueprint's top-level keys
 */
import { REFUSED } from '../src/recipe/bib-config.ts';
import {
  INAPPLICABLE_KEYS,
  refusedReason,
  UNDERSCORE_ALIASES,
} from '../src/treefile/schema.ts';
import { BIB_KEYS, TREEFILE_KEYS } from './doc-equivalents.ts';

export type Outcome =
  | { kind: 'implemented'; as: string; note?: string }
  | { kind: 'warned'; reason: string }
  | { kind: 'refused'; reason: string; by?: string };

export interface PeerKey {
  /** The key as the peer documents it (a dotted path for bootc-image-builder). */
  key: string;
  /** A minimal valid value (JSON, which is also YAML) for the test. */
  value: unknown;
  /** rpm-ostree only: the key of ours that stands for it when the names differ. */
  ours?: string;
}

/** rpm-ostree's treefile keys, in the order of its reference. */
export const RPM_OSTREE_KEYS: readonly PeerKey[] = [
  { key: 'edition', value: '2024' },
  { key: 'ref', value: 'example/13/x86_64/minimal' },
  { key: 'metadata', value: { summary: 'Debian minimal' } },
  { key: 'gpg-key', value: 'ABCD1234' },
  { key: 'gpg_key', value: 'ABCD1234' },
  { key: 'repos', value: ['fedora'] },
  { key: 'selinux', value: true },
  { key: 'ignore-devices', value: true },
  { key: 'ima', value: false },
  { key: 'boot-location', value: 'modules' },
  { key: 'boot_location', value: 'modules' },
  { key: 'etc-group-members', value: ['wheel'] },
  { key: 'install-langs', value: ['en_US'] },
  { key: 'mutate-os-release', value: '13' },
  { key: 'documentation', value: false },
  { key: 'packages', value: ['less'] },
  { key: 'packages-$basearch', value: ['less'], ours: 'packages-x86_64' },
  { key: 'exclude-packages', value: ['nano'] },
  { key: 'repo-packages', value: [{ repo: 'updates', packages: ['less'] }] },
  { key: 'ostree-layers', value: ['overlay/extra'] },
  { key: 'ostree-override-layers', value: ['overlay/extra'] },
  { key: 'container-cmd', value: ['/usr/bin/bash'] },
  { key: 'bootstrap_packages', value: ['less'] },
  { key: 'recommends', value: true },
  { key: 'units', value: ['ssh.service'] },
  { key: 'default-target', value: 'multi-user.target' },
  { key: 'default_target', value: 'multi-user.target' },
  { key: 'initramfs-args', value: ['--add', 'lvm'] },
  { key: 'rpmdb', value: 'target' },
  { key: 'rpmdb-normalize', value: true },
  { key: 'selinux-label-version', value: 1 },
  { key: 'cliwrap', value: true },
  { key: 'cliwrap-binaries', value: ['kernel-install'] },
  { key: 'readonly-executables', value: true },
  { key: 'remove-files', value: ['usr/share/doc/less'] },
  { key: 'remove-from-packages', value: [['less', '/usr/share/.*']] },
  { key: 'preserve-passwd', value: true },
  { key: 'check-passwd', value: { type: 'previous' } },
  { key: 'check-groups', value: { type: 'previous' } },
  { key: 'ignore-removed-users', value: ['nobody'] },
  { key: 'ignore-removed-groups', value: ['nobody'] },
  { key: 'releasever', value: 13 },
  { key: 'automatic-version-prefix', value: '13' },
  { key: 'automatic_version_prefix', value: '13' },
  { key: 'automatic-version-suffix', value: '-' },
  { key: 'add-commit-metadata', value: { 'example.org/build': 'ci' } },
  { key: 'postprocess-script', value: 'postprocess.sh' },
  { key: 'postprocess', value: ['true'] },
  { key: 'include', value: 'common.yaml' },
  { key: 'arch-include', value: { x86_64: 'common.yaml' } },
  { key: 'conditional-include', value: [{ if: 'basearch == "x86_64"', include: 'common.yaml' }] },
  { key: 'container', value: false },
  { key: 'add-files', value: [['motd', '/etc/motd']] },
  { key: 'tmp-is-dir', value: true },
  { key: 'machineid-compat', value: false },
  { key: 'platform-module', value: 'platform:f42' },
  { key: 'variables', value: { flavour: 'minimal' } },
  { key: 'repo-metadata', value: 'detached' },
  { key: 'advisories-metadata', value: 'disabled' },
  // Experimental options
  { key: 'lockfile-repos', value: ['locked'] },
  { key: 'repovars', value: { stream: 'stable' } },
  { key: 'sysusers', value: 'compose-forced' },
  { key: 'opt-usrlocal', value: 'var' },
  { key: 'no-initramfs', value: true },
];

/** What loading a treefile with this rpm-ostree key does; undefined: the tables miss it. */
export function rpmOstreeOutcome(k: PeerKey): Outcome | undefined {
  const refused = refusedReason(k.key);
  if (refused) return { kind: 'refused', reason: refused };
  const ours = k.ours ?? UNDERSCORE_ALIASES[k.key] ?? k.key;
  const warned = INAPPLICABLE_KEYS[ours];
  if (warned) return { kind: 'warned', reason: warned };
  if (TREEFILE_KEYS[ours]) return { kind: 'implemented', as: ours };
  return undefined;
}

/**
 * bootc-image-builder's documented keys. Those that bib-config.ts reads or refuses are added
 * from its tables (bibKeyRows), so this lists the documented ones it has no entry for itself.
 */
const BIB_DOCUMENTED: readonly PeerKey[] = [
  // The blueprint's own top-level keys (REFUSED covers them).
  { key: 'name', value: 'example' },
  { key: 'description', value: 'An example' },
  { key: 'version', value: '0.0.1' },
  { key: 'distro', value: 'fedora-42' },
  { key: 'packages', value: [{ name: 'tmux' }] },
  { key: 'modules', value: [{ name: 'tmux' }] },
  { key: 'groups', value: [{ name: 'anaconda-tools' }] },
  { key: 'containers', value: [{ source: 'quay.io/fedora/fedora:latest' }] },
  { key: 'customizations.hostname', value: 'atomic-1' },
  { key: 'customizations.kernel', value: { append: 'quiet' } },
  { key: 'customizations.kernel.name', value: 'kernel-debug' },
  { key: 'customizations.kernel.append', value: 'quiet mitigations=auto' },
  { key: 'customizations.sshkey', value: [{ user: 'root', key: 'ssh-ed25519 AAAA' }] },
  { key: 'customizations.sshkey[].user', value: 'root' },
  { key: 'customizations.sshkey[].key', value: 'ssh-ed25519 AAAA' },
  { key: 'customizations.user', value: [{ name: 'alice' }] },
  { key: 'customizations.user[].name', value: 'alice' },
  { key: 'customizations.user[].description', value: 'Alice Example' },
  { key: 'customizations.user[].password', value: 'changeme' },
  {
    key: 'customizations.user[].key',
    value:
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample alice@laptop',
  },
  { key: 'customizations.user[].home', value: '/home/alice' },
  { key: 'customizations.user[].shell', value: '/bin/bash' },
  { key: 'customizations.user[].groups', value: ['wheel'] },
  { key: 'customizations.user[].uid', value: 1500 },
  { key: 'customizations.user[].gid', value: 1500 },
  { key: 'customizations.user[].expiredate', value: 20819 },
  { key: 'customizations.group', value: [{ name: 'devs', gid: 2000 }] },
  { key: 'customizations.group[].name', value: 'devs' },
  { key: 'customizations.group[].gid', value: 2000 },
  { key: 'customizations.timezone', value: { timezone: 'Europe/Berlin' } },
  { key: 'customizations.timezone.timezone', value: 'Europe/Berlin' },
  { key: 'customizations.timezone.ntpservers', value: ['0.pool.ntp.org'] },
  { key: 'customizations.locale', value: { languages: ['C.UTF-8'] } },
  { key: 'customizations.locale.languages', value: ['C.UTF-8'] },
  { key: 'customizations.locale.keyboard', value: 'de' },
  { key: 'customizations.firewall', value: { ports: ['22:tcp'] } },
  { key: 'customizations.firewall.ports', value: ['22:tcp'] },
  { key: 'customizations.firewall.services', value: { enabled: ['ssh'] } },
  { key: 'customizations.firewall.services.enabled', value: ['ssh'] },
  { key: 'customizations.firewall.services.disabled', value: ['telnet'] },
  { key: 'customizations.services', value: { enabled: ['ssh'] } },
  { key: 'customizations.services.enabled', value: ['ssh'] },
  { key: 'customizations.services.disabled', value: ['cron'] },
  { key: 'customizations.services.masked', value: ['cups.service'] },
  { key: 'customizations.directories', value: [{ path: '/etc/app' }] },
  { key: 'customizations.directories[].path', value: '/etc/app' },
  { key: 'customizations.directories[].mode', value: '0750' },
  { key: 'customizations.directories[].user', value: 'root' },
  { key: 'customizations.directories[].group', value: 0 },
  { key: 'customizations.directories[].ensure_parents', value: true },
  { key: 'customizations.files', value: [{ path: '/etc/motd', data: 'hello\n' }] },
  { key: 'customizations.files[].path', value: '/etc/motd' },
  { key: 'customizations.files[].mode', value: '0600' },
  { key: 'customizations.files[].user', value: 'root' },
  { key: 'customizations.files[].group', value: 'root' },
  { key: 'customizations.files[].data', value: 'hello\n' },
  { key: 'customizations.installation_device', value: '/dev/vda' },
  { key: 'customizations.ignition', value: { firstboot: { url: 'http://example.com/x.ign' } } },
  { key: 'customizations.ignition.embedded', value: { config: 'e30=' } },
  { key: 'customizations.ignition.embedded.config', value: 'e30=' },
  { key: 'customizations.ignition.firstboot', value: { url: 'http://example.com/x.ign' } },
  { key: 'customizations.ignition.firstboot.url', value: 'http://example.com/x.ign' },
  { key: 'customizations.fdo', value: { manufacturing_server_url: 'http://fdo.example.com' } },
  { key: 'customizations.fdo.manufacturing_server_url', value: 'http://fdo.example.com' },
  { key: 'customizations.fdo.diun_pub_key_insecure', value: 'true' },
  { key: 'customizations.fdo.diun_pub_key_hash', value: 'sha256:00' },
  { key: 'customizations.fdo.diun_pub_key_root_certs', value: '/etc/fdo/root.crt' },
  { key: 'customizations.fdo.di_mfg_string_type_mac_iface', value: 'enp2s0' },
  { key: 'customizations.repositories', value: [{ id: 'example' }] },
  ...[
    ['id', 'example'],
    ['name', 'Example repo'],
    ['filename', 'example.repo'],
    ['baseurls', ['https://example.com/yum']],
    ['mirrorlist', 'https://example.com/mirrorlist'],
    ['metalink', 'https://example.com/metalink'],
    ['gpgkeys', ['https://example.com/key.asc']],
    ['gpgcheck', true],
    ['repo_gpgcheck', true],
    ['enabled', true],
    ['priority', 10],
    ['ssl_verify', true],
  ].map(([sub, value]) => ({ key: `customizations.repositories[].${sub}`, value })),
  { key: 'customizations.partitioning_mode', value: 'raw' },
  { key: 'customizations.filesystem', value: [{ mountpoint: '/', minsize: '10 GiB' }] },
  { key: 'customizations.filesystem[].mountpoint', value: '/' },
  { key: 'customizations.filesystem[].minsize', value: '10 GiB' },
  { key: 'customizations.disk', value: { minsize: '20 GiB' } },
  { key: 'customizations.disk.type', value: 'gpt' },
  { key: 'customizations.disk.minsize', value: '20 GiB' },
  {
    key: 'customizations.disk.partitions',
    value: [{ type: 'plain', mountpoint: '/', fs_type: 'xfs', minsize: '10 GiB' }],
  },
  { key: 'customizations.disk.partitions[].type', value: 'plain' },
  { key: 'customizations.disk.partitions[].minsize', value: '10 GiB' },
  { key: 'customizations.disk.partitions[].mountpoint', value: '/' },
  { key: 'customizations.disk.partitions[].label', value: 'root' },
  { key: 'customizations.disk.partitions[].fs_type', value: 'xfs' },
  { key: 'customizations.disk.partitions[].name', value: 'vg0' },
  {
    key: 'customizations.disk.partitions[].logical_volumes',
    value: [{ name: 'root', minsize: '10 GiB', mountpoint: '/', fs_type: 'xfs' }],
  },
  ...[
    ['name', 'root'],
    ['minsize', '10 GiB'],
    ['mountpoint', '/'],
    ['label', 'root'],
    ['fs_type', 'xfs'],
  ].map(([sub, value]) => ({
    key: `customizations.disk.partitions[].logical_volumes[].${sub}`,
    value,
  })),
  {
    key: 'customizations.disk.partitions[].subvolumes',
    value: [{ name: 'root', mountpoint: '/' }],
  },
  { key: 'customizations.disk.partitions[].subvolumes[].name', value: 'root' },
  { key: 'customizations.disk.partitions[].subvolumes[].mountpoint', value: '/' },
  { key: 'customizations.openscap', value: { profile_id: 'cis' } },
  { key: 'customizations.openscap.datastream', value: '/usr/share/xml/scap/ds.xml' },
  { key: 'customizations.openscap.profile_id', value: 'cis' },
  { key: 'customizations.openscap.tailoring', value: { selected: ['a'] } },
  { key: 'customizations.openscap.tailoring.selected', value: ['a'] },
  { key: 'customizations.openscap.tailoring.unselected', value: ['b'] },
  { key: 'customizations.openscap.json_tailoring', value: { profile_id: 'p' } },
  { key: 'customizations.openscap.json_tailoring.profile_id', value: 'p' },
  { key: 'customizations.openscap.json_tailoring.filepath', value: '/etc/tailoring.json' },
  { key: 'customizations.fips', value: true },
  { key: 'customizations.installer', value: { unattended: true } },
  { key: 'customizations.installer.unattended', value: true },
  { key: 'customizations.installer.sudo-nopasswd', value: ['%wheel'] },
  { key: 'customizations.installer.kickstart', value: { contents: 'text\n' } },
  { key: 'customizations.installer.kickstart.contents', value: 'text\n' },
  { key: 'customizations.installer.modules', value: { enable: ['x'] } },
  { key: 'customizations.installer.modules.enable', value: ['x'] },
  { key: 'customizations.installer.modules.disable', value: ['x'] },
  { key: 'customizations.iso', value: { volume_id: 'LABEL' } },
  { key: 'customizations.iso.volume_id', value: 'LABEL' },
  { key: 'customizations.iso.application_id', value: 'APP' },
  { key: 'customizations.iso.publisher', value: 'PUBLISHER' },
  { key: 'customizations.rhsm', value: { config: {} } },
  { key: 'customizations.rhsm.config', value: {} },
  { key: 'customizations.rpm', value: { import_keys: { files: ['/etc/pki/k'] } } },
  { key: 'customizations.rpm.import_keys', value: { files: ['/etc/pki/k'] } },
  { key: 'customizations.rpm.import_keys.files', value: ['/etc/pki/k'] },
];

/** Values for the keys bib-config.ts has that the documentation above does not list. */
const BIB_EXTRA_VALUES: Readonly<Record<string, unknown>> = {
  customizations: {},
  'customizations.user[].force_password_reset': true,
  'customizations.sshd': { password_authentication: false },
  'customizations.sshd.password_authentication': false,
  'customizations.sshd.kbd_interactive_authentication': false,
  'customizations.sshd.client_alive_interval': 60,
  'customizations.sshd.permit_root_login': 'no',
  'customizations.files[].uri': 'file:///etc/motd',
  'customizations.cacerts': { pem_certs: ['x'] },
  'customizations.containers-storage': { 'destination-path': '/x' },
  'customizations.firstboot': {},
  'customizations.dnf': {},
  enabled_modules: [{ name: 'x', stream: '1' }],
  architecture: 'x86_64',
};

/** Every bootc-image-builder key: the documented ones, then those only bib-config.ts names. */
export function bibKeyRows(): PeerKey[] {
  const rows = [...BIB_DOCUMENTED];
  const have = new Set(rows.map((r) => r.key));
  for (const key of [...Object.keys(BIB_KEYS), ...Object.keys(REFUSED)]) {
    if (have.has(key)) continue;
    have.add(key);
    rows.push({ key, value: BIB_EXTRA_VALUES[key] ?? true });
  }
  return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The key's parents, nearest first: `a.b[].c` → `a.b`, `a`. */
function parents(key: string): string[] {
  const out: string[] = [];
  let k = key;
  for (;;) {
    const i = k.lastIndexOf('.');
    if (i < 0) return out;
    k = k.slice(0, i).replace(/\[\]$/, '');
    out.push(k);
  }
}

/** What loading a config.toml with this key does; undefined: the tables miss it. */
export function bibOutcome(key: string): Outcome | undefined {
  if (REFUSED[key]) return { kind: 'refused', reason: REFUSED[key] };
  const by = parents(key).find((p) => REFUSED[p]);
  if (by) return { kind: 'refused', reason: REFUSED[by] as string, by };
  const m = BIB_KEYS[key];
  if (!m) return undefined;
  return m.recipe === '—'
    ? { kind: 'implemented', as: '', note: m.note }
    : { kind: 'implemented', as: m.recipe, note: m.note };
}

/** Siblings an item needs to be valid at all, so each row tests only its own key. */
const ITEM_BASE: Readonly<Record<string, Record<string, unknown>>> = {
  'customizations.user': { name: 'alice' },
  'customizations.group': { name: 'devs' },
  'customizations.files': { path: '/etc/motd' },
  'customizations.directories': { path: '/etc/app' },
  'customizations.filesystem': { mountpoint: '/', minsize: '10 GiB' },
  'customizations.disk.partitions': { mountpoint: '/', fs_type: 'ext4', minsize: '10 GiB' },
};

/** A whole config (JSON) that sets `row.key` to `row.value`, and what else it needs. */
export function bibExample(row: PeerKey): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur = root;
  const parts = row.key.split('.');
  let prefix = '';
  parts.forEach((part, i) => {
    const list = part.endsWith('[]');
    const name = list ? part.slice(0, -2) : part;
    prefix = prefix ? `${prefix}.${name}` : name;
    const last = i === parts.length - 1;
    if (last) {
      cur[name] = row.value;
      return;
    }
    const next: Record<string, unknown> = list ? { ...ITEM_BASE[prefix] } : {};
    cur[name] = list ? [next] : next;
    cur = next;
  });
  return root;
}

/** Markdown: `implemented as …`, `warned: …`, `refused: …`. */
export function outcomeText(o: Outcome, link: (key: string) => string): string {
  switch (o.kind) {
    case 'implemented': {
      const as = o.as ? `implemented as ${link(o.as)}` : 'implemented';
      return o.note ? `${as} (${o.note})` : as;
    }
    case 'warned':
      return `warned (no effect): ${o.reason}`;
    case 'refused':
      return o.by ? `refused with \`${o.by}\`: ${o.reason}` : `refused: ${o.reason}`;
  }
}
