import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { expectationsFromPlan } from '../../../src/verify/expectations.ts';
import {
  autologinSessionCheck,
  checkScript,
  checkUnit,
  credentialStrings,
  GRAPHICAL_SESSION,
  guestChecks,
  localeCheck,
  parseAnalysis,
  parseCheckLines,
  parseSystemdSpan,
  timedCommand,
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

interface StubSession {
  id: string;
  type: string;
  seat: string;
  name: string;
  cls?: string;
  state?: string;
}

/**
 * Run a guest check script with stub commands on PATH: a loginctl listing `sessions` (and
 * answering show-session -P), `extra` scripts by name, and a sleep that does not wait.
 */
function runWithStubs(
  script: string,
  sessions: StubSession[],
  extra: Record<string, string> = {},
): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'guest-check-'));
  const show = sessions
    .map(
      (s) =>
        `${s.id}) case "$4" in Class) echo ${s.cls ?? 'user'};; Type) echo ${s.type};; Seat) echo ${s.seat};; Name) echo ${s.name};; State) echo ${s.state ?? 'active'};; esac;;`,
    )
    .join(' ');
  const stubs = {
    ...extra,
    loginctl: `#!/bin/sh\nif [ "$1" = list-sessions ]; then\n${sessions.map((s) => `echo "${s.id} 0 ${s.name} ${s.seat}"`).join('\n')}\n:\nelse case "$2" in ${show} esac; fi\n`,
    sleep: '#!/bin/sh\n', // no real waiting
  };
  for (const [name, text] of Object.entries(stubs))
    writeFileSync(join(dir, name), text, { mode: 0o755 });
  const r = spawnSync('sh', ['-c', `( ${script} ) 2>&1`], {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH}` },
  });
  rmSync(dir, { recursive: true });
  return { code: r.status, out: r.stdout.trim() };
}

/** Run the graphical check with stub systemctl/loginctl answering from `state`. */
function graphicalCheck(state: {
  target: string;
  dm?: string;
  active?: string;
  sessions?: (StubSession & { cls: string })[];
}): { code: number | null; out: string } {
  return runWithStubs(GRAPHICAL_SESSION, state.sessions ?? [], {
    systemctl: `#!/bin/sh\ncase "$1:$3" in get-default:*) echo ${state.target};; show:LoadState) echo ${state.dm === 'none' ? 'not-found' : 'loaded'};; show:Id) echo ${state.dm ?? 'gdm.service'};; is-active:*) echo ${state.active ?? 'active'};; esac\n`,
  });
}

test('graphical check: passes on a console image, needs an active display manager and a greeter on a seat', () => {
  assert.deepEqual(graphicalCheck({ target: 'multi-user.target' }), {
    code: 0,
    out: 'default target multi-user.target: no display manager expected',
  });
  // Debian's default.target is graphical.target on a console image too.
  assert.deepEqual(graphicalCheck({ target: 'graphical.target', dm: 'none' }), {
    code: 0,
    out: 'default target graphical.target without a display manager (display-manager.service not-found)',
  });
  const failed = graphicalCheck({
    target: 'graphical.target',
    dm: 'lightdm.service',
    active: 'failed',
  });
  assert.deepEqual(failed, { code: 1, out: 'display-manager.service (lightdm.service) is failed' });
  const greeter = {
    id: 'c1',
    cls: 'greeter',
    type: 'wayland',
    seat: 'seat0',
    name: 'gdm',
  };
  assert.deepEqual(graphicalCheck({ target: 'graphical.target', sessions: [greeter] }), {
    code: 0,
    out: 'gdm.service: greeter session c1 (wayland) of gdm on seat0',
  });
  // greetd's tuigreet greets on a text console; autologin gives a user's graphical session.
  for (const s of [
    { ...greeter, type: 'tty', name: 'greeter' },
    { ...greeter, cls: 'user', type: 'x11', name: 'alice' },
  ])
    assert.equal(graphicalCheck({ target: 'graphical.target', sessions: [s] }).code, 0);
  // A text login on tty1 (Budgie without an X server) is no greeter.
  const tty = { ...greeter, cls: 'user', type: 'tty', name: 'root' };
  const none = graphicalCheck({ target: 'graphical.target', sessions: [tty] });
  assert.equal(none.code, 1);
  assert.match(none.out, /gdm\.service is active but no greeter or user session runs on a seat/);
});

