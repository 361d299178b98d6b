import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { xfsConfigFor } from '../../../src/image/fs-tools.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('mkfs.xfs feature set: the newest LTS config not newer than the image kernel', () => {
  const dir = scratchDir('xfsconf');
  const confDir = join(dir, 'usr/share/xfsprogs/mkfs');
  mkdirSync(confDir, { recursive: true });
  for (const v of ['5.10', '6.1', '6.6', '6.12', '6.18'])
    writeFileSync(join(confDir, `lts_${v}.conf`), '');
  writeFileSync(join(confDir, 'dax_x86_64.conf'), '');
  const t = { dir };
  assert.equal(xfsConfigFor(t, '6.12.118+deb13-amd64'), join(confDir, 'lts_6.12.conf'));
  assert.equal(xfsConfigFor(t, '6.17.1-amd64'), join(confDir, 'lts_6.12.conf'));
  assert.equal(xfsConfigFor(t, '6.1.0-40-amd64'), join(confDir, 'lts_6.1.conf'));
  assert.equal(xfsConfigFor(t, '7.0.2'), join(confDir, 'lts_6.18.conf'));
  assert.throws(() => xfsConfigFor(t, '4.19.0'), /no mkfs\.xfs feature set for kernel 4\.19\.0/);
});
