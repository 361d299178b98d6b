import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Tree } from '../../../src/core/tree.ts';
import type { PlannedNode } from '../../../src/image/etc-nodes.ts';
import { applyLinkOps, installSection, planServices } from '../../../src/image/services.ts';
import { canary } from '../../helpers/canary.ts';
import { scratchDir } from '../../helpers/scratch.ts';

/** A deployment with unit files (path → content) and links (path → target). */
function image(files: Record<string, string>, links: Record<string, string> = {}) {
  const root = scratchDir('services');
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  for (const [p, target] of Object.entries(links)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    symlinkSync(target, join(root, p));
  }
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  const os = new Tree(root);
  return {
    os,
    link: (p: string) => readlinkSync(join(root, 'etc/systemd/system', p)),
    exists: (p: string) => {
      try {
        lstatSync(join(root, 'etc/systemd/system', p));
        return true;
      } catch {
        return false;
      }
    },
    apply: (s: { enabled?: string[]; disabled?: string[]; masked?: string[] }) => {
      const plan = planServices(os, { enabled: [], disabled: [], masked: [], ...s });
      if (plan.problems.length === 0) applyLinkOps(os, plan.ops);
      return plan.problems;
    },
  };
}

const LIB = 'usr/lib/systemd/system';

test('[Install]: lists accumulate over lines and words, an empty value resets, other sections are skipped', () => {
  const s = installSection(
    [
      '[Unit]',
      'WantedBy=ignored.target',
      '[Install]',
      '# WantedBy=comment.target',
      'WantedBy=a.target b.target',
      'WantedBy=c.target',
      'Alias=x.service',
      'Alias=',
      'Alias=y.service \\',
      '  z.service',
      'RequiredBy=r.target',
      'Also=helper.socket',
      'DefaultInstance=tty1',
    ].join('\n'),
  );
  assert.deepEqual(s.WantedBy, ['a.target', 'b.target', 'c.target']);
  assert.deepEqual(s.Alias, ['y.service', 'z.service']);
  assert.deepEqual(s.RequiredBy, ['r.target']);
  assert.deepEqual(s.Also, ['helper.socket']);
  assert.equal(s.DefaultInstance, 'tty1');
});

test('enable links the unit where [Install] says: wants, requires, aliases, Also=, template instances', () => {
  const d = image({
    [`${LIB}/web.service`]:
      '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nRequiredBy=graphical.target\nAlias=www.service\nAlso=web.socket\n',
    [`${LIB}/web.socket`]: '[Socket]\nListenStream=80\n[Install]\nWantedBy=sockets.target\n',
    [`${LIB}/getty@.service`]: '[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n',
  });
  assert.deepEqual(
    d.apply({ enabled: ['web.service', 'getty@tty3.service', 'getty@.service'] }),
    [],
  );
  assert.equal(
    d.link('multi-user.target.wants/web.service'),
    '/usr/lib/systemd/system/web.service',
  );
  assert.equal(
    d.link('graphical.target.requires/web.service'),
    '/usr/lib/systemd/system/web.service',
  );
  assert.equal(d.link('www.service'), '/usr/lib/systemd/system/web.service');
  assert.equal(d.link('sockets.target.wants/web.socket'), '/usr/lib/systemd/system/web.socket');
  assert.equal(
    d.link('getty.target.wants/getty@tty3.service'),
    '/usr/lib/systemd/system/getty@.service',
  );
  assert.equal(
    d.link('getty.target.wants/getty@tty1.service'),
    '/usr/lib/systemd/system/getty@.service',
  );
});

test('an alias name enables the unit it names (sshd on Debian is ssh.service)', () => {
  const d = image(
    { [`${LIB}/ssh.service`]: '[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n' },
    { 'etc/systemd/system/sshd.service': '/lib/systemd/system/ssh.service', lib: 'usr/lib' },
  );
  assert.deepEqual(d.apply({ enabled: ['sshd.service'] }), []);
  assert.equal(
    d.link('multi-user.target.wants/ssh.service'),
    '/usr/lib/systemd/system/ssh.service',
  );
});

