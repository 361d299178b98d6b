/**
 * The recipe's `services`: units enabled, disabled or masked in the deployment's
 * /etc/systemd/system, natively, the way `systemctl enable/disable/mask` would (systemctl
 * --root would run the image's systemctl on the build host; this needs no program at all).
 *
 * - enable: the unit's [Install] section says where it goes: a link `T.wants/UNIT` for each
 *   WantedBy=T (RequiredBy= → T.requires, UpheldBy= → T.upholds), a link named after each
 *   Alias=, and the units of Also= enabled too. Links point at the unit file as the image has
 *   it (/usr/lib/systemd/system/UNIT). A template (foo@.service) takes its DefaultInstance=.
 * - disable: every link in /etc/systemd/system named after the unit or its aliases, or
 *   pointing at its unit file, is removed. A unit the image enables in /usr (read-only) cannot
 *   be disabled there: that is an error that says to mask it.
 * - mask: /etc/systemd/system/UNIT -> /dev/null.
 *
 * A unit file the recipe's `files` write into /etc/systemd/system counts as one the image has
 * there (it replaces the image's file of that name): its [Install] section is read from the
 * planned content, so a recipe can ship a unit and enable it, all checked before anything is
 * written. It is looked up where it will be (the path resolved as planEtcNodes resolved it).
 *
 * A name no unit file has may be an Alias= of one (Fedora's sshd is Debian's ssh.service), which
 * is then the unit meant. A unit that the image does not have is an error naming it. Unit names read from the image
 * ([Install] values) are checked like the recipe's before they become link names, and every
 * link is made inside the deployment's /etc/systemd/system: a directory the image links
 * elsewhere is refused, never written through. Sources: systemd.unit(5) "[Install] Section
 * Options", systemctl(1) enable/disable/mask.
 */
import { basename } from 'node:path';
import type { Tree } from '../core/tree.ts';
import { type KeyProblem, type PlannedNode, resolveWithin } from './etc-nodes.ts';

const ETC_UNITS = 'etc/systemd/system';
/** Where unit files are looked up, in systemd's order (/etc first). */
const UNIT_DIRS = [
  ETC_UNITS,
  'usr/local/lib/systemd/system',
  'usr/lib/systemd/system',
  'lib/systemd/system',
];
/** The read-only unit directories whose .wants/.requires enable units for good. */
const STATIC_DIRS = ['usr/local/lib/systemd/system', 'usr/lib/systemd/system'];
/** [Install] dependency settings → the directory suffix of their links (T.wants/…). */
const DEPENDENCIES = [
  ['WantedBy', 'wants'],
  ['RequiredBy', 'requires'],
  ['UpheldBy', 'upholds'],
] as const;

/** What systemd takes as a unit name (a template's instance part included). */
const UNIT_NAME_RE =
  /^[A-Za-z0-9_:][A-Za-z0-9:_.\\-]*(@[A-Za-z0-9:_.\\-]*)?\.(service|socket|timer|target|path|mount|automount|swap|slice|device|scope)$/;

export interface InstallSection {
  WantedBy: string[];
  RequiredBy: string[];
  UpheldBy: string[];
  Alias: string[];
  Also: string[];
  DefaultInstance?: string;
}

/**
 * The [Install] section of a unit file: list settings accumulate over lines and words, an
 * empty assignment resets the list (systemd.syntax(7)). Comments and other sections are skipped.
 */
export function installSection(text: string): InstallSection {
  const out: InstallSection = { WantedBy: [], RequiredBy: [], UpheldBy: [], Alias: [], Also: [] };
  let inInstall = false;
  // A line ending in a backslash continues on the next one.
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    if (l.startsWith('[')) {
      inInstall = l === '[Install]';
      continue;
    }
    if (!inInstall) continue;
    const eq = l.indexOf('=');
    if (eq < 0) continue;
    const key = l.slice(0, eq).trim();
    const value = l.slice(eq + 1).trim();
    if (key === 'DefaultInstance') out.DefaultInstance = value || undefined;
    else if (DEPENDENCIES.some(([k]) => k === key) || key === 'Alias' || key === 'Also') {
      const list = key as 'WantedBy' | 'RequiredBy' | 'UpheldBy' | 'Alias' | 'Also';
      out[list] = value ? [...out[list], ...value.split(/\s+/)] : [];
    }
  }
  return out;
}

/** One change to /etc/systemd/system. */
export type LinkOp = { op: 'link'; path: string; target: string } | { op: 'remove'; path: string };

interface FoundUnit {
  /** The unit file in the tree, resolved ("/usr/lib/systemd/system/ssh.service"). */
  file: string;
  /** Its name: the file's own name, or the instance asked for ("getty@tty2.service"). */
  name: string;
  /** The file's name (the template for an instance). */
  fileName: string;
  instance: boolean;
}

