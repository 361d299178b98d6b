import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkScript,
  checkUnit,
  credentialStrings,
  guestChecks,
  parseCheckLines,
  UNIT_NAME,
} from '../../../src/verify/guest-checks.ts';

test('checks include the expectations', () => {
  const names = guestChecks({
    commit: 'abc',
    version: '13.1',
    hostname: 'h',
    kargs: ['rw'],
    extra: ['true'],
  }).map((c) => c.name);
  for (const n of [
    'cmdline-has-ostree',
    'root-is-deployment',
    'usr-read-only',
    'system-running',
    'booted-commit',
    'booted-version',
    'hostname',
    'karg:rw',
    'custom-1',
  ]) {
    assert.ok(names.includes(n), n);
  }
});

test('the script reports every check and powers off', () => {
  const s = checkScript(guestChecks({}));
  assert.match(s, /^#!\/bin\/sh/);
  assert.match(s, /systemctl is-system-running --wait/);
  assert.equal(s.match(/report pass/g)?.length, guestChecks({}).length);
  assert.match(s, /echo PARTICLE-DONE\nsystemctl poweroff/);
});

test('credentials carry the unit, the drop-in and the script as base64', () => {
  const creds = credentialStrings('echo hi');
  assert.equal(creds.length, 3);
  const unit = creds.find((c) => c.includes(`systemd.extra-unit.${UNIT_NAME}=`));
  assert.ok(unit);
  assert.equal(Buffer.from(unit.split('=').slice(1).join('='), 'base64').toString(), checkUnit());
  assert.ok(
    creds.some((c) =>
      c.startsWith('io.systemd.credential.binary:systemd.unit-dropin.multi-user.target~'),
    ),
  );
});

test('check lines are parsed out of a noisy console', () => {
  const serial =
    '[  5.1] noise\r\nPARTICLE-CHECK pass cmdline-has-ostree ostree=/x\r\n[ 6.0] more\nPARTICLE-CHECK fail system-running degraded foo.service\nPARTICLE-DONE\n';
  const r = parseCheckLines(serial);
  assert.equal(r.done, true);
  assert.deepEqual(r.results, [
    { name: 'cmdline-has-ostree', ok: true, detail: 'ostree=/x' },
    { name: 'system-running', ok: false, detail: 'degraded foo.service' },
  ]);
});
