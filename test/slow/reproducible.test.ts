/**
 * Reproducible composes: the same treefile, lockfile and SOURCE_DATE_EPOCH, composed twice into
 * two fresh repos (no parent commit, cold work dirs, no cached tree), must give the same commit checksum. On a
 * difference the test prints `ostree diff` of the two trees, which names the files to fix.
 * Two full composes (~5 minutes), so it runs with `npm run test:slow`, not in CI.
 * PARTICLE_OS_REPRO_TREEFILE names another treefile (a desktop variant: ~25 minutes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { outputDir } from '../helpers/scratch.ts';

const isRoot = process.getuid?.() === 0;
const TREEFILE = process.env.PARTICLE_OS_REPRO_TREEFILE ?? 'treefiles/debian-minimal.yaml';

function compose(repo: string, args: string[]): { commit: string } {
  // The lockfile pins every package, so both runs install exactly the same set (and apt marks
  // the same packages as automatically installed).
  const r = spawnSync(
    './bib/particle-os',
    ['compose', 'tree', TREEFILE, '--repo', repo, '--json', ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' }, // 2026-01-01
    },
  );
  assert.equal(r.status, 0, `compose exited ${r.status}`);
  return JSON.parse(r.stdout) as { commit: string };
}

test(`the same inputs compose to the same commit (${TREEFILE})`, {
  skip: !isRoot && 'needs root',
  timeout: 60 * 60_000,
}, () => {
  const dir = outputDir('repro');
  const lock = join(dir, 'variant.lock.json');
  const resolved = spawnSync(
    './bib/particle-os',
    ['compose', 'tree', TREEFILE, '--dry-run', '--write-lockfile', lock],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  assert.equal(resolved.status, 0);
  // --force-nocache: both from scratch, neither starts from the cached installed tree.
  const a = compose(join(dir, 'a'), ['--lockfile', lock, '--force-nocache']);
  const b = compose(join(dir, 'b'), ['--lockfile', lock, '--force-nocache']);
  if (a.commit !== b.commit) {
    spawnSync('ostree', ['pull-local', `--repo=${join(dir, 'a')}`, join(dir, 'b'), b.commit]);
    const diff = spawnSync('ostree', ['diff', `--repo=${join(dir, 'a')}`, a.commit, b.commit], {
      encoding: 'utf8',
    });
    process.stderr.write(`ostree diff:\n${diff.stdout}${diff.stderr}`);
  }
  assert.equal(b.commit, a.commit);
});
