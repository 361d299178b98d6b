import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../../../src/core/errors.ts';
import { Tree } from '../../../src/core/tree.ts';
import {
  configureAutologin,
  setGreetdInitialSession,
  setIniKeys,
} from '../../../src/image/autologin.ts';
import { RecipeSchema } from '../../../src/recipe/schema.ts';
import { canary } from '../../helpers/canary.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n';

/** A deployment with `unit` as display-manager.service and the given session files. */
function deployment(unit: string | undefined, sessions: Record<string, string> = {}) {
  const root = scratchDir('autologin');
  const put = (p: string, text: string) => {
    mkdirSync(dirname(join(root, 'deploy', p)), { recursive: true });
    writeFileSync(join(root, 'deploy', p), text);
  };
  put('etc/passwd', PASSWD);
  if (unit) {
    mkdirSync(join(root, 'deploy/etc/systemd/system'), { recursive: true });
    symlinkSync(
      `/usr/lib/systemd/system/${unit}`,
      join(root, 'deploy/etc/systemd/system/display-manager.service'),
    );
  }
  for (const [p, exec] of Object.entries(sessions))
    put(`usr/share/${p}.desktop`, `[Desktop Entry]\nName=x\nExec=${exec}\n`);
  mkdirSync(join(root, 'var'));
  return {
    os: new Tree(join(root, 'deploy')),
    stateVar: new Tree(join(root, 'var')),
    read: (p: string) => readFileSync(join(root, p), 'utf8'),
  };
}

test('autologin: LightDM gets a drop-in with the only X11 session (generic sessions skipped)', () => {
  const d = deployment('lightdm.service', {
    'xsessions/budgie-desktop': 'budgie-desktop',
    'xsessions/lightdm-xsession': 'default',
  });
  const r = configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r.yml: autologin');
  assert.deepEqual(r, {
    user: 'alice',
    displayManager: 'lightdm',
    session: 'budgie-desktop',
    shell: 'budgie-panel',
  });
  const conf = d.read('deploy/etc/lightdm/lightdm.conf.d/99-particle-os-autologin.conf');
  assert.match(conf, /^\[Seat:\*\]$/m);
  assert.match(conf, /^autologin-user=alice$/m);
  assert.match(conf, /^autologin-session=budgie-desktop$/m);
});

test('autologin: SDDM prefers the only Wayland session over X11 and names the file', () => {
  const d = deployment('sddm.service', {
    'wayland-sessions/plasma': 'startplasma-wayland',
    'xsessions/plasmax11': 'startplasma-x11',
  });
  const r = configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r.yml: autologin');
  assert.equal(r.session, 'plasma');
  assert.equal(r.shell, 'plasmashell');
  const conf = d.read('deploy/etc/sddm.conf.d/99-particle-os-autologin.conf');
  assert.match(conf, /^\[Autologin\]\nUser=alice\nSession=plasma\.desktop$/m);
  // The recipe may pick the X11 one.
  const x = configureAutologin(d.os, d.stateVar, { user: 'alice', session: 'plasmax11' }, 'r');
  assert.equal(x.session, 'plasmax11');
});

test('autologin: GDM keys are set in daemon.conf, comments kept; a named session goes to AccountsService', () => {
  const d = deployment('gdm.service', {
    'wayland-sessions/gnome': 'gnome-session',
    'wayland-sessions/gnome-wayland': 'gnome-session',
    'xsessions/gnome-xorg': 'gnome-session',
  });
  mkdirSync(join(d.os.root, 'etc/gdm3'));
  writeFileSync(
    join(d.os.root, 'etc/gdm3/daemon.conf'),
    '# GDM configuration\n[daemon]\n#  AutomaticLoginEnable = true\nWaylandEnable=true\n\n[security]\n',
  );
  mkdirSync(join(d.os.root, 'usr/bin'));
  writeFileSync(join(d.os.root, 'usr/bin/gnome-shell'), '');
  const r = configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r');
  // GDM picks its default (GNOME) when the recipe names none; several sessions are no error.
  assert.deepEqual(r, {
    user: 'alice',
    displayManager: 'gdm',
    session: undefined,
    shell: 'gnome-shell',
  });
  assert.equal(
    d.read('deploy/etc/gdm3/daemon.conf'),
    '# GDM configuration\n[daemon]\nAutomaticLoginEnable=true\nAutomaticLogin=alice\n#  AutomaticLoginEnable = true\nWaylandEnable=true\n\n[security]\n',
  );
  configureAutologin(d.os, d.stateVar, { user: 'alice', session: 'gnome-xorg' }, 'r');
  assert.equal(d.read('var/lib/AccountsService/users/alice'), '[User]\nXSession=gnome-xorg\n');
});