/**
 * The unit files a lookup sees: the image's, with the recipe's planned files (by resolved tree
 * path, "/etc/systemd/system/foo.service") in front.
 */
class Units {
  private readonly planned: ReadonlyMap<string, string>;
  constructor(
    readonly os: Tree,
    nodes: readonly PlannedNode[],
  ) {
    this.planned = new Map(
      nodes.flatMap((n) => (n.kind === 'file' ? [[n.path, n.content ?? '']] : [])),
    );
  }
  /** The planned file that `path` (in a unit directory) will be, or undefined. */
  plannedAt(path: string): string | undefined {
    const at = this.os.resolve(path).inTree;
    return this.planned.has(at) ? at : undefined;
  }
  /** Recipe unit files planned right in `dir` (their names). */
  plannedIn(dir: string): string[] {
    const at = this.os.resolve(dir).inTree;
    return [...this.planned.keys()]
      .filter((p) => p.slice(0, p.lastIndexOf('/')) === at)
      .map((p) => basename(p));
  }
  /** A unit file's text: the planned content, else the image's. */
  read(file: string): string {
    return this.planned.get(file) ?? this.os.readText(file);
  }
}

/** Where a unit (or its template) is: the first unit directory that has it. */
function findUnit(units: Units, name: string): FoundUnit | { masked: string } | undefined {
  const { os } = units;
  // The instance is everything between "@" and the type suffix (it may hold dots: foo@a.b.service).
  const template = name.replace(/@[^@]+(\.[a-z]+)$/, '@$1');
  for (const candidate of template === name ? [name] : [name, template])
    for (const dir of UNIT_DIRS) {
      const path = `${dir}/${candidate}`;
      const planned = dir === ETC_UNITS ? units.plannedAt(path) : undefined;
      if (planned) {
        const instance = candidate !== name;
        const fileName = basename(planned);
        return { file: planned, fileName, name: instance ? name : fileName, instance };
      }
      if (!os.lstat(path)) continue;
      const at = os.resolve(path).inTree;
      if (at === '/dev/null') return { masked: `/${path}` };
      if (!os.isFile(at)) continue;
      const fileName = basename(at);
      const instance = candidate !== name;
      return { file: at, fileName, name: instance ? name : fileName, instance };
    }
  return byAlias(units, name);
}

/**
 * A unit that declares `name` as an Alias= without being enabled yet (Debian's ssh.service
 * is `sshd.service` only once enabled): what a config written for another distribution names.
 */
function byAlias(units: Units, name: string): FoundUnit | undefined {
  const { os } = units;
  for (const dir of UNIT_DIRS) {
    const planned = dir === ETC_UNITS ? units.plannedIn(dir) : [];
    const names = [...new Set([...os.readdir(dir), ...planned])].sort();
    for (const fileName of names) {
      const path = `${dir}/${fileName}`;
      if (!UNIT_NAME_RE.test(fileName)) continue;
      const file =
        units.plannedAt(path) ?? (os.lstat(path)?.isFile() ? os.resolve(path).inTree : undefined);
      if (file && installSection(units.read(file)).Alias.includes(name))
        return { file, fileName, name: fileName, instance: false };
    }
  }
  return undefined;
}

/**
 * A link or removal inside /etc/systemd/system, or why the image does not allow it there: a
 * directory linked elsewhere, or a file where a directory of the link must be (found now, not
 * after the other links are written).
 */
function inEtcUnits(os: Tree, path: string): string | undefined {
  const r = resolveWithin(os, path, ETC_UNITS, false);
  if ('problem' in r) return r.problem;
  const blocker = os.blockingAncestor(path);
  return blocker && `${blocker} exists in the image and is not a directory`;
}

/**
 * Plan the changes for `services` (names already carry their type suffix). `planned`: the
 * recipe's directories and files as planEtcNodes planned them (unit files among them are
 * found as if written). Read-only: the problems are keyed `services.enabled[0]` etc.; nothing
 * is written.
 */