/** The desktop shell's stand-in: a copy of sleep with a name no other process on the host has. */
const FAKE_SHELL = `fakeshell${process.pid % 100000}`;
const fakeShellDir = mkdtempSync(join(tmpdir(), 'fake-shell-'));
after(() => rmSync(fakeShellDir, { recursive: true, force: true }));
function fakeShell(): string {
  const path = join(fakeShellDir, FAKE_SHELL);
  if (!existsSync(path)) copyFileSync('/bin/sleep', path);
  return path;
}

/**
 * Run the autologin check (a 1 s deadline; the shell must be up `settle` seconds, default 0)
 * with a stub loginctl listing `sessions`.
 */
function autologinCheck(
  user: string,
  shell: string | undefined,
  sessions: StubSession[],
  settle = 0,
): { code: number | null; out: string } {
  return runWithStubs(autologinSessionCheck(user, shell, 1, settle), sessions);
}

test("autologin check: the user's graphical session on a seat and its desktop process as that user", () => {
  const me = userInfo().username;
  const x11 = { id: '3', type: 'x11', seat: 'seat0', name: me };
  // A real process of this user stands for the desktop shell (found through /proc).
  const shell = spawn(fakeShell(), ['30'], { stdio: 'ignore' });
  try {
    const ok = autologinCheck(me, FAKE_SHELL, [x11]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(
      ok.out,
      new RegExp(
        `^${me}: session 3 \\(x11\\) on seat0 and ${FAKE_SHELL} runs as ${me} \\(pid \\d+, up \\d+s\\)$`,
      ),
    );
  } finally {
    shell.kill();
  }
  assert.deepEqual(autologinCheck(me, undefined, [x11]), {
    code: 0,
    out: `${me}: session 3 (x11) on seat0`,
  });
  const noShell = autologinCheck(me, 'no-such-shell', [x11]);
  assert.deepEqual(noShell, {
    code: 1,
    out: `${me}: session 3 (x11) on seat0 but no no-such-shell process of ${me}`,
  });
  // A text login of the user, or a graphical session of someone else, is not the desktop.
  for (const s of [
    { ...x11, type: 'tty' },
    { ...x11, name: 'gdm' },
    { ...x11, seat: '' },
    { ...x11, state: 'closing' },
  ]) {
    const r = autologinCheck(me, undefined, [s]);
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`^no x11/wayland session of ${me} on a seat`));
  }
});

test('autologin check: a desktop process that dies before it has been up `settle` seconds fails', () => {
  const me = userInfo().username;
  const x11 = { id: '3', type: 'x11', seat: 'seat0', name: me };
  // Up 2 s of a required 3: it ends (a zombie until this test reaps it, which counts as gone),
  // no other takes its place, and the check fails naming the pid it saw.
  const short = spawn(fakeShell(), ['2'], { stdio: 'ignore' });
  const r = autologinCheck(me, FAKE_SHELL, [x11], 3);
  short.kill();
  assert.equal(r.code, 1, r.out);
  assert.equal(
    r.out,
    `${me}: session 3 (x11) on seat0 but ${FAKE_SHELL} did not stay up 3s (pids: ${short.pid})`,
  );
  // One that lives long enough passes, with its age.
  const long = spawn(fakeShell(), ['30'], { stdio: 'ignore' });
  try {
    const ok = autologinCheck(me, FAKE_SHELL, [x11], 1);
    assert.equal(ok.code, 0, ok.out);
    assert.match(
      ok.out,
      new RegExp(`and ${FAKE_SHELL} runs as ${me} \\(pid ${long.pid}, up [1-9]\\d*s\\)$`),
    );
  } finally {
    long.kill();
  }
});

test('an autologin in the plan adds its check', () => {
  const names = guestChecks({ autologin: { user: 'alice', shell: 'budgie-panel' } }).map(
    (c) => c.name,
  );
  assert.ok(names.includes('autologin:alice'));
  assert.ok(!guestChecks({}).some((c) => c.name.startsWith('autologin')));
});

