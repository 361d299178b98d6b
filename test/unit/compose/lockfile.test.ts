import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readLockfile, writeLockfile } from '../../../src/compose/lockfile.ts';
import { UsageError } from '../../../src/core/errors.ts';
import { pkg } from '../../helpers/packages.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('lockfiles: written atomically, read back, bad ones are usage errors naming the field', () => {
  const dir = scratchDir('lock');
  const f = join(dir, 'x.lock.json');
  const lock = {
    lockfileVersion: 1 as const,
    ref: 'a/b',
    suite: 'trixie',
    packages: [pkg('bash', '5.2')],
  };
  writeLockfile(f, lock, lock.packages);
  assert.deepEqual(readLockfile(f), lock);
  writeFileSync(f, JSON.stringify({ ...lock, packages: [{ ...pkg('bash', '5.2'), sha256: 'x' }] }));
  assert.throws(
    () => readLockfile(f),
    (e: unknown) => e instanceof UsageError && /packages\.0\.sha256/.test(e.message),
  );
  assert.throws(() => readLockfile(join(dir, 'missing.json')), /cannot read lockfile/);
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('a lockfile cannot smuggle packages into --include or a path into the .deb cache', () => {
  const dir = scratchDir('hostile-lock');
  const lock = (p: object) => {
    const f = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    const pkg = {
      name: 'bash',
      version: '5.2-1',
      architecture: 'amd64',
      sha256: 'a'.repeat(64),
      size: 1,
    };
    writeFileSync(
      f,
      JSON.stringify({
        lockfileVersion: 1,
        ref: 'a/b',
        suite: 'trixie',
        packages: [{ ...pkg, ...p }],
      }),
    );
    return f;
  };
  assert.equal(readLockfile(lock({})).packages[0]?.version, '5.2-1');
  assert.equal(readLockfile(lock({ version: '1:2.38.1-5+deb12u1~bpo1' })).packages.length, 1);
  assert.throws(
    () => readLockfile(lock({ version: '1.0,evil-package' })),
    /packages\.0\.version: not a Debian version/,
  );
  assert.throws(() => readLockfile(lock({ version: '../../../../etc/x' })), /not a Debian version/);
  assert.throws(
    () => readLockfile(lock({ architecture: 'amd64/../../x' })),
    /not a Debian architecture/,
  );
});
