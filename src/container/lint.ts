import { Tree, walkDir } from '../core/tree.ts';
import { KARGS_DIR, parseKargsToml } from '../ostree/kargs.ts';
import { kernelVersions } from '../ostree/kernel.ts';

export interface LintFinding {
  rule: string;
  level: 'fatal' | 'warning';
  message: string;
}

const API_DIRS = ['dev', 'proc', 'sys', 'run', 'tmp', 'var'];

type Rule = (tree: Tree) => LintFinding[];

const fatal = (rule: string, message: string): LintFinding => ({ rule, level: 'fatal', message });
const warning = (rule: string, message: string): LintFinding => ({
  rule,
  level: 'warning',
  message,
});

/** A real directory (not a link to one) at a path resolved inside the tree. */
const isDir = (t: Tree, p: string) => t.lstat(p)?.isDirectory() ?? false;
const entries = (t: Tree, p: string) => (isDir(t, p) ? t.readdir(p) : []);

export const RULES: Record<string, Rule> = {
  'var-run': (t) =>
    isDir(t, 'var/run')
      ? [fatal('var-run', '/var/run is a directory; it must be a symlink to ../run')]
      : [],
  'etc-usretc': (t) =>
    t.lstat('usr/etc')
      ? [fatal('etc-usretc', '/usr/etc exists; a bootc image keeps its configuration in /etc')]
      : [],
  kargs: (t) =>
    entries(t, KARGS_DIR)
      .filter((f) => f.endsWith('.toml'))
      .flatMap((f) => {
        const file = `/${KARGS_DIR}/${f}`;
        if (!t.isFile(file)) return [fatal('kargs', `${file} is not a regular file`)];
        const text = t.readText(file);
        if (!/^\s*kargs\s*=\s*\[/m.test(text))
          return [fatal('kargs', `${file} has no kargs = [...] array`)];
        try {
          parseKargsToml(text, 'x86_64', file);
          return [];
        } catch (e) {
          return [fatal('kargs', (e as Error).message)];
        }
      }),
  kernel: (t) => {
    const kvers = kernelVersions(t);
    if (kvers.length !== 1)
      return [
        fatal('kernel', `expected exactly one kernel in /usr/lib/modules, found ${kvers.length}`),
      ];
    const dir = `usr/lib/modules/${kvers[0]}`;
    return ['vmlinuz', 'initramfs.img']
      .filter((f) => !t.isFile(`${dir}/${f}`))
      .map((f) => fatal('kernel', `/usr/lib/modules/${kvers[0]}/${f} is missing`));
  },
  utf8: (t) => nonUtf8Names(t).map((p) => fatal('utf8', `file name is not UTF-8: ${p}`)),
  'api-base-directories': (t) =>
    API_DIRS.filter((d) => !isDir(t, d)).map((d) =>
      fatal('api-base-directories', `/${d} is missing`),
    ),
  'baseimage-root': (t) => {
    const out: LintFinding[] = [];
    if (!isDir(t, 'sysroot')) out.push(fatal('baseimage-root', '/sysroot is missing'));
    const ostree = t.lstat('ostree');
    if (!ostree) out.push(fatal('baseimage-root', '/ostree -> sysroot/ostree is missing'));
    else if (!ostree.isSymbolicLink() || t.readlink('ostree') !== 'sysroot/ostree') {
      out.push(fatal('baseimage-root', '/ostree must be a symlink to sysroot/ostree'));
    }
    return out;
  },
  'var-log': (t) =>
    walk(t, 'var/log').length
      ? [
          warning(
            'var-log',
            `/var/log has content (${walk(t, 'var/log').length} entries); it is not updated by upgrades`,
          ),
        ]
      : [],
  'var-tmpfiles': (t) => {
    const covered = tmpfilesPaths(t);
    const missing = walk(t, 'var')
      .map((p) => `/var/${p}`)
      .filter((p) => !covered.has(p) && !p.startsWith('/var/log/'));
    return missing.length
      ? [
          warning(
            'var-tmpfiles',
            `${missing.length} paths in /var have no tmpfiles.d entry, e.g. ${missing.slice(0, 3).join(', ')}`,
          ),
        ]
      : [];
  },
  sysusers: (t) => {
    const passwd = t.isFile('etc/passwd') ? 'etc/passwd' : 'usr/etc/passwd';
    if (!t.isFile(passwd)) return [];
    const declared = sysusersNames(t);
    const users = t
      .readText(passwd)
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => f[0] && f[0] !== 'root' && Number(f[2]) < 1000)
      .map((f) => f[0] as string)
      .filter((u) => !declared.has(u));
    return users.length
      ? [
          warning(
            'sysusers',
            `${users.length} system users have no sysusers.d entry (e.g. ${users.slice(0, 4).join(', ')}): new ones are hidden by a modified /etc/passwd after upgrades`,
          ),
        ]
      : [];
  },
  'nonempty-boot': (t) =>
    entries(t, 'boot').length ? [warning('nonempty-boot', '/boot is not empty')] : [],
  'nonempty-run-tmp': (t) =>
    ['run', 'tmp']
      .filter((d) => entries(t, d).length)
      .map((d) => warning('nonempty-run-tmp', `/${d} is not empty`)),
  composefs: (t) => {
    const conf = 'usr/lib/ostree/prepare-root.conf';
    const text = t.isFile(conf) ? t.readText(conf) : '';
    return /\[composefs\][^[]*enabled\s*=\s*(yes|true|signed|verity)/.test(text)
      ? []
      : [warning('composefs', 'composefs is not enabled (usr/lib/ostree/prepare-root.conf)')];
  },
};

export function lintTree(root: string): LintFinding[] {
  const tree = new Tree(root);
  return Object.values(RULES).flatMap((rule) => rule(tree));
}

/** Paths below the tree directory `dir` (relative to it), not following symlinks. */
function walk(t: Tree, dir: string): string[] {
  return t.walk(dir).map((e) => e.path);
}

/** Names that are not UTF-8 ("/"-rooted, shown as Latin-1); such directories are not entered. */
function nonUtf8Names(t: Tree): string[] {
  return walkDir(t.root)
    .filter((e) => !e.utf8)
    .map((e) => `/${e.path}`);
}

function confLines(t: Tree, dir: string): string[] {
  return ['usr/lib', 'etc'].flatMap((base) => {
    const d = `${base}/${dir}`;
    return t
      .readdir(d)
      .filter((f) => f.endsWith('.conf') && t.isFile(`${d}/${f}`))
      .flatMap((f) => t.readText(`${d}/${f}`).split('\n'));
  });
}

function tmpfilesPaths(t: Tree): Set<string> {
  const paths = new Set<string>();
  for (const line of confLines(t, 'tmpfiles.d')) {
    const path = line.trim().split(/\s+/)[1];
    if (path?.startsWith('/var')) {
      paths.add(path);
      // An entry for a directory covers what is created below it.
      let p = path;
      while (p.lastIndexOf('/') > 0) {
        p = p.slice(0, p.lastIndexOf('/'));
        paths.add(p);
      }
    }
  }
  return paths;
}

function sysusersNames(t: Tree): Set<string> {
  return new Set(
    confLines(t, 'sysusers.d')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[0] === 'u' || f[0] === 'u!')
      .map((f) => f[1] as string),
  );
}