test("autologin: greetd gets an initial_session with the session file's command; the greeter stays", () => {
  const d = deployment('greetd.service', { 'wayland-sessions/sway': 'sway' });
  mkdirSync(join(d.os.root, 'etc/greetd'));
  writeFileSync(
    join(d.os.root, 'etc/greetd/config.toml'),
    '[terminal]\nvt = 7\n[default_session]\ncommand = "tuigreet --cmd sway"\nuser = "_greetd"\n',
  );
  const r = configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r');
  assert.equal(r.shell, 'sway');
  const config = parseToml(d.read('deploy/etc/greetd/config.toml'));
  assert.deepEqual(
    { ...(config.initial_session as object) },
    { command: 'env XDG_SESSION_TYPE=wayland sway', user: 'alice' },
  );
  assert.deepEqual(
    { ...(config.default_session as object) },
    { command: 'tuigreet --cmd sway', user: '_greetd' },
  );
  assert.deepEqual({ ...(config.terminal as object) }, { vt: 7 });
});

test('autologin: clear errors for no display manager, an unknown one, a missing user, root, a session choice', () => {
  const err = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof UsageError && re.test(e.message));
  const none = deployment(undefined);
  err(
    () => configureAutologin(none.os, none.stateVar, { user: 'alice' }, 'r.yml: autologin'),
    /^r\.yml: autologin: the image enables no display manager/,
  );
  const xdm = deployment('xdm.service');
  err(
    () => configureAutologin(xdm.os, xdm.stateVar, { user: 'alice' }, 'r'),
    /display-manager\.service is xdm\.service/,
  );
  const l = deployment('lightdm.service', {
    'xsessions/a': 'a',
    'xsessions/b': 'b',
  });
  err(() => configureAutologin(l.os, l.stateVar, { user: 'bob' }, 'r'), /user bob is neither/);
  err(() => configureAutologin(l.os, l.stateVar, { user: 'root' }, 'r'), /root/);
  err(
    () => configureAutologin(l.os, l.stateVar, { user: 'alice' }, 'r: autologin'),
    /several sessions \(Wayland: none; X11: a, b\); name one with r: autologin\.session/,
  );
  err(
    () => configureAutologin(l.os, l.stateVar, { user: 'alice', session: 'c' }, 'r: autologin'),
    /r: autologin\.session: c: no such session/,
  );
});

test('autologin: a greetd session whose Exec line is not a plain command is refused', () => {
  const d = deployment('greetd.service', { 'wayland-sessions/x': 'sh -c "evil"\n[x]' });
  assert.throws(
    () => configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r'),
    /Exec line is not a plain command/,
  );
});

test('autologin: the recipe takes a user name or {user, session}; no line breaks get through', () => {
  const parse = (autologin: unknown) => RecipeSchema.safeParse({ name: 'x', autologin });
  assert.deepEqual(parse('alice').data?.autologin, { user: 'alice', session: undefined });
  assert.deepEqual(parse({ user: 'alice', session: 'plasma' }).data?.autologin, {
    user: 'alice',
    session: 'plasma',
  });
  assert.equal(parse('alice\nautologin-user=root').success, false);
  assert.equal(parse({ user: 'alice', session: 'plasma\n[Seat:*]' }).success, false);
  assert.equal(parse({ user: 'alice', extra: 1 }).success, false);
});

test('autologin: greetd takes Wayland sessions only (it starts no X server); its config is edited by lines', () => {
  const d = deployment('greetd.service', { 'xsessions/budgie-desktop': 'budgie-desktop' });
  assert.throws(
    () => configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r: autologin'),
    /r: autologin: the image has no desktop session/,
  );
  assert.throws(
    () =>
      configureAutologin(
        d.os,
        d.stateVar,
        { user: 'alice', session: 'budgie-desktop' },
        'r: autologin',
      ),
    /r: autologin\.session: budgie-desktop is an X11 session; greetd starts no X server/,
  );
  // greetd's own format allows `vt = next` (not TOML); an old initial_session is replaced.
  assert.equal(
    setGreetdInitialSession(
      '# comment\n[terminal]\nvt = next\n\n[initial_session]\ncommand = "old"\nuser = "bob"\n[default_session]\ncommand = "agreety"\n',
      'env XDG_SESSION_TYPE=wayland sway',
      'alice',
    ),
    '# comment\n[terminal]\nvt = next\n\n[default_session]\ncommand = "agreety"\n\n[initial_session]\ncommand = "env XDG_SESSION_TYPE=wayland sway"\nuser = "alice"\n',
  );
});

test('autologin: a session file name from the image that could add a config line is refused', () => {
  const d = deployment('lightdm.service', {
    'xsessions/x\n[Seat:*]\nallow-guest=true\n#': 'x',
  });
  assert.throws(
    () => configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r'),
    (e: Error) =>
      e instanceof UsageError &&
      e.message.startsWith('/usr/share/xsessions/x\\n[Seat:*]') &&
      /not letters, digits/.test(e.message),
  );
  assert.throws(() => d.read('deploy/etc/lightdm/lightdm.conf.d/99-particle-os-autologin.conf'));
});

