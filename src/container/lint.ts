/**
 * `container lint`: bootc's image lints (bootc crates/lib/src/lints.rs), checked on an unpacked
 * root filesystem. Fatal findings make an image unusable by bootc tooling; warnings are things
 * that will surprise on upgrades.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { KARGS_DIR, parseKargsToml } from '../image/kargs.ts';

export interface LintFinding {
  rule: string;
  level: 'fatal' | 'warning';
  message: string;
}

const API_DIRS = ['dev', 'proc', 'sys', 'run', 'tmp', 'var'];

type Rule = (root: string) => LintFinding[];

const fatal = (rule: string, message: string): LintFinding => ({ rule, level: 'fatal', message });
const warning = (rule: string, message: string): LintFinding => ({
  rule,
  level: 'warning',
  message,
});

const isDir = (p: string) => existsSync(p) && lstatSync(p).isDirectory();
const entries = (p: string) => (isDir(p) ? readdirSync(p) : []);

export const RULES: Record<string, Rule> = {
  'var-run': (root) =>
    isDir(join(root, 'var/run'))
      ? [fatal('var-run', '/var/run is a directory; it must be a symlink to ../run')]
      : [],
  'etc-usretc': (root) =>
    existsSync(join(root, 'usr/etc'))
      ? [fatal('etc-usretc', '/usr/etc exists; a bootc image keeps its configuration in /etc')]
      : [],
  kargs: (root) =>
    entries(join(root, KARGS_DIR))
      .filter((f) => f.endsWith('.toml'))
      .flatMap((f) => {
        const text = readFileSync(join(root, KARGS_DIR, f), 'utf8');
        return /^\s*kargs\s*=\s*\[/m.test(text) && parseKargsToml(text, 'x86_64') !== undefined
          ? []
          : [fatal('kargs', `/${KARGS_DIR}/${f} has no kargs = [...] array`)];
      }),
  kernel: (root) => {
    const kvers = entries(join(root, 'usr/lib/modules'));
    if (kvers.length !== 1)
      return [
        fatal('kernel', `expected exactly one kernel in /usr/lib/modules, found ${kvers.length}`),
      ];
    const dir = join(root, 'usr/lib/modules', kvers[0] as string);
    return ['vmlinuz', 'initramfs.img']
      .filter((f) => !existsSync(join(dir, f)))
      .map((f) => fatal('kernel', `/usr/lib/modules/${kvers[0]}/${f} is missing`));
  },
  utf8: (root) => nonUtf8Names(root).map((p) => fatal('utf8', `file name is not UTF-8: ${p}`)),
  'api-base-directories': (root) =>
    API_DIRS.filter((d) => !isDir(join(root, d))).map((d) =>
      fatal('api-base-directories', `/${d} is missing`),
    ),
  'baseimage-root': (root) => {
    const out: LintFinding[] = [];
    if (!isDir(join(root, 'sysroot'))) out.push(fatal('baseimage-root', '/sysroot is missing'));
    const ostree = join(root, 'ostree');
    if (!existsSync(ostree) && !isLink(ostree))
      out.push(fatal('baseimage-root', '/ostree -> sysroot/ostree is missing'));
    else if (!isLink(ostree) || readlinkSync(ostree) !== 'sysroot/ostree') {
      out.push(fatal('baseimage-root', '/ostree must be a symlink to sysroot/ostree'));
    }
    return out;
  },
  'var-log': (root) =>
    walk(join(root, 'var/log')).length
      ? [
          warning(
            'var-log',
            `/var/log has content (${walk(join(root, 'var/log')).length} entries); it is not updated by upgrades`,
          ),
        ]
      : [],
  'var-tmpfiles': (root) => {
    const covered = tmpfilesPaths(root);
    const missing = walk(join(root, 'var'))
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
  sysusers: (root) => {
    const etc = existsSync(join(root, 'etc/passwd')) ? join(root, 'etc') : join(root, 'usr/etc');
    if (!existsSync(join(etc, 'passwd'))) return [];
    const declared = sysusersNames(root);
    const users = readFileSync(join(etc, 'passwd'), 'utf8')
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
  'nonempty-boot': (root) =>
    entries(join(root, 'boot')).length ? [warning('nonempty-boot', '/boot is not empty')] : [],
  'nonempty-run-tmp': (root) =>
    ['run', 'tmp']
      .filter((d) => entries(join(root, d)).length)
      .map((d) => warning('nonempty-run-tmp', `/${d} is not empty`)),
  composefs: (root) => {
    const conf = join(root, 'usr/lib/ostree/prepare-root.conf');
    const text = existsSync(conf) ? readFileSync(conf, 'utf8') : '';
    return /\[composefs\][^[]*enabled\s*=\s*(yes|true|signed|verity)/.test(text)
      ? []
      : [warning('composefs', 'composefs is not enabled (usr/lib/ostree/prepare-root.conf)')];
  },
};

export function lintTree(root: string): LintFinding[] {
  return Object.values(RULES).flatMap((rule) => rule(root));
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Paths below `dir` (relative), not following symlinks. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of entries(join(dir, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    out.push(p);
    if (isDir(join(dir, p))) out.push(...walk(dir, p));
  }
  return out;
}

function nonUtf8Names(root: string): string[] {
  const bad: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir, { encoding: 'buffer' })) {
      const text = name.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(name))
        bad.push(join(dir, name.toString('latin1')).slice(root.length));
      const p = join(dir, text);
      if (isDir(p)) visit(p);
    }
  };
  visit(root);
  return bad;
}

function confLines(root: string, dir: string): string[] {
  return ['usr/lib', 'etc'].flatMap((base) => {
    const d = join(root, base, dir);
    return entries(d)
      .filter((f) => f.endsWith('.conf'))
      .flatMap((f) => readFileSync(join(d, f), 'utf8').split('\n'));
  });
}

function tmpfilesPaths(root: string): Set<string> {
  const paths = new Set<string>();
  for (const line of confLines(root, 'tmpfiles.d')) {
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

function sysusersNames(root: string): Set<string> {
  return new Set(
    confLines(root, 'sysusers.d')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[0] === 'u' || f[0] === 'u!')
      .map((f) => f[1] as string),
  );
}
