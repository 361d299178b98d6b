/**
 * The recipe's `directories` and `files`: made in the deployment's /etc with their mode and
 * owner. Planned first (read-only: every problem is found before anything is written), then
 * written. A path is resolved inside the deployment; one the image links out of /etc (into
 * /usr, whose files are hard links to the OSTree repo's objects, or to /run) is refused rather
 * than written through. The files the recipe's settings write (hostname, timezone, locale) are
 * checked the same way, and a recipe file may not collide with them or with a service's link.
 */
import { dirname } from 'node:path';
import type { Tree } from '../core/tree.ts';
import type { Recipe } from '../recipe/schema.ts';
import { gidOf, uidOf } from './accounts.ts';

/** A problem with one recipe key (`files[2].user`), located by the caller. */
export interface KeyProblem {
  key: (string | number)[];
  message: string;
}

/** A directory or file to write: tree paths resolved in the image, numeric owner (-1: keep). */
export interface PlannedNode {
  kind: 'directory' | 'file';
  path: string;
  mode: number;
  content?: string;
  uid: number;
  gid: number;
  /** Missing parent directories to make first (root, 0755), outermost first. */
  parents: string[];
  /** The recipe entry that asked for it (`['files', 2]`), for problems found later. */
  key: (string | number)[];
}

/**
 * Where a path leads in the image (`follow`: its last link too), or why it may not be written:
 * the image links it out of `dir` ("etc", "etc/systemd/system"), and a write would go there.
 */
export function resolveWithin(
  os: Tree,
  path: string,
  dir: string,
  follow = true,
): { at: string } | { problem: string } {
  const at = os.resolve(path, follow).inTree;
  if (at.startsWith(`/${dir}/`)) return { at };
  const shown = path.startsWith('/') ? path : `/${path}`;
  return { problem: `the image links ${shown} to ${at}, outside /${dir}; not writing through it` };
}

/**
 * Why a file of /etc that a recipe key writes (`etc/hostname`) cannot be written, found before
 * anything is: the image links it out of /etc (a write would change /usr, whose files are the
 * OSTree repo's objects), it is not a regular file, or a file is where one of its directories
 * must be. `link`: the path is replaced by a symlink (what is there is removed, not followed).
 */
export function etcFileProblem(os: Tree, path: string, link = false): string | undefined {
  const r = resolveWithin(os, path, 'etc', !link);
  if ('problem' in r) return r.problem;
  const st = link ? os.lstat(r.at) : os.stat(r.at);
  if (st && (link ? st.isDirectory() : !st.isFile()))
    return `${r.at} exists in the image and is not a ${link ? 'file or link' : 'regular file'}`;
  const blocker = os.blockingAncestor(r.at);
  return blocker && `${blocker} exists in the image and is not a directory`;
}

/**
 * Plan the recipe's directories and files against the image. `accounts` are passwd and group
 * as they will be after the recipe's users and groups are added (owners may be recipe users).
 * Each entry is checked against the image and against the entries before it (a file where an
 * earlier entry makes a directory, a directory below a file), so that writing cannot fail.
 */
