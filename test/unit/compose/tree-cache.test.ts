import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePackageLine } from '../../../src/compose/package-list.ts';
import { packagesToAdd, treeCacheDir } from '../../../src/compose/tree-cache.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { locked } from '../../helpers/packages.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const cached = ['bash 5.2 amd64', 'tzdata 2025a all'].map(parsePackageLine);

test('incremental: a superset at the same versions adds exactly the new packages', () => {
  const add = packagesToAdd(cached, [
    locked('bash', '5.2'),
    locked('libpcap0.8t64', '1.10'),
    locked('tcpdump', '4.99'),
    locked('tzdata', '2025a', 'all'),
  ]);
  assert.deepEqual(
    add?.map((p) => p.name),
    ['libpcap0.8t64', 'tcpdump'],
  );
  assert.deepEqual(
    packagesToAdd(cached, [locked('bash', '5.2'), locked('tzdata', '2025a', 'all')]),
    [],
  );
});

test('incremental: an upgrade, a removal or another architecture needs a full bootstrap', () => {
  const tz = locked('tzdata', '2025a', 'all');
  assert.equal(packagesToAdd(cached, [locked('bash', '5.3'), tz]), undefined, 'upgrade');
  assert.equal(packagesToAdd(cached, [tz, locked('tcpdump', '4.99')]), undefined, 'removal');
  assert.equal(
    packagesToAdd(cached, [locked('bash', '5.2', 'i386'), tz]),
    undefined,
    'architecture',
  );
});

test('tree cache: one entry per ref, a new one when an install setting changes', () => {
  const dir = scratchDir('tree-cache');
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return loadTreefile(join(dir, name));
  };
  const base = 'base: debian:trixie\nostree:\n  ref: debian/13/x86_64/t\npackages: [bash]\n';
  const a = write('a.yaml', base);
  const b = write('b.yaml', `${base.replace('[bash]', '[bash, tcpdump]')}`);
  const c = write('c.yaml', `${base}recommends: true\n`);
  const other = write('d.yaml', base.replace('/t\n', '/u\n'));
  assert.equal(treeCacheDir('/c', a), treeCacheDir('/c', b), 'packages do not change the key');
  assert.notEqual(treeCacheDir('/c', a), treeCacheDir('/c', c), 'recommends does');
  assert.notEqual(treeCacheDir('/c', a), treeCacheDir('/c', other), 'so does the ref');
  assert.match(treeCacheDir('/c', a), /^\/c\/trees\/debian_13_x86_64_t-[0-9a-f]{16}$/);
});
