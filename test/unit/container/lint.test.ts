import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lintTree } from '../../../src/container/lint.ts';
import { scratchDir } from '../../helpers/scratch.ts';

/** A tree that passes every rule. */
function goodTree(): string {
  const root = scratchDir('lint');
  for (const d of [
    'dev',
    'proc',
    'sys',
    'run',
    'tmp',
    'var',
    'boot',
    'sysroot',
    'etc',
    'usr/lib/modules/6.12.0/',
    'usr/lib/ostree',
    'usr/lib/sysusers.d',
    'usr/lib/tmpfiles.d',
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  symlinkSync('sysroot/ostree', join(root, 'ostree'));
  writeFileSync(join(root, 'usr/lib/modules/6.12.0/vmlinuz'), 'k');
  writeFileSync(join(root, 'usr/lib/modules/6.12.0/initramfs.img'), 'i');
  writeFileSync(join(root, 'usr/lib/ostree/prepare-root.conf'), '[composefs]\nenabled = yes\n');
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0::/root:/bin/sh\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n',
  );
  writeFileSync(join(root, 'usr/lib/sysusers.d/apt.conf'), 'u _apt 42 - /nonexistent\n');
  return root;
}

const rules = (root: string) => lintTree(root).map((f) => `${f.level}:${f.rule}`);

test('a conforming tree has no findings', () => {
  assert.deepEqual(lintTree(goodTree()), []);
});

test('each fatal rule fires', () => {
  const cases: [string, (root: string) => void][] = [
    ['var-run', (r) => mkdirSync(join(r, 'var/run'))],
    ['etc-usretc', (r) => mkdirSync(join(r, 'usr/etc'))],
    [
      'kargs',
      (r) => {
        mkdirSync(join(r, 'usr/lib/bootc/kargs.d'), { recursive: true });
        writeFileSync(join(r, 'usr/lib/bootc/kargs.d/10.toml'), 'kargs = "not an array"\n');
      },
    ],
    ['kernel', (r) => mkdirSync(join(r, 'usr/lib/modules/6.1.0'))],
    ['utf8', (r) => writeFileSync(Buffer.from([...Buffer.from(`${r}/tmp2-`), 0xff, 0xfe]), '')],
    ['api-base-directories', (r) => rmSync(join(r, 'proc'), { recursive: true })],
    ['baseimage-root', (r) => rmSync(join(r, 'sysroot'), { recursive: true })],
  ];
  for (const [rule, breakIt] of cases) {
    const root = goodTree();
    breakIt(root);
    assert.ok(rules(root).includes(`fatal:${rule}`), `${rule}: ${rules(root).join(', ')}`);
  }
});

test('each warning rule fires', () => {
  const cases: [string, (root: string) => void][] = [
    [
      'var-log',
      (r) => {
        mkdirSync(join(r, 'var/log'));
        writeFileSync(join(r, 'var/log/x.log'), 'x');
      },
    ],
    ['var-tmpfiles', (r) => mkdirSync(join(r, 'var/lib/foo'), { recursive: true })],
    [
      'sysusers',
      (r) =>
        writeFileSync(
          join(r, 'etc/passwd'),
          'root:x:0:0::/root:/bin/sh\nmessagebus:x:100:101::/:/bin/false\n',
        ),
    ],
    ['nonempty-boot', (r) => writeFileSync(join(r, 'boot/vmlinuz'), 'k')],
    ['nonempty-run-tmp', (r) => writeFileSync(join(r, 'run/x'), '')],
    ['composefs', (r) => writeFileSync(join(r, 'usr/lib/ostree/prepare-root.conf'), '')],
  ];
  for (const [rule, breakIt] of cases) {
    const root = goodTree();
    breakIt(root);
    assert.ok(rules(root).includes(`warning:${rule}`), `${rule}: ${rules(root).join(', ')}`);
  }
});

test('tmpfiles.d entries cover /var content', () => {
  const root = goodTree();
  mkdirSync(join(root, 'var/lib/foo'), { recursive: true });
  writeFileSync(join(root, 'usr/lib/tmpfiles.d/foo.conf'), 'd /var/lib/foo 0755 root root -\n');
  assert.ok(!rules(root).includes('warning:var-tmpfiles'));
});
