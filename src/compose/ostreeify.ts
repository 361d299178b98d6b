/**
 * Turn a bootstrapped Debian root filesystem into the tree an OSTree commit must hold
 * (see docs/architecture.md and notes on OSTree on Debian):
 *  - exactly one kernel, with vmlinuz and initramfs.img in /usr/lib/modules/$KVER; /boot empty;
 *  - the dpkg database under /usr/lib/sysimage/dpkg, linked back from /var/lib/dpkg;
 *  - persistent top-level dirs (home, root, opt, srv, mnt, usr/local) as links into /var;
 *  - /var empty, recreated at boot from tmpfiles.d;
 *  - empty machine-id, no SSH host keys, no host leftovers (hostname, resolv.conf);
 *  - system users and groups also as sysusers.d entries (see sysusers.ts);
 *  - /etc moved to /usr/etc (ostree merges it into /etc at deploy time);
 *  - /sysroot and /ostree -> sysroot/ostree.
 */
import { cpSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError } from '../core/errors.ts';
import { Tree, walkDir } from '../core/tree.ts';
import { onlyKernel } from '../ostree/kernel.ts';
import { writeSysusers } from './sysusers.ts';
import { FACTORY_VAR, type VarEntry, varTmpfilesLines } from './var-tmpfiles.ts';

export const DPKG_DB = 'usr/lib/sysimage/dpkg';
/** Where dpkg keeps its database in a bootstrapped tree, before it is made OSTree-ready. */
export const BOOTSTRAP_DPKG_DB = 'var/lib/dpkg';

/** Top-level directories that live in /var on an OSTree system, and where. */
export const PERSISTENT_LINKS: readonly { path: string; target: string; varDir?: string }[] = [
  { path: 'home', target: 'var/home', varDir: 'home' },
  { path: 'root', target: 'var/roothome', varDir: 'roothome' },
  { path: 'opt', target: 'var/opt', varDir: 'opt' },
  { path: 'srv', target: 'var/srv', varDir: 'srv' },
  { path: 'mnt', target: 'var/mnt', varDir: 'mnt' },
  { path: 'usr/local', target: '../var/usrlocal', varDir: 'usrlocal' },
  { path: 'media', target: 'run/media' },
];

export interface OstreeifyResult {
  kernelVersion: string;
}

export interface OstreeifyOptions {
  /** true: ship an empty /etc/machine-id (systemd fills it at first boot); false: ship none. */
  machineIdCompat?: boolean;
}

/**
 * Every path is resolved inside the tree (core/tree.ts): postprocess scripts and packages can
 * leave any symlink in it (`var -> /`), and this runs as root on the host.
 */
export function ostreeify(root: string, o: OstreeifyOptions = {}): OstreeifyResult {
  const tree = new Tree(root);
  const kernelVersion = moveKernel(tree);
  moveDpkgDatabase(tree);
  cleanVolatileState(tree, o.machineIdCompat ?? true);
  makePersistentLinks(tree);
  convertVar(tree);
  tree.emptyDir('boot');
  for (const d of ['dev', 'proc', 'sys', 'run']) tree.emptyDir(d);
  tree.emptyDir('tmp', 0o1777);
  tree.mkdir('sysroot');
  tree.symlink('sysroot/ostree', 'ostree');
  writeSysusers(tree);
  if (tree.lstat('etc')?.isDirectory() !== true)
    throw new BuildError('/etc is not a directory in the tree (a postprocess script replaced it?)');
  tree.rename('etc', 'usr/etc');
  return { kernelVersion };
}

function moveKernel(tree: Tree): string {
  const kver = onlyKernel(tree);
  const dest = `usr/lib/modules/${kver}`;
  const vmlinuz = `boot/vmlinuz-${kver}`;
  if (tree.lstat(vmlinuz)) tree.rename(vmlinuz, `${dest}/vmlinuz`);
  if (!tree.isFile(`${dest}/vmlinuz`)) throw new BuildError(`no kernel image for ${kver}`);
  if (!tree.isFile(`${dest}/initramfs.img`)) throw new BuildError(`no initramfs for ${kver}`);
  for (const [from, to] of [
    [`config-${kver}`, 'config'],
    [`System.map-${kver}`, 'System.map'],
  ] as const) {
    if (tree.lstat(`boot/${from}`)) tree.rename(`boot/${from}`, `${dest}/${to}`);
  }
  for (const name of tree.readdir('/')) {
    if (/^(vmlinuz|initrd\.img)(\.old)?$/.test(name)) tree.remove(name);
  }
  return kver;
}

