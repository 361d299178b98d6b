/**
 * A build host in miniature for confinement tests: `host` is a directory outside the tree with
 * canary files in it (what a hostile input would like to delete, overwrite or read), `tree` is
 * the tree being edited. `intact()` says whether the host side is exactly as planted.
 *
 * Nothing a treefile, recipe or image says may touch the build host. Each confinement test
 * plants canary files outside the tree and a hostile symlink (or path) inside it, runs the real
 * code path of one host-side operation, and checks that the canaries are as planted and that an
 * error, where there is one, names the key or file at fault. The tests live with the module
 * they exercise (test/unit/<dir>/<module>.test.ts), after a `// Confinement:` comment.
 */
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { scratchDir } from './scratch.ts';

export interface Canary {
  /** Directory outside the tree, standing for the build host's files. */
  host: string;
  /** The tree. */
  tree: string;
  /** Plant a symlink at `path` in the tree (parents created). */
  link(path: string, target: string): void;
  /** Create a regular file in the tree. */
  file(path: string, content: string): void;
  /** Throws (with a diff) unless the host directory holds exactly what was planted. */
  assertIntact(): void;
}

const PLANTED: Record<string, string> = {
  canary: 'canary\n',
  'dir/file': 'host file\n',
  passwd: 'hostonlyuser:x:123:123::/home/h:/bin/sh\n',
  shadow: 'hostonlyuser:$6$secret:19000:0:99999:7:::\n',
  'x.toml': 'kargs = ["host.karg=1"]\n',
  ssh_host_ed25519_key: 'HOST KEY\n',
};

export function canary(): Canary {
  const base = scratchDir('particle-os-canary');
  const host = join(base, 'host');
  const tree = join(base, 'tree');
  for (const [p, text] of Object.entries(PLANTED)) {
    mkdirSync(dirname(join(host, p)), { recursive: true });
    writeFileSync(join(host, p), text, { mode: 0o644 });
  }
  mkdirSync(tree, { recursive: true });
  return {
    host,
    tree,
    link(path, target) {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      symlinkSync(target, join(tree, path));
    },
    file(path, content) {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), content);
    },
    assertIntact() {
      const found = listing(host);
      const want = Object.keys(PLANTED).flatMap((p) => (p.includes('/') ? [dirname(p), p] : [p]));
      const extra = found.filter((p) => !want.includes(p));
      const missing = want.filter((p) => !found.includes(p));
      if (extra.length || missing.length)
        throw new Error(
          `host side changed: extra ${extra.join(', ')}; missing ${missing.join(', ')}`,
        );
      for (const [p, text] of Object.entries(PLANTED)) {
        const st = lstatSync(join(host, p));
        if (
          !st.isFile() ||
          (st.mode & 0o7777) !== 0o644 ||
          readFileSync(join(host, p), 'utf8') !== text
        )
          throw new Error(`host file ${p} was changed`);
      }
    },
  };
}

function listing(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((n) => {
    const p = rel ? `${rel}/${n}` : n;
    return lstatSync(join(dir, p)).isDirectory() ? [p, ...listing(dir, p)] : [p];
  });
}
