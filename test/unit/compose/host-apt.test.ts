import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostArchive } from '../../../src/compose/host-apt.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('the host’s Debian archive and security archive, one-line or deb822', () => {
  const one = scratchDir('apt-one');
  writeFileSync(
    join(one, 'sources.list'),
    '# local mirror\ndeb http://m.example/debian trixie main\ndeb http://m.example/debian-security trixie-security main\n',
  );
  assert.deepEqual(hostArchive(one), {
    uri: 'http://m.example/debian',
    security: 'http://m.example/debian-security',
  });
  const deb822 = scratchDir('apt-822');
  mkdirSync(join(deb822, 'sources.list.d'));
  writeFileSync(
    join(deb822, 'sources.list.d/debian.sources'),
    'Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie trixie-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: trixie-security\nComponents: main\n',
  );
  assert.deepEqual(hostArchive(deb822), {
    uri: 'http://mirror.example/debian',
    security: 'http://mirror.example/debian-security',
  });
  const none = scratchDir('apt-none');
  writeFileSync(join(none, 'sources.list'), 'deb http://ppa.example/ubuntu noble main\n');
  assert.equal(hostArchive(none), undefined);
  const noSecurity = scratchDir('apt-nosec');
  writeFileSync(join(noSecurity, 'sources.list'), 'deb http://m.example/debian trixie main\n');
  assert.deepEqual(hostArchive(noSecurity), { uri: 'http://m.example/debian' });
});