function moveDpkgDatabase(tree: Tree): void {
  tree.rename(BOOTSTRAP_DPKG_DB, DPKG_DB);
  // Relative so it resolves inside the chroot, in the image builder's staging dir and at boot.
  tree.symlink('../../usr/lib/sysimage/dpkg', BOOTSTRAP_DPKG_DB);
}

function cleanVolatileState(tree: Tree, machineIdCompat: boolean): void {
  for (const d of ['var/cache', 'var/log', 'var/tmp', 'var/lib/apt/lists']) tree.emptyDir(d);
  if (machineIdCompat) tree.write('etc/machine-id', '');
  else tree.remove('etc/machine-id');
  for (const f of ['etc/hostname', 'var/lib/dbus/machine-id']) tree.remove(f);
  // A copy of the build host's name servers goes; systemd-resolved's link into /run stays
  // (it is how the booted system finds its own, from DHCP).
  if (
    !tree.lstat('etc/resolv.conf')?.isSymbolicLink() ||
    !/^(\.\.)?\/run\//.test(tree.readlink('etc/resolv.conf'))
  )
    tree.remove('etc/resolv.conf');
  for (const f of tree.readdir('etc/ssh'))
    if (f.startsWith('ssh_host_')) tree.remove(`etc/ssh/${f}`);
  if (tree.isFile('usr/sbin/sshd')) addHostKeyService(tree);
}

export const SSH_HOST_KEYS_UNIT = 'particle-os-ssh-host-keys.service';

/**
 * The image carries no SSH host keys (every machine needs its own) and Debian makes them only
 * in openssh-server's postinst, so without this sshd would refuse to start on every machine
 * (its ExecStartPre `sshd -t` finds no host key). This unit makes the missing ones before
 * sshd starts, once per machine: `ssh-keygen -A` only creates key types that do not exist yet.
 * Fedora's sshd-keygen@.service does the same job.
 */
function addHostKeyService(tree: Tree): void {
  tree.mkdir('usr/lib/systemd/system/ssh.service.d');
  tree.write(
    `usr/lib/systemd/system/${SSH_HOST_KEYS_UNIT}`,
    [
      '[Unit]',
      'Description=Create the SSH host keys this machine does not have yet',
      'Before=ssh.service',
      '',
      '[Service]',
      'Type=oneshot',
      'ExecStart=/usr/bin/ssh-keygen -A',
      'RemainAfterExit=yes',
      '',
    ].join('\n'),
    0o644,
  );
  tree.write(
    'usr/lib/systemd/system/ssh.service.d/particle-os-host-keys.conf',
    `[Unit]\nWants=${SSH_HOST_KEYS_UNIT}\nAfter=${SSH_HOST_KEYS_UNIT}\n`,
    0o644,
  );
}

function makePersistentLinks(tree: Tree): void {
  for (const { path, target, varDir } of PERSISTENT_LINKS) {
    if (varDir) {
      const inVar = `var/${varDir}`;
      const st = tree.lstat(path);
      if (st && !st.isSymbolicLink() && !tree.lstat(inVar)) tree.rename(path, inVar);
      tree.mkdir(inVar);
    }
    tree.symlink(target, path);
  }
}

/** Record /var as tmpfiles.d entries and file copies in /usr/share/factory/var, then empty it. */
function convertVar(tree: Tree): void {
  // /var itself is a real directory here (emptyDir replaced a link), so the walk below,
  // which never follows a symlink, stays inside it.
  if (!tree.lstat('var')?.isDirectory()) tree.emptyDir('var');
  const varRoot = tree.path('var');
  const entries = walkVar(varRoot);
  for (const e of entries.filter((x) => x.type === 'file')) {
    const dest = `${FACTORY_VAR}/${e.path}`;
    tree.mkdir(dest.slice(0, dest.lastIndexOf('/')));
    cpSync(join(varRoot, e.path), tree.path(dest), { preserveTimestamps: true });
  }
  tree.write(
    'usr/lib/tmpfiles.d/particle-os-var.conf',
    `# Generated by particle-os compose: recreates the image's /var at boot.\n${varTmpfilesLines(entries).join('\n')}\n`,
  );
  tree.emptyDir('var');
}

function walkVar(varRoot: string): VarEntry[] {
  return walkDir(varRoot).flatMap((e): VarEntry[] => {
    const base = { path: e.path, mode: e.stats.mode, uid: e.stats.uid, gid: e.stats.gid };
    if (e.stats.isSymbolicLink())
      return [{ ...base, type: 'symlink', target: readlinkSync(join(varRoot, e.path)) }];
    if (e.stats.isDirectory()) return [{ ...base, type: 'dir' }];
    if (e.stats.isFile()) return [{ ...base, type: 'file' }];
    // Sockets, fifos and device nodes have no place in a commit; they are dropped.
    return [];
  });
}
