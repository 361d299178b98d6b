import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkScript,
  checkUnit,
  credentialStrings,
  guestChecks,
  parseAnalysis,
  parseCheckLines,
  parseSystemdSpan,
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

test('systemd time spans become milliseconds', () => {
  assert.equal(parseSystemdSpan('1min 2.5s'), 62_500);
  assert.equal(parseSystemdSpan('2.345s'), 2345);
  assert.equal(parseSystemdSpan('123ms'), 123);
  assert.equal(parseSystemdSpan('450us'), 0.45);
});

test('the analysis is parsed from the console; without it there is none', () => {
  const serial = [
    '[ 80.1] sh[555]: PARTICLE-ANALYZE time Startup finished in 7.6s (kernel) + 15.1s (initrd) + 50.2s (userspace) = 1min 12.9s ',
    '[ 80.2] sh[555]: PARTICLE-ANALYZE time multi-user.target reached after 50.1s in userspace.',
    '[ 80.3] random: crng init done',
    '[ 80.4] sh[555]: PARTICLE-ANALYZE blame 1min 2.003s getty-static.service',
    '[ 80.5] sh[555]: PARTICLE-ANALYZE blame     812ms systemd-udev-trigger.service',
    '[ 80.6] sh[555]: PARTICLE-ANALYZE chain multi-user.target @50.1s',
    '[ 80.7] sh[555]: PARTICLE-ANALYZE chain └─getty.target @50.0s',
    '[ 80.8] sh[555]: PARTICLE-ANALYZE manager GeneratorsStartTimestampMonotonic=24031000',
    '[ 80.9] sh[555]: PARTICLE-ANALYZE manager UnitsLoadFinishTimestampMonotonic=56538629',
  ].join('\r\n');
  const a = parseAnalysis(serial);
  assert.ok(a);
  assert.equal(a.time.length, 2);
  assert.match(a.time[0] as string, /= 1min 12\.9s$/);
  assert.deepEqual(a.startup, { kernel: 7600, initrd: 15_100, userspace: 50_200, total: 72_900 });
  assert.deepEqual(a.blame, [
    { unit: 'getty-static.service', ms: 62_003 },
    { unit: 'systemd-udev-trigger.service', ms: 812 },
  ]);
  assert.deepEqual(a.criticalChain, ['multi-user.target @50.1s', '└─getty.target @50.0s']);
  assert.deepEqual(a.manager, { GeneratorsStart: 24_031, UnitsLoadFinish: 56_538.629 });
  assert.equal(parseAnalysis('PARTICLE-DONE\n'), undefined);
});

test('the analysis runs only when asked for, after the checks', () => {
  assert.doesNotMatch(checkScript(guestChecks({})), /systemd-analyze/);
  const s = checkScript(guestChecks({}), { analyze: true });
  assert.ok(s.indexOf('critical-chain') > s.lastIndexOf('report pass'));
  assert.ok(s.indexOf('critical-chain') < s.indexOf('PARTICLE-DONE'));
});
