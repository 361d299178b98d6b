import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { skeletonSources } from '../../../src/compose/apt-skeleton.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('apt skeleton sources: one-line entries with or without options', () => {
  const dir = scratchDir('skel');
  mkdirSync(join(dir, 'etc/apt/sources.list.d'), { recursive: true });
  writeFileSync(
    join(dir, 'etc/apt/sources.list'),
    'deb http://archive.example/debian trixie main\n# comment\ndeb [signed-by=/k.gpg] http://archive.example/debian/ trixie-updates main\n',
  );
  writeFileSync(
    join(dir, 'etc/apt/sources.list.d/x.list'),
    'deb http://other.example/d sid main\n',
  );
  assert.deepEqual(skeletonSources(dir), [
    { uri: 'http://archive.example/debian', suite: 'trixie' },
    { uri: 'http://archive.example/debian', suite: 'trixie-updates' },
    { uri: 'http://other.example/d', suite: 'sid' },
  ]);
});
