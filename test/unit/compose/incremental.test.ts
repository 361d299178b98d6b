import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debName, initramfsChangeReason } from '../../../src/compose/incremental.ts';
import { locked } from '../../helpers/packages.ts';

test('incremental: .deb names as apt stores them (epoch colon escaped)', () => {
  assert.equal(debName(locked('bash', '5.2.37-2')), 'bash_5.2.37-2_amd64.deb');
  assert.equal(debName(locked('libc6', '1:2.41-12', 'amd64')), 'libc6_1%3a2.41-12_amd64.deb');
});

test("initramfs reuse: Debian's trigger or files where dracut looks force a rebuild", () => {
  // Directories dpkg lists on the way (/usr/lib/systemd here) change nothing by themselves.
  const tcpdump = ['/.', '/usr', '/usr/bin', '/usr/bin/tcpdump', '/usr/lib', '/usr/lib/systemd'];
  const quiet =
    'Setting up tcpdump (4.99.5-2) ...\nProcessing triggers for libc-bin (2.41-12) ...\n';
  assert.equal(initramfsChangeReason(quiet, tcpdump), undefined);
  assert.match(
    initramfsChangeReason(`${quiet}Processing triggers for dracut (106-6) ...\n`, tcpdump) ?? '',
    /update-initramfs trigger/,
  );
  for (const f of [
    '/usr/lib/dracut/modules.d/90crypt/module-setup.sh',
    '/lib/udev/rules.d/60-foo.rules',
    '/etc/modprobe.d/foo.conf',
    '/usr/lib/systemd/system/foo.service',
    '/etc/dracut.conf.d/10-foo.conf',
    '/usr/lib/firmware/foo.bin',
  ])
    assert.equal(initramfsChangeReason(quiet, [...tcpdump, f]), `an added package installs ${f}`);
});
