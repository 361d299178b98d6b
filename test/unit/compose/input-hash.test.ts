import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inputHash, treefileDigest } from '../../../src/compose/input-hash.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { pkg } from '../../helpers/packages.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('input hash: order-free over packages; any version or checksum change changes it', () => {
  const a = inputHash('t', [pkg('bash', '5.2'), pkg('zsh', '5.9')]);
  assert.equal(a, inputHash('t', [pkg('zsh', '5.9'), pkg('bash', '5.2')]));
  assert.notEqual(a, inputHash('t', [pkg('bash', '5.3'), pkg('zsh', '5.9')]));
  assert.notEqual(a, inputHash('t', [pkg('bash', '5.2', 'b'.repeat(64)), pkg('zsh', '5.9')]));
  assert.notEqual(a, inputHash('u', [pkg('bash', '5.2'), pkg('zsh', '5.9')]));
});

test('treefile digest: follows content (also of add-files), not where the files live', () => {
  const mk = (dir: string, motd: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'motd'), motd);
    writeFileSync(
      join(dir, 't.yaml'),
      'ref: test/x\nbase: debian:trixie\npackages: [tree]\nadd-files:\n  - [motd, /etc/motd]\n',
    );
    return treefileDigest(loadTreefile(join(dir, 't.yaml')));
  };
  const root = scratchDir('digest');
  const one = mk(join(root, 'one'), 'hello\n');
  assert.equal(one, mk(join(root, 'two'), 'hello\n'), 'same content elsewhere: same digest');
  assert.notEqual(one, mk(join(root, 'three'), 'changed\n'), 'add-file content counts');
});

test('treefile digest: apt.components counts, its default does not (existing digests stay)', () => {
  const root = scratchDir('digest-components');
  const digest = (name: string, yaml: string) => {
    writeFileSync(join(root, name), `ref: test/x\nbase: debian:trixie\n${yaml}`);
    return treefileDigest(loadTreefile(join(root, name)));
  };
  const plain = digest('a.yaml', '');
  assert.equal(plain, digest('b.yaml', 'apt:\n  components: [main]\n'), 'the default is no input');
  assert.notEqual(plain, digest('c.yaml', 'apt:\n  components: [main, contrib]\n'));
});
