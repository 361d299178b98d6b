import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smbiosCredential, unitDropinCredential } from '../../../src/vm/credentials.ts';

test('credentials travel base64-encoded, so a line break or comma cannot escape the value', () => {
  const s = smbiosCredential('ssh.authorized_keys.root', 'ssh-ed25519 AAAA x,y\nevil');
  const [head, b64] = s.split('=', 2) as [string, string];
  assert.equal(head, 'io.systemd.credential.binary:ssh.authorized_keys.root');
  assert.equal(Buffer.from(b64, 'base64').toString(), 'ssh-ed25519 AAAA x,y\nevil');
  assert.match(
    unitDropinCredential('serial-getty@ttyS0.service', 'x', '[Service]\n'),
    /^io\.systemd\.credential\.binary:systemd\.unit-dropin\.serial-getty@ttyS0\.service~x=/,
  );
  assert.throws(() => smbiosCredential('a=b', 'v'), /not allowed/);
});
