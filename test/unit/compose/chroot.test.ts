import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inRootArgv } from '../../../src/compose/chroot.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('in-tree commands: no network unless asked, a fixed environment, the tree as /', () => {
  const root = scratchDir('root');
  mkdirSync(join(root, 'usr'));
  const argv = inRootArgv(root, ['dracut', '--force']);
  assert.equal(argv[0], 'bwrap');
  assert.deepEqual(argv.slice(1, 4), ['--bind', root, '/']);
  assert.ok(argv.includes('--unshare-net'));
  assert.ok(argv.includes('--clearenv'));
  assert.deepEqual(argv.slice(-3), ['--', 'dracut', '--force']);
  const i = argv.indexOf('INITRD');
  assert.equal(argv[i + 1], 'No', 'kernel postinst never builds its own initramfs');
  assert.ok(!inRootArgv(root, ['true'], { network: true }).includes('--unshare-net'));
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('scripts inside a tree keep no capability to mount, make devices or read by handle', () => {
  const argv = inRootArgv('/x', ['true']);
  const added = argv.flatMap((a, i) => (argv[i - 1] === '--cap-add' ? [a] : []));
  assert.ok(argv.includes('--cap-drop') && argv[argv.indexOf('--cap-drop') + 1] === 'ALL');
  for (const cap of ['CAP_SYS_ADMIN', 'CAP_MKNOD', 'CAP_DAC_READ_SEARCH', 'CAP_SYS_MODULE'])
    assert.ok(!added.includes(cap), cap);
  assert.ok(added.includes('CAP_SETFCAP'), 'setcap in postprocess still works');
});
