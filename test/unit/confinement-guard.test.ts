/**
 * A tripwire for issue #13: stage modules change trees only through core/tree.ts. A stage file
 * that imports a writing node:fs function must be listed here with what it writes, which must
 * be a place this tool owns (work dirs, caches, outputs, logs), never a tree an input shaped.
 * A new entry needs a reason a reviewer can check.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const WRITERS =
  /\b(rmSync|writeFileSync|mkdirSync|copyFileSync|cpSync|symlinkSync|chmodSync|renameSync|unlinkSync|lchownSync|appendFileSync|createWriteStream|linkSync|truncateSync)\b/g;

/** file → what its direct node:fs writes touch. */
const ALLOWED: Record<string, string> = {
  'compose/apt-skeleton.ts': 'the apt skeleton in the cache (made and renamed into place)',
  'compose/bootstrap.ts': 'the work dir (exclude preferences) and the .deb cache dir',
  'compose/customize.ts': 'the step log',
  'compose/client-package.ts':
    'the client package staging dir in the compose work dir (from this repository)',
  'compose/incremental.ts': 'the .deb cache dir; list/archive files inside a dir resolved by Tree',
  'compose/lockfile.ts': 'the lockfile named on the command line',
  'compose/locales.ts':
    'SUPPORTED of the locales package, kept in the apt skeleton in the cache (the .deb read with tar -O)',
  'compose/ostreeify.ts': 'copies of /var files (walked without following links) to a Tree path',
  'compose/repo-lock.ts': 'REPO.lock next to the repo',
  'compose/tree-cache.ts': 'the tree cache under ~/.cache/particle-os',
  'image/customize.ts': 'lchown (never follows) of a home dir resolved by Tree',
  'image/fs-tools.ts': 'the forky mkfs tools cache (Debian packages)',
  'image/grub.ts': 'the GRUB modules cache (Debian packages) and the /boot stage',
  'image/steps.ts': 'the output dir, grub.cfg in the /boot stage, the work dir',
  'image/mkfs.ts': 'filesystem images in the work dir',
  'image/iso.ts': 'the UEFI GRUB image’s early config in the work dir',
  'image/suite-extract.ts': 'the extraction cache (made and renamed into place)',
  'image/sysroot.ts':
    'the staging sysroot ostree makes, the /boot stage, the origin file beside it',
  'ostree/repo.ts': 'the repo directory (--repo, or ostree.repo inside the treefile context)',
  'container/steps.ts': 'the output path named on the command line',
  'container/layer.ts': 'layer blobs in the OCI layout being written',
  'oci/read.ts': 'the target directories made before tar (sandboxed) fills them',
  'oci/write.ts': 'documents and blobs of the OCI layout being written',
};

function fsImports(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'node:fs'/g))
    for (const w of (m[1] as string).match(WRITERS) ?? []) out.add(w);
  return [...out];
}

test('stage modules write to trees only through core/tree.ts', () => {
  const found: string[] = [];
  for (const stage of ['compose', 'image', 'container', 'oci', 'ostree', 'recipe', 'treefile']) {
    for (const f of readdirSync(join('src', stage)).filter((n) => n.endsWith('.ts'))) {
      const rel = `${stage}/${f}`;
      if (fsImports(readFileSync(join('src', rel), 'utf8')).length) found.push(rel);
    }
  }
  const unexplained = found.filter((f) => !(f in ALLOWED));
  assert.deepEqual(unexplained, [], 'new direct writes: use Tree, or list them with a reason');
  const stale = Object.keys(ALLOWED).filter((f) => !found.includes(f));
  assert.deepEqual(stale, [], 'listed files that no longer write directly');
});
