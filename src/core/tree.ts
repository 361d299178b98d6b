/**
 * Host-side file operations on a tree (a root filesystem being built or unpacked) that cannot
 * leave it. Treefiles, postprocess scripts, packages and OCI images all put paths and symlinks
 * into trees that this tool, running as root, then edits on the host; a plain
 * `join(root, path)` follows `..` and absolute symlinks out onto the build host.
 *
 * Every path here is resolved the way the kernel resolves it inside `chroot(root)`
 * (`openat2(RESOLVE_IN_ROOT)`): `..` never climbs above the root, and symlinks, absolute or
 * relative, are followed inside it. What an operation then touches on the host is always
 * `root` or below it. Resolution and use are two steps, so this relies on nothing else
 * writing to the tree meanwhile: every process run inside a tree (postprocess, dracut, apt)
 * has exited before the host edits it.
 *
 * Paths are tree paths: absolute ("/etc/hostname") or relative to the root ("etc/hostname"),
 * the same thing.
 */
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  fchmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  type Stats,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { resolve as resolveHost, sep } from 'node:path';
import { ExitCode, ParticleError } from './errors.ts';

/** The kernel's limit on symlinks followed in one lookup (ELOOP beyond it). */
const MAX_SYMLINKS = 40;

/**
 * A tree path that cannot be used as asked (a loop of links, a device where a file should be,
 * a dangling link where a file is read): the tree is bad input, exit code 2.
 */