test('disable removes the links to the unit and its aliases; mask links it to /dev/null', () => {
  const d = image(
    {
      [`${LIB}/ssh.service`]: '[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n',
      [`${LIB}/cron.service`]: '[Install]\nWantedBy=multi-user.target\n',
      [`${LIB}/other.service`]: '[Install]\nWantedBy=multi-user.target\n',
    },
    {
      'etc/systemd/system/sshd.service': '/lib/systemd/system/ssh.service',
      'etc/systemd/system/multi-user.target.wants/ssh.service': '/lib/systemd/system/ssh.service',
      'etc/systemd/system/multi-user.target.wants/other.service': `/${LIB}/other.service`,
      lib: 'usr/lib',
    },
  );
  assert.deepEqual(d.apply({ disabled: ['ssh.service'], masked: ['cron.service'] }), []);
  assert.equal(d.exists('sshd.service'), false);
  assert.equal(d.exists('multi-user.target.wants/ssh.service'), false);
  assert.equal(d.exists('multi-user.target.wants/other.service'), true, 'other units stay');
  assert.equal(d.link('cron.service'), '/dev/null');
});

test('units the image lacks, static units, masked ones and image-enabled ones are errors naming them', () => {
  const d = image(
    {
      [`${LIB}/static.service`]: '[Service]\nExecStart=/bin/true\n',
      [`${LIB}/tmpl@.service`]: '[Install]\nWantedBy=multi-user.target\n',
      [`${LIB}/journald.service`]: '[Install]\nWantedBy=sysinit.target\n',
      [`${LIB}/sysinit.target.wants/journald.service`]: '',
      [`${LIB}/odd.service`]: '[Install]\nWantedBy=%i.target\n',
    },
    { [`${LIB}/gone.service`]: '/dev/null' },
  );
  const problems = d.apply({
    enabled: ['nope.service', 'static.service', 'tmpl@.service', 'gone.service', 'odd.service'],
    disabled: ['journald.service', 'missing.timer'],
    masked: ['absent.socket'],
  });
  const said = (key: string) =>
    problems
      .filter((p) => p.key.join('.') === key)
      .map((p) => p.message)
      .join('\n');
  assert.match(said('services.enabled.0'), /nope\.service: no such unit in the image/);
  assert.match(said('services.enabled.1'), /static\.service has no \[Install\] section/);
  assert.match(said('services.enabled.2'), /template without DefaultInstance=.*tmpl@NAME\.service/);
  assert.match(said('services.enabled.3'), /gone\.service is masked in the image/);
  assert.match(said('services.enabled.4'), /"%i\.target", which is not a unit name/);
  assert.match(said('services.disabled.0'), /enabled by the image itself .*mask it instead/);
  assert.match(said('services.disabled.1'), /missing\.timer: no such unit/);
  assert.match(said('services.masked.0'), /absent\.socket: no such unit/);
  assert.deepEqual(
    d.os.walk('etc/systemd/system').map((e) => e.path),
    [],
    'nothing was written',
  );
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('services: links in the image that lead out of /etc/systemd/system are refused, not written through', () => {
  const c = canary();
  c.file(`${LIB}/a.service`, '[Install]\nWantedBy=multi-user.target\nAlias=../../../canary\n');
  c.file(`${LIB}/b.service`, '[Install]\nWantedBy=evil.target\n');
  c.file(`${LIB}/c.service`, '[Install]\nWantedBy=multi-user.target\n');
  c.link('etc/systemd/system/evil.target.wants', c.host);
  c.link('etc/systemd/system/c.service', `${c.host}/canary`);
  c.link('etc/systemd/system/x.wants/c.service', `${c.host}/canary`);
  const os = new Tree(c.tree);
  const plan = planServices(os, {
    enabled: ['a.service', 'b.service'],
    disabled: [],
    masked: ['c.service'],
  });
  assert.match(
    plan.problems.map((p) => p.message).join('\n'),
    /"\.\.\/\.\.\/\.\.\/canary", which is not a unit name/,
  );
  assert.match(plan.problems.map((p) => p.message).join('\n'), /outside \/etc\/systemd\/system/);
  // What is allowed is done inside the tree: masking replaces the link, never follows it.
  const mask = planServices(os, { enabled: [], disabled: ['c.service'], masked: [] });
  applyLinkOps(os, mask.ops);
  c.assertIntact();
  const m2 = planServices(os, { enabled: [], disabled: [], masked: ['c.service'] });
  assert.deepEqual(m2.problems, []);
  applyLinkOps(os, m2.ops);
  c.assertIntact();
  assert.equal(readlinkSync(join(c.tree, 'etc/systemd/system/c.service')), '/dev/null');
});

test('services: a unit file the image links to a host path is read inside the tree, never on the host', () => {
  const c = canary();
  // On the host, a unit that would enable itself and add an alias link; in the tree, nothing.
  writeFileSync(
    join(c.host, 'dir/evil.service'),
    '[Install]\nWantedBy=multi-user.target\nAlias=leak.service\n',
  );
  c.link('etc/systemd/system/x.service', `${c.host}/dir/evil.service`);
  c.link(`${LIB}/y.service`, `${c.host}/dir/evil.service`);
  const os = new Tree(c.tree);
  const plan = planServices(os, { enabled: ['x.service', 'y.service'], disabled: [], masked: [] });
  assert.deepEqual(plan.ops, []);
  assert.match(plan.problems[0]?.message ?? '', /x\.service: no such unit in the image/);
  assert.match(plan.problems[1]?.message ?? '', /y\.service: no such unit in the image/);
  rmSync(join(c.host, 'dir/evil.service'));
  c.assertIntact();
});

test('services: a DefaultInstance= or unit file name from the image cannot put a link elsewhere', () => {
  const d = image(
    {
      [`${LIB}/getty@.service`]:
        '[Install]\nWantedBy=getty.target\nDefaultInstance=x/../../../other\n',
      [`${LIB}/odd name`]: '[Install]\nWantedBy=multi-user.target\n',
    },
    { 'etc/systemd/system/odd.service': `/${LIB}/odd name` },
  );
  const problems = d.apply({ enabled: ['getty@.service', 'odd.service'] });
  assert.match(
    problems[0]?.message ?? '',
    /"getty@x\/\.\.\/\.\.\/\.\.\/other\.service" is not a unit name/,
  );
  assert.match(problems[1]?.message ?? '', /"odd name" is not a unit name/);
  assert.deepEqual(
    d.os.walk('etc/systemd/system').map((e) => e.path),
    ['odd.service'],
  );
});

test('services: a file where a link directory must be is refused before any link is made', () => {
  const d = image({
    [`${LIB}/a.service`]: '[Install]\nWantedBy=sockets.target\n',
    [`${LIB}/b.service`]: '[Install]\nWantedBy=multi-user.target\n',
    'etc/systemd/system/multi-user.target.wants': 'not a directory\n',
  });
  const problems = d.apply({ enabled: ['a.service', 'b.service'] });
  assert.equal(problems.length, 1);
  assert.deepEqual(problems[0]?.key, ['services', 'enabled', 1]);
  assert.match(
    problems[0]?.message ?? '',
    /\/etc\/systemd\/system\/multi-user\.target\.wants exists in the image and is not a directory/,
  );
  assert.equal(d.exists('sockets.target.wants'), false, 'nothing written');
});

test('services: an instance name with dots finds its template', () => {
  const d = image({ [`${LIB}/vpn@.service`]: '[Install]\nWantedBy=multi-user.target\n' });
  assert.deepEqual(d.apply({ enabled: ['vpn@site.example.org.service'] }), []);
  assert.equal(
    d.link('multi-user.target.wants/vpn@site.example.org.service'),
    `/${LIB}/vpn@.service`,
  );
});

/** A unit file the recipe's files will write, as planEtcNodes plans it. */
const plannedUnit = (path: string, content: string, i = 0): PlannedNode => ({
  kind: 'file',
  path,
  mode: 0o644,
  content,
  uid: -1,
  gid: -1,
  parents: [],
  key: ['files', i],
});

test('a unit the recipe writes into /etc/systemd/system can be enabled, by name or alias, before it exists', () => {
  const img = image({ [`${LIB}/multi-user.target`]: '' });
  const unit = plannedUnit(
    '/etc/systemd/system/foo.service',
    '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=bar.service\n',
  );
  const none = { enabled: [], disabled: [], masked: [] };
  // Without the planned file it is missing; with it, both links are planned, nothing written.
  assert.match(
    planServices(img.os, { ...none, enabled: ['foo.service'] }).problems[0]?.message ?? '',
    /foo\.service: no such unit in the image/,
  );
  for (const name of ['foo.service', 'bar.service']) {
    const plan = planServices(img.os, { ...none, enabled: [name] }, [unit]);
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(plan.ops, [
      {
        op: 'link',
        path: 'etc/systemd/system/multi-user.target.wants/foo.service',
        target: '/etc/systemd/system/foo.service',
      },
      {
        op: 'link',
        path: 'etc/systemd/system/bar.service',
        target: '/etc/systemd/system/foo.service',
      },
    ]);
  }
  assert.equal(img.exists('foo.service'), false);
  // Its [Install] is read from the planned content: a static one is refused as in the image.
  const plain = plannedUnit('/etc/systemd/system/foo.service', '[Service]\nExecStart=/bin/true\n');
  assert.match(
    planServices(img.os, { ...none, enabled: ['foo.service'] }, [plain]).problems[0]?.message ?? '',
    /foo\.service has no \[Install\] section/,
  );
  // The recipe's file replaces the image's of that name (which is what would be read).
  const shadowed = image({ 'etc/systemd/system/foo.service': '[Service]\n' });
  assert.deepEqual(
    planServices(shadowed.os, { ...none, enabled: ['foo.service'] }, [unit]).problems,
    [],
  );
  // Masking it would replace the file the recipe writes.
  assert.match(
    planServices(img.os, { ...none, masked: ['foo.service'] }, [unit]).problems[0]?.message ?? '',
    /unit file the recipe's files write: masking would replace it/,
  );
  // A template the recipe writes takes the instance asked for.
  const tpl = plannedUnit(
    '/etc/systemd/system/w@.service',
    '[Install]\nWantedBy=multi-user.target\n',
  );
  assert.deepEqual(planServices(img.os, { ...none, enabled: ['w@a.service'] }, [tpl]).ops, [
    {
      op: 'link',
      path: 'etc/systemd/system/multi-user.target.wants/w@a.service',
      target: '/etc/systemd/system/w@.service',
    },
  ]);
});

test('a planned unit is only seen in /etc/systemd/system, and its [Install] names are checked like the image’s', () => {
  const img = image({});
  const none = { enabled: [], disabled: [], masked: [] };
  const elsewhere = plannedUnit(
    '/etc/other/foo.service',
    '[Install]\nWantedBy=multi-user.target\n',
  );
  assert.match(
    planServices(img.os, { ...none, enabled: ['foo.service'] }, [elsewhere]).problems[0]?.message ??
      '',
    /no such unit/,
  );
  const hostile = plannedUnit(
    '/etc/systemd/system/foo.service',
    '[Install]\nWantedBy=../../../x\n',
  );
  const plan = planServices(img.os, { ...none, enabled: ['foo.service'] }, [hostile]);
  assert.deepEqual(plan.ops, []);
  assert.match(plan.problems[0]?.message ?? '', /"\.\.\/\.\.\/\.\.\/x", which is not a unit name/);
});

test('a link of the image leading /etc/systemd/system out of the tree is refused for a planned unit too', () => {
  const c = canary();
  c.file(`deploy/${LIB}/multi-user.target`, '');
  mkdirSync(join(c.tree, 'deploy/etc/systemd/system'), { recursive: true });
  c.link('deploy/etc/systemd/system/multi-user.target.wants', c.host);
  const os = new Tree(join(c.tree, 'deploy'));
  const unit = plannedUnit(
    '/etc/systemd/system/foo.service',
    '[Install]\nWantedBy=multi-user.target\n',
  );
  const plan = planServices(os, { enabled: ['foo.service'], disabled: [], masked: [] }, [unit]);
  assert.deepEqual(plan.ops, []);
  assert.match(plan.problems[0]?.message ?? '', /outside \/etc\/systemd\/system/);
  c.assertIntact();
});
