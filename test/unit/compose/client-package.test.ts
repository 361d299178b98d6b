import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildClientPackage,
  CLIENT_PACKAGE,
  clientVersion,
} from '../../../src/compose/client-package.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const sha = (f: string) => spawnSync('sha256sum', [f], { encoding: 'utf8' }).stdout.slice(0, 64);

test('client package: dpkg owns the command, its libraries and units; the build is reproducible', async () => {
  const sc = testContext();
  const a = await buildClientPackage(sc, scratchDir('client-deb'));
  const b = await buildClientPackage(sc, scratchDir('client-deb'));
  assert.equal(sha(a), sha(b), 'same sources, same .deb');
  const field = (f: string) =>
    spawnSync('dpkg-deb', ['--field', a, f], { encoding: 'utf8' }).stdout.trim();
  assert.equal(field('Package'), CLIENT_PACKAGE);
  assert.equal(field('Version'), clientVersion());
  assert.equal(field('Architecture'), 'all');
  assert.match(field('Depends'), /ostree.*curl.*jq/);
  const contents = spawnSync('dpkg-deb', ['--contents', a], { encoding: 'utf8' }).stdout;
  assert.match(contents, /^-rwxr-xr-x root\/root .* \.\/usr\/bin\/particle-os$/m);
  for (const f of ['common', 'fetch', 'import', 'status', 'update'])
    assert.match(
      contents,
      new RegExp(`-rw-r--r-- root/root .* \\./usr/lib/particle-os/${f}\\.sh$`, 'm'),
    );
  assert.match(contents, /usr\/lib\/systemd\/system\/particle-os-upgrade\.timer$/m);
  // The version is stamped into the command.
  const x = scratchDir('client-x');
  spawnSync('dpkg-deb', ['--extract', a, x]);
  assert.match(
    readFileSync(join(x, 'usr/bin/particle-os'), 'utf8'),
    new RegExp(`client ${clientVersion().replace('+', '\\+')}`),
  );
});