export function planServices(
  os: Tree,
  services: { enabled: string[]; disabled: string[]; masked: string[] },
  planned: readonly PlannedNode[] = [],
): { ops: LinkOp[]; problems: KeyProblem[] } {
  const units = new Units(os, planned);
  const ops: LinkOp[] = [];
  const problems: KeyProblem[] = [];
  const missing = (u: string) =>
    `${u}: no such unit in the image (looked in ${UNIT_DIRS.slice(0, 3)
      .map((d) => `/${d}`)
      .join(', ')}, and the recipe's files)`;

  const enable = (key: (string | number)[], asked: string, seen: Set<string>) => {
    if (seen.has(asked)) return;
    seen.add(asked);
    const found = findUnit(units, asked);
    if (!found) return problems.push({ key, message: missing(asked) });
    if ('masked' in found)
      return problems.push({
        key,
        message: `${asked} is masked in the image (${found.masked} -> /dev/null)`,
      });
    const install = installSection(units.read(found.file));
    let name = found.name;
    if (name.includes('@.')) {
      if (!install.DefaultInstance)
        return problems.push({
          key,
          message: `${name} is a template without DefaultInstance=: name an instance, like ${name.replace('@.', '@NAME.')}`,
        });
      name = name.replace('@.', `@${install.DefaultInstance}.`);
    }
    // The name becomes a link's file name: one the image made up (a DefaultInstance= with "/",
    // a unit file linked to by another name) may not put the link somewhere else.
    if (!UNIT_NAME_RE.test(name))
      return problems.push({
        key,
        message: `${found.file}: "${name}" is not a unit name; not linking it`,
      });
    const words = [...DEPENDENCIES.flatMap(([k]) => install[k]), ...install.Alias, ...install.Also];
    const bad = words.find((w) => !UNIT_NAME_RE.test(w));
    if (bad)
      return problems.push({
        key,
        message: `${found.file}: [Install] names "${bad}", which is not a unit name (specifiers like %i are not expanded)`,
      });
    if (words.length === 0)
      return problems.push({
        key,
        message: `${asked} has no [Install] section (WantedBy=, RequiredBy=, Alias=): it is static, started by the units that need it, and cannot be enabled`,
      });
    const link = (path: string) => {
      const st = os.lstat(path);
      const why =
        inEtcUnits(os, path) ??
        (st && !st.isSymbolicLink()
          ? `/${path} exists in the image and is not a link; not replacing it`
          : undefined);
      if (why) problems.push({ key, message: why });
      else ops.push({ op: 'link', path, target: found.file });
    };
    for (const [setting, dir] of DEPENDENCIES)
      for (const t of install[setting]) link(`${ETC_UNITS}/${t}.${dir}/${name}`);
    for (const a of install.Alias) link(`${ETC_UNITS}/${a}`);
    for (const also of install.Also) enable(key, also, seen);
  };

  const disable = (key: (string | number)[], asked: string) => {
    const found = findUnit(units, asked);
    if (!found) return problems.push({ key, message: missing(asked) });
    if ('masked' in found) return; // nothing to disable: it cannot start at all
    const install = installSection(units.read(found.file));
    const names = new Set([asked, found.name, ...install.Alias]);
    for (const e of os.walk(ETC_UNITS)) {
      if (!e.stats.isSymbolicLink()) continue;
      const path = `${ETC_UNITS}/${e.path}`;
      const target = os.readlink(path);
      if (target === '/dev/null') continue;
      const ours =
        names.has(basename(e.path)) || (!found.instance && basename(target) === found.fileName);
      if (!ours) continue;
      const why = inEtcUnits(os, path);
      if (why) problems.push({ key, message: why });
      else ops.push({ op: 'remove', path });
    }
    for (const dir of STATIC_DIRS)
      for (const sub of os.readdir(dir).filter((d) => /\.(wants|requires|upholds)$/.test(d)))
        if (os.lstat(`${dir}/${sub}/${found.name}`))
          problems.push({
            key,
            message: `${found.name} is enabled by the image itself (/${dir}/${sub}/${found.name}, read-only): disabling cannot undo that; mask it instead`,
          });
  };

  const mask = (key: (string | number)[], asked: string) => {
    const found = findUnit(units, asked);
    if (!found) return problems.push({ key, message: missing(asked) });
    if ('masked' in found) return; // already masked
    if (!UNIT_NAME_RE.test(found.name))
      return problems.push({
        key,
        message: `${found.file}: "${found.name}" is not a unit name; not masking it`,
      });
    // The unit itself, not an alias name (masking an alias would leave the unit startable).
    const path = `${ETC_UNITS}/${found.name}`;
    if (units.plannedAt(path))
      return problems.push({
        key,
        message: `/${path} is a unit file the recipe's files write: masking would replace it; drop the file instead`,
      });
    const st = os.lstat(path);
    if (st && !st.isSymbolicLink())
      return problems.push({
        key,
        message: `/${path} is a unit file of the image's /etc: masking would replace it; remove it from the image instead`,
      });
    const why = inEtcUnits(os, path);
    if (why) problems.push({ key, message: why });
    else ops.push({ op: 'link', path, target: '/dev/null' });
  };

  for (const [i, u] of services.enabled.entries()) enable(['services', 'enabled', i], u, new Set());
  for (const [i, u] of services.disabled.entries()) disable(['services', 'disabled', i], u);
  for (const [i, u] of services.masked.entries()) mask(['services', 'masked', i], u);
  return { ops, problems };
}

/** Carry out planned link changes (each path was checked to lie in /etc/systemd/system). */
export function applyLinkOps(os: Tree, ops: LinkOp[]): void {
  for (const o of ops) {
    if (o.op === 'remove') os.remove(o.path);
    else os.symlink(o.target, o.path);
  }
}
