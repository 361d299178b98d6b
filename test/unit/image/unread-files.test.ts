import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Tree } from '../../../src/core/tree.ts';
import { customizeDeployment } from '../../../src/image/customize.ts';
import { keymapOf, unreadFiles } from '../../../src/image/unread-files.ts';
import { loadRecipe } from '../../../src/recipe/load.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

/** An image tree with these files (path → content). */
function image(files: Record<string, string>): string {
  const root = scratchDir('unread');
  mkdirSync(join(root, 'etc'), { recursive: true });
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

const VCONSOLE = { path: '/etc/vconsole.conf', content: 'KEYMAP=de-latin1\n' };
const NTP = { path: '/etc/systemd/timesyncd.conf.d/50-ntp.conf', content: '[Time]\nNTP=a\n' };
const SSHD = { path: '/etc/ssh/sshd_config.d/50-x.conf', content: 'PermitRootLogin no\n' };

test('unread files: each file whose only reader the image lacks is named with its reader and packages', () => {
  const os = new Tree(image({}));
  const w = unreadFiles(os, [{ path: '/etc/motd', content: 'hi\n' }, VCONSOLE, NTP, SSHD]);
  assert.deepEqual(
    w.map((p) => p.key),
    [
      ['files', 1, 'path'],
      ['files', 2, 'path'],
      ['files', 3, 'path'],
    ],
  );
  assert.match(
    w[0]?.message ?? '',
    /^\/etc\/vconsole\.conf has no effect: .*loadkeys.*no \/usr\/bin\/loadkeys \(kbd\) and no keymap de-latin1 .*add kbd and console-data to the treefile/,
  );
  assert.match(
    w[1]?.message ?? '',
    /timesyncd\.conf\.d\/50-ntp\.conf has no effect: only systemd-timesyncd reads it, and the image has no \/usr\/lib\/systemd\/systemd-timesyncd; add systemd-timesyncd/,
  );
  assert.match(
    w[2]?.message ?? '',
    /sshd_config\.d\/50-x\.conf has no effect: only sshd reads it.*\/usr\/sbin\/sshd; add openssh-server/,
  );
});

test('unread files: an image with the readers (and the keymap) gives no warning', () => {
  const os = new Tree(
    image({
      'usr/bin/loadkeys': '',
      'usr/share/keymaps/i386/qwertz/de-latin1.kmap.gz': '',
      'usr/lib/systemd/systemd-timesyncd': '',
      'usr/sbin/sshd': '',
    }),
  );
  assert.deepEqual(
    unreadFiles(os, [VCONSOLE, NTP, SSHD, { path: '/etc/ssh/sshd_config', content: '' }]),
    [],
  );
  // kbd's own layout counts too; a vconsole.conf without KEYMAP= needs only kbd.
  const kbd = new Tree(
    image({ 'bin/loadkeys': '', 'usr/share/kbd/keymaps/xkb/de-latin1.map.gz': '' }),
  );
  assert.deepEqual(
    unreadFiles(kbd, [VCONSOLE, { path: '/etc/vconsole.conf', content: 'FONT=x\n' }]),
    [],
  );
});

test('unread files: loadkeys without the keymap asks for console-data only; a drop-in not named *.conf is never read', () => {
  const os = new Tree(image({ 'usr/bin/loadkeys': '', 'usr/sbin/sshd': '' }));
  const [keymap, dropIn] = unreadFiles(os, [
    { path: '/etc/vconsole.conf', content: 'KEYMAP="fr"\n' },
    { path: '/etc/ssh/sshd_config.d/hardening', content: 'X no\n' },
  ]);
  assert.match(keymap?.message ?? '', /no keymap fr .*; add console-data to/);
  assert.doesNotMatch(keymap?.message ?? '', /kbd and/);
  assert.match(
    dropIn?.message ?? '',
    /hardening is never read: sshd reads only \/etc\/ssh\/sshd_config\.d\/\*\.conf/,
  );
  assert.equal(keymapOf("KEYMAP=us\n# x\nKEYMAP='de'\n"), 'de');
  assert.equal(keymapOf('FONT=x\n'), undefined);
});

test('build warns about unread files at the key that wrote them, and writes them all the same', async () => {
  const dir = scratchDir('unread-bib');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      '[[customizations.files]]',
      'path = "/etc/ssh/sshd_config.d/10-mine.conf"',
      'data = "X no\\n"',
      '',
      '[customizations.locale]',
      'keyboard = "de-latin1"',
      '',
      '[customizations.timezone]',
      'ntpservers = ["time.example.org"]',
      '',
      '[customizations.sshd]',
      'permit_root_login = "no"',
      '',
    ].join('\n'),
  );
  const deploy = image({});
  const sc = testContext();
  await customizeDeployment(sc, deploy, scratchDir('var'), loadRecipe(config));
  const warnings = sc.events.filter((e) => e.startsWith('warn '));
  assert.deepEqual(
    warnings.map((w) => w.match(/^warn \S+:(\d+:\d+) {2}(\S+) {2}(\S+)/)?.slice(1)),
    [
      ['2:1', 'customizations.files[0].path', '/etc/ssh/sshd_config.d/10-mine.conf'],
      ['6:1', 'customizations.locale.keyboard', '/etc/vconsole.conf'],
      [
        '9:1',
        'customizations.timezone.ntpservers',
        '/etc/systemd/timesyncd.conf.d/50-bootc-image-builder.conf',
      ],
      ['11:2', 'customizations.sshd', '/etc/ssh/sshd_config.d/50-bootc-image-builder.conf'],
    ],
  );
  assert.equal(new Tree(deploy).readText('etc/vconsole.conf'), 'KEYMAP=de-latin1\n');

  // A YAML recipe's files are located at files[N].path.
  const yml = join(dir, 'r.yml');
  writeFileSync(
    yml,
    'name: x\nfiles:\n  - path: /etc/vconsole.conf\n    content: "KEYMAP=us\\n"\n',
  );
  const sc2 = testContext();
  await customizeDeployment(sc2, image({}), scratchDir('var'), loadRecipe(yml));
  assert.deepEqual(
    sc2.events
      .filter((e) => e.startsWith('warn '))
      .map((w) => w.match(/:(\d+:\d+) {2}(\S+)/)?.slice(1)),
    [['3:11', 'files[0].path']],
  );
});