test('locale: the manager’s LANG, no "Cannot set" from locale, and locale -a lists it', () => {
  assert.equal(
    guestChecks({}).some((c) => c.name.startsWith('locale')),
    false,
  );
  const check = guestChecks({ locale: 'de_DE.UTF-8' }).find((c) => c.name === 'locale:de_DE.UTF-8');
  assert.ok(check);
  assert.match(check.script, /^n='de_DE\.UTF-8'; nn='de_DE\.utf8'$/m);
  assert.match(check.script, /systemctl show-environment/);
  assert.match(check.script, /env -i PATH="\$PATH" LANG="\$n" locale 2>&1 >\/dev\/null/);
  assert.match(check.script, /locale -a \| grep -xF -e "\$n" -e "\$nn"/);
  assert.equal(localeCheck('de_DE.UTF-8'), check.script);
  assert.equal(
    expectationsFromPlan({
      deployment: { commit: 'c', kargs: [] },
      locale: 'de_DE.UTF-8',
      disk: { partitions: [] },
    }).locale,
    'de_DE.UTF-8',
  );
});

test('locale check against the host’s glibc: passes for C.UTF-8, fails for a locale it cannot load or LANG unset', () => {
  const systemctl = (lang: string) =>
    `#!/bin/sh\n[ "$1" = show-environment ] && echo PATH=/bin && ${lang ? `echo LANG=${lang}` : ':'}\n`;
  const ok = runWithStubs(localeCheck('C.UTF-8'), [], { systemctl: systemctl('C.UTF-8') });
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^manager LANG=C\.UTF-8; locale -a: C\.utf8$/);
  // No locale of this name is compiled anywhere: glibc warns, locale -a lacks it.
  const missing = runWithStubs(localeCheck('xx_XX.UTF-8'), [], {
    systemctl: systemctl('xx_XX.UTF-8'),
  });
  assert.equal(missing.code, 1, missing.out);
  assert.match(missing.out, /locale -a: no xx_XX\.UTF-8; locale: Cannot set LC_CTYPE/);
  const unset = runWithStubs(localeCheck('C.UTF-8'), [], { systemctl: systemctl('') });
  assert.equal(unset.code, 1, unset.out);
  assert.match(unset.out, /^manager has no LANG/);
});

test('karg check: split as the kernel splits /proc/cmdline, a quoted value with spaces is one argument', () => {
  const dir = mkdtempSync(join(tmpdir(), 'karg-check-'));
  const cmdline = join(dir, 'cmdline');
  writeFileSync(
    cmdline,
    'BOOT_IMAGE=/vmlinuz root=UUID=x rw quiet dyndbg="file drivers/usb/* +p" ostree=/ostree/boot.1/x\n',
  );
  const karg = (k: string) => {
    const check = guestChecks({ kargs: [k] }).find((c) => c.name === `karg:${k}`);
    assert.ok(check, k);
    return spawnSync('sh', ['-c', check.script.replaceAll('/proc/cmdline', cmdline)]).status;
  };
  try {
    assert.equal(karg('dyndbg="file drivers/usb/* +p"'), 0);
    assert.equal(karg('quiet'), 0);
    assert.equal(karg('rw'), 0);
    // Pieces of the quoted argument are not arguments of their own.
    assert.equal(karg('drivers/usb/*'), 1);
    assert.equal(karg('dyndbg="file'), 1);
    assert.equal(karg('ro'), 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a check name with spaces or % survives the console line', () => {
  const name = 'karg:dyndbg="file drivers/usb/* +p" 100%';
  const script = checkScript([{ name, script: 'echo fine' }]);
  // Only the report function and the check's line: the rest waits for and powers off a system.
  const run = script
    .split('\n')
    .filter((l) => l.startsWith('report()') || l.startsWith('out='))
    .join('\n');
  const r = spawnSync('sh', ['-c', run], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('PARTICLE-CHECK')) ?? '';
  assert.match(line, /^PARTICLE-CHECK pass \S+ fine$/);
  assert.deepEqual(parseCheckLines(`[ 44.4] sh[547]: ${line}\r\n`).results, [
    { name, ok: true, detail: 'fine' },
  ]);
});

test('timedCommand reports the seconds first, the last lines of the output, and the exit status (dash)', () => {
  const ok = spawnSync('dash', ['-c', timedCommand('t', 'printf "a\\nb\\nc\\nd\\n"').script], {
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0);
  assert.match(ok.stdout, /^took \d+ s: b\nc\nd\n$/);
  const failed = spawnSync('dash', ['-c', timedCommand('t', 'echo no; exit 3').script], {
    encoding: 'utf8',
  });
  assert.equal(failed.status, 3);
  assert.match(failed.stdout, /^took \d+ s: no\n$/);
});
