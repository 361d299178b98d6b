/**
 * The recipe's `directories` and `files`: made in the deployment's /etc with their mode and
 * owner. Planned first (read-only: every problem is found before anything is written), then
 * written. A path is resolved inside the deployment; one the image links out of /etc (into
 * /usr, whose files are hard links to the OSTree repo's objects, or to /run) is refused rather
 * than written through.
 */
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
  /** Missing parent directories to make first (ensure-parents), outermost first. */
  parents: string[];
}

/**
 * Where an /etc path leads in the image: its resolved tree path, or why it may not be written
 * (a link out of /etc).
 */
export function resolveEtc(os: Tree, path: string): { at: string } | { problem: string } {
  const at = os.resolve(path).inTree;
  if (at.startsWith('/etc/')) return { at };
  return { problem: `the image links ${path} to ${at}, outside /etc; not writing through it` };
}

/** The parent directory of a tree path ("/etc/a/b" → "/etc/a"). */
function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

/**
 * Plan the recipe's directories and files against the image. `accounts` are passwd and group
 * as they will be after the recipe's users and groups are added (owners may be recipe users).
 */
export function planEtcNodes(
  os: Tree,
  recipe: Pick<Recipe, 'directories' | 'files'>,
  accounts: { passwd: string; group: string },
): { nodes: PlannedNode[]; problems: KeyProblem[] } {
  const nodes: PlannedNode[] = [];
  const problems: KeyProblem[] = [];
  // Directories planned so far: a later entry may sit inside an earlier one.
  const planned = new Set<string>();
  const isDir = (p: string) => planned.has(p) || os.isDir(p);
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

  for (const [i, d] of recipe.directories.entries()) {
    const r = resolveEtc(os, d.path);
    if ('problem' in r) {
      problems.push({ key: ['directories', i, 'path'], message: r.problem });
      continue;
    }
    const st = os.stat(r.at);
    if (st && !st.isDirectory()) {
      problems.push({
        key: ['directories', i, 'path'],
        message: `${d.path} exists in the image and is not a directory`,
      });
      continue;
    }
    const parents: string[] = [];
    for (let p = parentOf(r.at); !isDir(p); p = parentOf(p)) {
      if (os.stat(p)) {
        parents.length = 0;
        problems.push({
          key: ['directories', i, 'path'],
          message: `${p} exists in the image and is not a directory`,
        });
        break;
      }
      parents.unshift(p);
    }
    if (parents.length && !d['ensure-parents']) {
      problems.push({
        key: ['directories', i, 'ensure-parents'],
        message: `${parents[0]} does not exist in the image: create it first or set ensure-parents`,
      });
      continue;
    }
    for (const p of [...parents, r.at]) planned.add(p);
    nodes.push({
      kind: 'directory',
      path: r.at,
      mode: Number.parseInt(d.mode, 8),
      ...owner('directories', i, d),
      parents,
    });
  }

  for (const [i, f] of recipe.files.entries()) {
    const r = resolveEtc(os, f.path);
    if ('problem' in r) {
      problems.push({ key: ['files', i, 'path'], message: r.problem });
      continue;
    }
    const st = os.stat(r.at);
    if (st && !st.isFile()) {
      problems.push({
        key: ['files', i, 'path'],
        message: `${f.path} exists in the image and is not a regular file`,
      });
      continue;
    }
    nodes.push({
      kind: 'file',
      path: r.at,
      mode: Number.parseInt(f.mode, 8),
      content: f.content,
      ...owner('files', i, f),
      parents: [],
    });
  }
  return { nodes, problems };
}

/** Write planned directories and files (parents of files are made as root, 0755). */
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
