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
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { BuildError } from '../core/errors.ts';
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

export function ostreeify(root: string, o: OstreeifyOptions = {}): OstreeifyResult {
  const kernelVersion = moveKernel(root);
  moveDpkgDatabase(root);
  cleanVolatileState(root, o.machineIdCompat ?? true);
  makePersistentLinks(root);
  convertVar(root);
  emptyDir(root, 'boot');
  for (const d of ['dev', 'proc', 'sys', 'run']) emptyDir(root, d);
  emptyDir(root, 'tmp');
  chmodSync(join(root, 'tmp'), 0o1777);
  mkdirSync(join(root, 'sysroot'), { recursive: true });
  replaceWithSymlink(root, 'ostree', 'sysroot/ostree');
  writeSysusers(root);
  renameSync(join(root, 'etc'), join(root, 'usr/etc'));
  return { kernelVersion };
}

function moveKernel(root: string): string {
  const modules = join(root, 'usr/lib/modules');
  const kvers = existsSync(modules) ? readdirSync(modules) : [];
  if (kvers.length !== 1) {
    throw new BuildError(
      `expected exactly one kernel in /usr/lib/modules, found: ${kvers.join(', ') || 'none'}`,
    );
  }
  const kver = kvers[0] as string;
  const dest = join(modules, kver);
  const vmlinuz = join(root, 'boot', `vmlinuz-${kver}`);
  if (existsSync(vmlinuz)) renameSync(vmlinuz, join(dest, 'vmlinuz'));
  if (!existsSync(join(dest, 'vmlinuz'))) throw new BuildError(`no kernel image for ${kver}`);
  if (!existsSync(join(dest, 'initramfs.img'))) throw new BuildError(`no initramfs for ${kver}`);
  for (const [from, to] of [
    [`config-${kver}`, 'config'],
    [`System.map-${kver}`, 'System.map'],
  ] as const) {
    const p = join(root, 'boot', from);
    if (existsSync(p)) renameSync(p, join(dest, to));
  }
  for (const name of readdirSync(root)) {
    if (/^(vmlinuz|initrd\.img)(\.old)?$/.test(name)) rmSync(join(root, name));
  }
  return kver;
}

function moveDpkgDatabase(root: string): void {
  const db = join(root, DPKG_DB);
  mkdirSync(dirname(db), { recursive: true });
  renameSync(join(root, BOOTSTRAP_DPKG_DB), db);
  // Relative so it resolves inside the chroot, in the image builder's staging dir and at boot.
  symlinkSync('../../usr/lib/sysimage/dpkg', join(root, BOOTSTRAP_DPKG_DB));
}

function cleanVolatileState(root: string, machineIdCompat: boolean): void {
  for (const d of ['var/cache', 'var/log', 'var/tmp', 'var/lib/apt/lists']) emptyDir(root, d);
  if (machineIdCompat) writeFileSync(join(root, 'etc/machine-id'), '');
  else rmSync(join(root, 'etc/machine-id'), { force: true });
  for (const f of ['etc/hostname', 'etc/resolv.conf', 'var/lib/dbus/machine-id']) {
    rmSync(join(root, f), { force: true });
  }
  const ssh = join(root, 'etc/ssh');
  if (existsSync(ssh)) {
    for (const f of readdirSync(ssh)) if (f.startsWith('ssh_host_')) rmSync(join(ssh, f));
  }
}

function makePersistentLinks(root: string): void {
  for (const { path, target, varDir } of PERSISTENT_LINKS) {
    const p = join(root, path);
    if (varDir) {
      const inVar = join(root, 'var', varDir);
      if (existsSync(p) && !lstatSync(p).isSymbolicLink() && !existsSync(inVar))
        renameSync(p, inVar);
      mkdirSync(inVar, { recursive: true });
    }
    replaceWithSymlink(root, path, target);
  }
}

/** Record /var as tmpfiles.d entries and file copies in /usr/share/factory/var, then empty it. */
function convertVar(root: string): void {
  const varRoot = join(root, 'var');
  const entries = walkVar(varRoot);
  for (const e of entries.filter((x) => x.type === 'file')) {
    const dest = join(root, FACTORY_VAR, e.path);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(join(varRoot, e.path), dest, { preserveTimestamps: true });
  }
  const conf = join(root, 'usr/lib/tmpfiles.d/particle-os-var.conf');
  mkdirSync(dirname(conf), { recursive: true });
  writeFileSync(
    conf,
    `# Generated by particle-os compose: recreates the image's /var at boot.\n${varTmpfilesLines(entries).join('\n')}\n`,
  );
  emptyDir(root, 'var');
}

function walkVar(varRoot: string, rel = ''): VarEntry[] {
  const out: VarEntry[] = [];
  for (const name of readdirSync(join(varRoot, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(varRoot, path));
    const base = { path, mode: st.mode, uid: st.uid, gid: st.gid };
    if (st.isSymbolicLink()) {
      out.push({ ...base, type: 'symlink', target: readlinkSync(join(varRoot, path)) });
    } else if (st.isDirectory()) {
      out.push({ ...base, type: 'dir' }, ...walkVar(varRoot, path));
    } else if (st.isFile()) {
      out.push({ ...base, type: 'file' });
    }
    // Sockets, fifos and device nodes have no place in a commit; they are dropped.
  }
  return out;
}

function emptyDir(root: string, rel: string): void {
  const p = join(root, rel);
  if (existsSync(p)) {
    for (const name of readdirSync(p)) rmSync(join(p, name), { recursive: true, force: true });
  } else {
    mkdirSync(p, { recursive: true });
  }
}

function replaceWithSymlink(root: string, rel: string, target: string): void {
  const p = join(root, rel);
  rmSync(p, { recursive: true, force: true });
  symlinkSync(target, p);
}