export function planEtcNodes(
  os: Tree,
  recipe: Pick<Recipe, 'directories' | 'files'>,
  accounts: { passwd: string; group: string },
): { nodes: PlannedNode[]; problems: KeyProblem[] } {
  const nodes: PlannedNode[] = [];
  const problems: KeyProblem[] = [];
  // What earlier entries make, by resolved path (parents of files and directories included).
  const planned = new Map<string, PlannedNode['kind']>();
  const kindAt = (p: string): string | undefined => {
    const made = planned.get(p);
    if (made) return made;
    const st = os.stat(p);
    return st && (st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'special file');
  };
  const where = (p: string) =>
    planned.has(p) ? `an earlier entry makes ${p} a ${planned.get(p)}` : `${p} exists in the image`;
  const owner = (
    list: 'directories' | 'files',
    i: number,
    spec: { user?: string | number; group?: string | number },
  ) => {
    const look = (key: 'user' | 'group') => {
      const v = spec[key];
      if (v === undefined) return -1;
      if (typeof v === 'number') return v;
      const id = key === 'user' ? uidOf(accounts.passwd, v) : gidOf(accounts.group, v);
      if (id !== undefined) return id;
      problems.push({
        key: [list, i, key],
        message: `no ${key} ${v} in the image or the recipe's ${key === 'user' ? 'users' : 'groups'}`,
      });
      return -1;
    };
    return { uid: look('user'), gid: look('group') };
  };
  /** Plan one entry: its resolved path and missing parents, or undefined after a problem. */
  const place = (
    list: 'directories' | 'files',
    i: number,
    path: string,
    kind: PlannedNode['kind'],
  ): { at: string; parents: string[] } | undefined => {
    const problem = (message: string) => {
      problems.push({ key: [list, i, 'path'], message });
      return undefined;
    };
    const r = resolveWithin(os, path, 'etc');
    if ('problem' in r) return problem(r.problem);
    // Two entries that lead to one path (through a link of the image): neither may silently win.
    const twice = nodes.find((n) => n.path === r.at);
    if (twice) return problem(`${r.at} is made by ${twice.key.join('.')} already`);
    const there = kindAt(r.at);
    if (there && there !== kind)
      return problem(
        `${where(r.at)} and is not a ${kind === 'file' ? 'regular file' : 'directory'}`,
      );
    const parents: string[] = [];
    for (let p = dirname(r.at); kindAt(p) !== 'directory'; p = dirname(p)) {
      if (kindAt(p)) return problem(`${where(p)} and is not a directory`);
      parents.unshift(p);
    }
    return { at: r.at, parents };
  };

  // Directories first, so that a file may go into one the recipe makes.
  const entries = [
    ...recipe.directories.map((spec, i) => ({ list: 'directories' as const, i, spec })),
    ...recipe.files.map((spec, i) => ({ list: 'files' as const, i, spec })),
  ];
  for (const { list, i, spec } of entries) {
    const kind = list === 'files' ? 'file' : 'directory';
    const placed = place(list, i, spec.path, kind);
    if (!placed) continue;
    if (placed.parents.length && 'ensure-parents' in spec && !spec['ensure-parents']) {
      problems.push({
        key: [list, i, 'ensure-parents'],
        message: `${placed.parents[0]} does not exist in the image: create it first or set ensure-parents`,
      });
      continue;
    }
    for (const p of placed.parents) planned.set(p, 'directory');
    planned.set(placed.at, kind);
    nodes.push({
      kind,
      path: placed.at,
      mode: Number.parseInt(spec.mode, 8),
      ...('content' in spec ? { content: spec.content } : {}),
      ...owner(list, i, spec),
      parents: placed.parents,
      key: [list, i],
    });
  }
  return { nodes, problems };
}

/** A file of /etc that a setting of the recipe writes (`link`: replaced by a symlink). */
export interface SettingFile {
  path: string;
  link: boolean;
  by: string;
}

/** The files of /etc that hostname, timezone and locale write, as the write step does. */
export function settingFiles(
  os: Tree,
  recipe: Pick<Recipe, 'hostname' | 'timezone' | 'locale'>,
): SettingFile[] {
  const file = (path: string, by: string, link = false) => ({ path, link, by });
  return [
    ...(recipe.hostname ? [file('etc/hostname', 'hostname')] : []),
    ...(recipe.timezone
      ? [file('etc/localtime', 'timezone', true), file('etc/timezone', 'timezone')]
      : []),
    ...(recipe.locale ? [file('etc/locale.conf', 'locale')] : []),
    ...(recipe.locale && !os.lstat('etc/default/locale')?.isSymbolicLink()
      ? [file('etc/default/locale', 'locale')]
      : []),
  ];
}

/**
 * Recipe files and directories at, in or (a file) above a path that another key writes: written
 * one after the other, one would silently replace the other, and a link written first (the
 * timezone's /etc/localtime) would lead a later file out of /etc after it was checked.
 */
export function collisions(os: Tree, nodes: PlannedNode[], written: SettingFile[]): KeyProblem[] {
  const taken = written.map((w) => ({ at: os.resolve(w.path, !w.link).inTree, by: w.by }));
  return nodes.flatMap((n) => {
    const hit = taken.find(
      (w) =>
        n.path === w.at ||
        n.path.startsWith(`${w.at}/`) ||
        (n.kind === 'file' && w.at.startsWith(`${n.path}/`)),
    );
    return hit
      ? [{ key: [...n.key, 'path'], message: `${n.path}: ${hit.at} is written by ${hit.by}` }]
      : [];
  });
}

/** Write planned directories and files; missing parents are made as root, 0755. */
export function writeEtcNodes(os: Tree, nodes: PlannedNode[]): void {
  for (const n of nodes) {
    for (const p of n.parents) {
      os.mkdir(p, 0o755);
      os.chmod(p, 0o755);
    }
    if (n.kind === 'directory') {
      os.mkdir(n.path, n.mode);
      os.chmod(n.path, n.mode);
    } else os.write(n.path, n.content ?? '', n.mode);
    if (n.uid !== -1 || n.gid !== -1) os.chown(n.path, n.uid, n.gid);
  }
}