test("autologin: the image's lightdm.conf or sddm.conf setting the same keys is refused (it is read last)", () => {
  const l = deployment('lightdm.service', { 'xsessions/budgie-desktop': 'budgie-desktop' });
  mkdirSync(join(l.os.root, 'etc/lightdm'), { recursive: true });
  writeFileSync(
    join(l.os.root, 'etc/lightdm/lightdm.conf'),
    '[Seat:*]\n#autologin-user=\nautologin-user=bob\n',
  );
  assert.throws(
    () => configureAutologin(l.os, l.stateVar, { user: 'alice' }, 'r: autologin'),
    /r: autologin: the image's \/etc\/lightdm\/lightdm\.conf sets autologin-user=bob/,
  );
  const s = deployment('sddm.service', { 'wayland-sessions/plasma': 'startplasma-wayland' });
  writeFileSync(join(s.os.root, 'etc/sddm.conf'), '[Autologin]\nUser=bob\n');
  assert.throws(
    () => configureAutologin(s.os, s.stateVar, { user: 'alice' }, 'r'),
    /\/etc\/sddm\.conf sets User=bob/,
  );
});

test('autologin: an /etc file the image links into /usr is not written through (the commit stays as it is)', () => {
  const d = deployment('gdm.service', { 'wayland-sessions/gnome': 'gnome-session' });
  mkdirSync(join(d.os.root, 'usr/share/gdm'), { recursive: true });
  writeFileSync(join(d.os.root, 'usr/share/gdm/daemon.conf'), '[daemon]\n');
  mkdirSync(join(d.os.root, 'etc/gdm3'));
  symlinkSync('../../usr/share/gdm/daemon.conf', join(d.os.root, 'etc/gdm3/daemon.conf'));
  assert.throws(
    () => configureAutologin(d.os, d.stateVar, { user: 'alice' }, 'r: autologin'),
    /r: autologin: the image links \/etc\/gdm3\/daemon\.conf to \/usr\/share\/gdm\/daemon\.conf, outside \/etc/,
  );
  assert.equal(d.read('deploy/usr/share/gdm/daemon.conf'), '[daemon]\n');
});

test('setIniKeys: repeated sections and keys (GLib merges them, the last wins) end with one setting', () => {
  assert.equal(
    setIniKeys(
      '[daemon]\nAutomaticLoginEnable=false\nAutomaticLoginEnable=false\n[x]\nAutomaticLogin=keep\n[daemon]\nAutomaticLogin=bob\n',
      'daemon',
      { AutomaticLoginEnable: 'true', AutomaticLogin: 'alice' },
    ),
    '[daemon]\nAutomaticLoginEnable=true\nAutomaticLogin=alice\n[x]\nAutomaticLogin=keep\n[daemon]\n',
  );
});

test('setIniKeys: adds a missing section at the end and replaces a key in place', () => {
  assert.equal(setIniKeys('', 'daemon', { A: '1' }), '[daemon]\nA=1\n');
  assert.equal(setIniKeys('[x]\nk=v\n', 'daemon', { A: '1' }), '[x]\nk=v\n\n[daemon]\nA=1\n');
  assert.equal(
    setIniKeys('[daemon]\nA = 0\n[b]\nA=0\n', 'daemon', { A: '1' }),
    '[daemon]\nA=1\n[b]\nA=0\n',
  );
});

// Confinement: a hostile image's links in /etc and /var stay inside the deployment.
test('autologin: links in the image (config file, AccountsService directory) do not lead outside', () => {
  const c = canary();
  const root = join(c.tree, 'deploy');
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), PASSWD);
  symlinkSync(
    '/usr/lib/systemd/system/gdm.service',
    join(root, 'etc/systemd/system/display-manager.service'),
  );
  mkdirSync(join(root, 'usr/share/xsessions'), { recursive: true });
  writeFileSync(join(root, 'usr/share/xsessions/gnome-xorg.desktop'), 'Exec=gnome-session\n');
  mkdirSync(join(c.tree, 'var'), { recursive: true });
  const run = () =>
    configureAutologin(
      new Tree(root),
      new Tree(join(c.tree, 'var')),
      { user: 'alice', session: 'gnome-xorg' },
      'hostile.yml: autologin',
    );
  // An absolute link resolves inside the deployment, to a path outside /etc: refused.
  c.link('deploy/etc/gdm3/daemon.conf', `${c.host}/canary`);
  assert.throws(
    run,
    /hostile\.yml: autologin: the image links \/etc\/gdm3\/daemon\.conf to .*outside \/etc/,
  );
  c.assertIntact();
  // A link in /var is followed inside the stateroot's /var.
  rmSync(join(root, 'etc/gdm3/daemon.conf'));
  c.link('var/lib/AccountsService', `${c.host}/dir`);
  run();
  c.assertIntact();
  assert.equal(
    readFileSync(join(c.tree, 'var', c.host, 'dir/users/alice'), 'utf8'),
    '[User]\nXSession=gnome-xorg\n',
  );
});
