/**
 * Split a bootc tree into layers by Debian package ownership, so an update that changes a few
 * packages changes a few layers (the idea of rpm-ostree's chunked images):
 *  - ownership comes from dpkg's file lists (usr/lib/sysimage/dpkg/info/*.list), with paths
 *    mapped through the usrmerge links (/bin → usr/bin, …); a file no package lists belongs to
 *    the package that alone owns its nearest listed directory (the kernel's vmlinuz and
 *    initramfs.img go with linux-image-*), else to no package;
 *  - the biggest packages get a layer each, the rest share a fixed number of buckets chosen by
 *    a hash of the package name (stable when other packages come and go), and files owned by no
 *    package (dpkg database, generated /etc files, factory /var) form the last layer;
 *  - every layer lists the parent directories of its files, so each unpacks on its own.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Tree, walkDir } from '../core/tree.ts';

export const MAX_LAYERS = 64;
/** Layers shared by the smaller packages. */
const BUCKETS = 16;
const DPKG_INFO = 'usr/lib/sysimage/dpkg/info';
export const UNOWNED = '(unowned)';
/** Manifest annotation on each layer: the packages in it. */
export const COMPONENTS_ANNOTATION = 'org.particle-os.components';

export interface Chunk {
  /** Layer name: a package, `bucket-N`, or UNOWNED. */
  name: string;
  /** Packages whose files are in this layer (empty for the unowned layer). */
  components: string[];
  /** Paths relative to the tree root, parents first, sorted. */
  entries: string[];
  bytes: number;
}

/** dpkg path → package, in tree terms (no leading slash, usrmerge links resolved). */
export function readOwnership(tree: string): Map<string, string[]> {
  const links = topLevelLinks(tree);
  const owners = new Map<string, string[]>();
  // Resolved inside the tree: the commit may come from a repo we did not compose.
  const t = new Tree(tree);
  for (const f of t.readdir(DPKG_INFO).sort()) {
    if (!f.endsWith('.list') || !t.isFile(`${DPKG_INFO}/${f}`)) continue;
    const pkg = f.slice(0, -'.list'.length).replace(/:.*$/, '');
    for (const line of t.readText(`${DPKG_INFO}/${f}`).split('\n')) {
      if (!line.startsWith('/') || line === '/.') continue;
      const path = canonical(line.slice(1), links);
      const list = owners.get(path);
      if (!list) owners.set(path, [pkg]);
      else if (!list.includes(pkg)) list.push(pkg);
    }
  }
  return owners;
}

function topLevelLinks(tree: string): Map<string, string> {
  const links = new Map<string, string>();
  for (const name of readdirSync(tree)) {
    const p = join(tree, name);
    if (lstatSync(p).isSymbolicLink()) {
      const target = readlinkSync(p).replace(/^\/+/, '');
      if (target.startsWith('usr/')) links.set(name, target);
    }
  }
  return links;
}

/** Map `lib/x` to `usr/lib/x` when /lib is the usrmerge link; /etc stays /etc. */
export function canonical(path: string, links: Map<string, string>): string {
  const slash = path.indexOf('/');
  const head = slash < 0 ? path : path.slice(0, slash);
  const target = links.get(head);
  if (target === undefined) return path;
  return slash < 0 ? target : `${target}${path.slice(slash)}`;
}

interface TreeFile {
  path: string;
  bytes: number;
}

/** Every non-directory entry (and empty directory) of the tree, sorted, with its size. */
function walk(tree: string): TreeFile[] {
  const entries = walkDir(tree);
  return entries.flatMap((e, i) => {
    if (!e.stats.isDirectory())
      return [{ path: e.path, bytes: e.stats.isFile() ? e.stats.size : 0 }];
    // An empty directory is an entry of its own (else no layer would create it: /proc, /sysroot).
    const next = entries[i + 1];
    return next?.path.startsWith(`${e.path}/`) ? [] : [{ path: e.path, bytes: 0 }];
  });
}

function ownerOf(path: string, owners: Map<string, string[]>): string {
  const direct = owners.get(path);
  if (direct?.length) return [...direct].sort()[0] as string;
  // Not listed: the sole owner of the nearest listed parent directory, if there is one.
  for (let p = path; p.includes('/'); ) {
    p = p.slice(0, p.lastIndexOf('/'));
    const dir = owners.get(p);
    if (dir) return dir.length === 1 ? (dir[0] as string) : UNOWNED;
  }
  return UNOWNED;
}

function bucketOf(pkg: string, buckets: number): number {
  return createHash('sha256').update(pkg).digest().readUInt32BE(0) % buckets;
}

export function planChunks(tree: string, maxLayers = MAX_LAYERS): Chunk[] {
  const owners = readOwnership(tree);
  const byPackage = new Map<string, TreeFile[]>();
  for (const f of walk(tree)) {
    const pkg = ownerOf(f.path, owners);
    const list = byPackage.get(pkg);
    if (list) list.push(f);
    else byPackage.set(pkg, [f]);
  }
  const size = (files: TreeFile[]) => files.reduce((n, f) => n + f.bytes, 0);
  const packages = [...byPackage.keys()].filter((p) => p !== UNOWNED);
  // Biggest first; ties by name so the choice is stable.
  const ranked = packages.sort(
    (a, b) => size(byPackage.get(b) ?? []) - size(byPackage.get(a) ?? []) || (a < b ? -1 : 1),
  );
  if (maxLayers < 2) throw new RangeError('planChunks: at least 2 layers (packages + unowned)');
  // Small layer budgets: no own layers, every package in a bucket.
  const bucketCount = Math.min(BUCKETS, maxLayers - 1);
  const own = ranked.slice(0, Math.max(0, maxLayers - bucketCount - 1)).sort();
  const groups: { name: string; components: string[] }[] = own.map((p) => ({
    name: p,
    components: [p],
  }));
  const buckets = new Map<number, string[]>();
  for (const p of ranked.slice(own.length)) {
    const b = bucketOf(p, bucketCount);
    buckets.set(b, [...(buckets.get(b) ?? []), p]);
  }
  for (const b of [...buckets.keys()].sort((x, y) => x - y))
    groups.push({ name: `bucket-${b}`, components: (buckets.get(b) ?? []).sort() });
  if (byPackage.has(UNOWNED)) groups.push({ name: UNOWNED, components: [] });

  return groups.map((g) => {
    const files = g.components.length
      ? g.components.flatMap((p) => byPackage.get(p) ?? [])
      : (byPackage.get(UNOWNED) ?? []);
    return {
      name: g.name,
      components: g.components,
      entries: withParents(files.map((f) => f.path)),
      bytes: size(files),
    };
  });
}

/** The paths plus all their parent directories, sorted so parents come first. */
export function withParents(paths: readonly string[]): string[] {
  const all = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) all.add(parts.slice(0, i).join('/'));
    all.add(p);
  }
  return [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