export class TreePathError extends ParticleError {
  override readonly exitCode = ExitCode.badInput;
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path.startsWith('/') ? path : `/${path}`}: ${message}`);
  }
}

export interface Resolution {
  /** The host path, always `root` or below it. */
  host: string;
  /** The path inside the tree it resolved to, "/" first. */
  inTree: string;
  /** Symlinks followed on the way, as "link -> target" (for error messages). */
  links: string[];
}

/**
 * Resolve `path` inside `root` as chroot would. `followLast: false` leaves a final symlink
 * unresolved (what rm, rename and lstat act on). Components that do not exist are kept as
 * they are, so the result can be created. Throws TreePathError after 40 symlinks.
 */
export function resolveInTree(root: string, path: string, followLast = true): Resolution {
  const top = resolveHost(root);
  const done: string[] = [];
  const links: string[] = [];
  let todo = split(path);
  let hops = 0;
  while (todo.length) {
    const name = todo.shift() as string;
    if (name === '..') {
      done.pop();
      continue;
    }
    const here = hostOf(top, [...done, name]);
    const st = lstatOrUndefined(here);
    if (st?.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++hops > MAX_SYMLINKS) throw new TreePathError(path, 'too many levels of symbolic links');
      const target = readlinkSync(here);
      links.push(`/${[...done, name].join('/')} -> ${target}`);
      if (target.startsWith('/')) done.length = 0;
      todo = [...split(target), ...todo];
      continue;
    }
    done.push(name);
  }
  return { host: hostOf(top, done), inTree: `/${done.join('/')}`, links };
}

/** A tree on the host: every method takes tree paths and stays below `root`. */
export class Tree {
  readonly root: string;

  constructor(root: string) {
    this.root = resolveHost(root);
  }

  /** Host path of `path`, following symlinks (the final one too, unless `followLast` is false). */
  path(path: string, followLast = true): string {
    return resolveInTree(this.root, path, followLast).host;
  }

  resolve(path: string, followLast = true): Resolution {
    return resolveInTree(this.root, path, followLast);
  }

  exists(path: string): boolean {
    return existsSync(this.path(path));
  }

  /** lstat of the final component (not followed); undefined when it does not exist. */
  lstat(path: string): Stats | undefined {
    return lstatOrUndefined(this.path(path, false));
  }

  /** stat, following symlinks inside the tree; undefined when it does not exist. */
  stat(path: string): Stats | undefined {
    return lstatOrUndefined(this.path(path));
  }

  isDir(path: string): boolean {
    return this.stat(path)?.isDirectory() ?? false;
  }

  isFile(path: string): boolean {
    return this.stat(path)?.isFile() ?? false;
  }

  /**
   * The nearest existing ancestor of `path` (resolved inside the tree) when it is not a
   * directory: what making `path`'s parents would fail on, after other writes. Undefined when
   * every ancestor that exists is a directory. Lets a caller refuse before writing anything.
   */
  blockingAncestor(path: string): string | undefined {
    let at = this.resolve(path, false).inTree;
    while (at !== '/') {
      at = parentOf(at);
      const st = this.stat(at);
      if (st) return st.isDirectory() ? undefined : at;
    }
    return undefined;
  }

  readlink(path: string): string {
    return readlinkSync(this.path(path, false));
  }

  /**
   * Every entry below the directory `path` (resolved inside the tree; [] when it is not a
   * directory), see walkDir.
   */
  walk(path: string): TreeEntry[] {
    return this.isDir(path) ? walkDir(this.path(path)) : [];
  }

  /** Names in a directory; [] when it is missing or not a directory. */
  readdir(path: string): string[] {
    return this.isDir(path) ? readdirSync(this.path(path)) : [];
  }

  read(path: string): Buffer {
    return readFileSync(this.regularFile(path));
  }

  readText(path: string): string {
    return readFileSync(this.regularFile(path), 'utf8');
  }

  /** Create `path` and its parents, as directories inside the tree. Returns its host path. */
  mkdir(path: string, mode?: number): string {
    const host = this.path(path);
    mkdirSync(host, { recursive: true, ...(mode === undefined ? {} : { mode }) });
    return host;
  }

  /**
   * Write a regular file (parents created). An existing symlink is followed inside the tree;
   * an existing target that is not a regular file (a device, fifo, directory) is refused
   * rather than opened. Returns the host path written.
   */
  write(path: string, data: string | Uint8Array, mode?: number): string {
    const host = this.fileTarget(path);
    // O_NOFOLLOW: the final component was resolved above; never follow one that appeared since.
    const fd = openSync(
      host,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      mode ?? 0o644,
    );
    try {
      writeFileSync(fd, data);
      // The open mode applies only to a new file (and through the umask): set it as asked.
      if (mode !== undefined) fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
    return host;
  }

  /** Copy a host file (whose path the caller has already checked) into the tree. */
  copyIn(hostSource: string, path: string, mode?: number): string {
    const host = this.fileTarget(path);
    copyFileSync(hostSource, host);
    if (mode !== undefined) chmodSync(host, mode);
    return host;
  }

  /** Change the owner of what `path` names (resolved inside the tree; nothing followed after). */
  chown(path: string, uid: number, gid: number): void {
    const host = this.path(path);
    if (!lstatOrUndefined(host)) throw new TreePathError(path, 'does not exist in the tree');
    lchownSync(host, uid, gid);
  }

  chmod(path: string, mode: number): void {
    // The resolved path has no symlink left in it, so chmod acts on what the tree names.
    const host = this.path(path);
    if (!lstatOrUndefined(host)) throw new TreePathError(path, 'does not exist in the tree');
    chmodSync(host, mode);
  }

  /**
   * Remove `path` (recursively; a final symlink is removed itself, never followed). Returns
   * false when there was nothing to remove.
   */
  remove(path: string): boolean {
    const host = this.path(path, false);
    if (host === this.root)
      throw new TreePathError(path, 'refusing to remove the root of the tree');
    if (!lstatOrUndefined(host)) return false;
    rmSync(host, { recursive: true, force: true });
    return true;
  }

  /** Make `path` an empty directory: its content removed, or a non-directory replaced. */
  emptyDir(path: string, mode?: number): string {
    const host = this.path(path, false);
    const st = lstatOrUndefined(host);
    if (st?.isDirectory()) {
      for (const name of readdirSync(host)) rmSync(`${host}${sep}${name}`, { recursive: true });
    } else {
      if (st) rmSync(host, { recursive: true, force: true });
      mkdirSync(host, { recursive: true });
    }
    if (mode !== undefined) chmodSync(host, mode);
    return host;
  }

  /** Create (or replace) the symlink `path` with `target`, stored verbatim. */
  symlink(target: string, path: string): void {
    const host = this.path(path, false);
    if (host === this.root)
      throw new TreePathError(path, 'refusing to replace the root of the tree');
    mkdirSync(parentOf(host), { recursive: true });
    if (lstatOrUndefined(host)) rmSync(host, { recursive: true, force: true });
    symlinkSync(target, host);
  }

  /** rename(2) inside the tree; neither final component is followed. */
  rename(from: string, to: string): void {
    const src = this.path(from, false);
    const dest = this.path(to, false);
    mkdirSync(parentOf(dest), { recursive: true });
    renameSync(src, dest);
  }

  /**
   * Copy a directory or file of this tree to `path` in `dest` (another tree or this one):
   * symlinks are copied as symlinks with their targets verbatim, never followed.
   */
  copyTo(path: string, dest: Tree, destPath: string): string {
    const src = this.path(path);
    const to = dest.path(destPath);
    mkdirSync(parentOf(to), { recursive: true });
    cpSync(src, to, {
      recursive: true,
      dereference: false,
      verbatimSymlinks: true,
      errorOnExist: true,
      force: false,
    });
    return to;
  }

  /**
   * Where a file may be written: its host path, parents created. An existing target that is not
   * a regular file (a fifo would block the open, a device would be written) is refused.
   */
  private fileTarget(path: string): string {
    const host = this.path(path);
    mkdirSync(parentOf(host), { recursive: true });
    const st = lstatOrUndefined(host);
    if (st && !st.isFile()) throw new TreePathError(path, 'exists and is not a regular file');
    return host;
  }

  /** A regular file's host path, or a TreePathError saying what is there instead. */
  private regularFile(path: string): string {
    const host = this.path(path);
    const st = lstatOrUndefined(host);
    if (!st) throw new TreePathError(path, 'does not exist in the tree');
    if (!st.isFile()) throw new TreePathError(path, 'is not a regular file');
    return host;
  }
}

/** True when `hostPath` is `dir` or below it (both absolute, already resolved). */
export function isWithin(dir: string, hostPath: string): boolean {
  const d = resolveHost(dir);
  const p = resolveHost(hostPath);
  return p === d || p.startsWith(d.endsWith(sep) ? d : `${d}${sep}`);
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

function hostOf(top: string, parts: readonly string[]): string {
  return parts.length ? `${top === sep ? '' : top}${sep}${parts.join(sep)}` : top;
}

function parentOf(host: string): string {
  return host.slice(0, host.lastIndexOf(sep)) || sep;
}

export interface TreeEntry {
  /**
   * Relative to the walked directory, "/"-separated. A name that is not UTF-8 cannot be a
   * string: it is shown decoded as Latin-1, for messages only (`utf8` false).
   */
  path: string;
  /** lstat: a symlink is an entry of its own, never followed. */
  stats: Stats;
  utf8: boolean;
}

/**
 * Every entry below the host directory `top`, depth first, parents before their children, the
 * names of each directory sorted: the one tree walker (lint, /var capture, layer chunking, the
 * initramfs recipe). Symlinks are not followed; a directory whose name is not UTF-8 is listed
 * but not entered.
 */
export function walkDir(top: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (dir: Buffer, rel: string) => {
    const names = readdirSync(dir, { encoding: 'buffer' })
      .map((raw) => ({ raw, text: raw.toString('utf8') }))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    for (const { raw, text } of names) {
      const utf8 = Buffer.from(text, 'utf8').equals(raw);
      const name = utf8 ? text : raw.toString('latin1');
      const path = rel ? `${rel}/${name}` : name;
      const host = Buffer.concat([dir, Buffer.from(sep), raw]);
      const stats = lstatSync(host);
      out.push({ path, stats, utf8 });
      if (utf8 && stats.isDirectory()) visit(host, path);
    }
  };
  visit(Buffer.from(top), '');
  return out;
}

function lstatOrUndefined(host: string): Stats | undefined {
  try {
    return lstatSync(host);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}
