/** recipe/bib-config.ts, through loadRecipe (which hands it .toml and .json files). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tomlKeyPositions } from '../../../src/recipe/bib-config.ts';
import { loadRecipe } from '../../../src/recipe/load.ts';
import { parseSize } from '../../../src/recipe/schema.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('bootc-image-builder config.toml becomes a recipe; wheel means admin', () => {
  const r = loadRecipe('test/fixtures/recipes/bib-config.toml');
  assert.equal(r.hostname, 'bib-host');
  assert.deepEqual(r.kernel.append, ['quiet', 'mitigations=auto']);
  assert.equal(r.users[0]?.name, 'alice');
  assert.equal(r.users[0]?.admin, true);
  assert.deepEqual(r.users[0]?.groups, ['adm']);
  assert.equal(r.users[0]?.['ssh-keys'].length, 1);
  assert.ok(
    parseSize(r.disk.size ?? 0) > 10 * 2 ** 30,
    'disk holds a 10 GiB root plus /boot and ESP',
  );
});

test('bib config errors carry file, line and key', () => {
  const dir = scratchDir('bib');
  const bad = join(dir, 'config.toml');
  writeFileSync(bad, '[customizations]\nhostname = "ok"\nfrobnicate = 1\n');
  assert.throws(() => loadRecipe(bad), /config\.toml:3:1 {2}customizations\.frobnicate {2}/);
  const syntax = join(dir, 'broken.toml');
  writeFileSync(syntax, '[customizations\n');
  assert.throws(() => loadRecipe(syntax), /broken\.toml:1:\d+ {2}\(root\) {2}syntax: /);
  const json = join(dir, 'config.json');
  writeFileSync(
    json,
    '{"customizations": {"filesystem": [{"mountpoint": "/var/data", "minsize": 1000}]}}',
  );
  assert.throws(() => loadRecipe(json), /only "\/" is supported/);
});

test('a config.toml with an FQDN, "12 GB" and a quoted kernel argument loads as meant', () => {
  const r = loadRecipe('test/fixtures/recipes/bib-fqdn.toml');
  assert.equal(r.hostname, 'builder.example.org');
  assert.deepEqual(r.kernel.append, ['quiet', 'dyndbg="file drivers/usb/* +p"']);
  const disk = parseSize(r.disk.size ?? 0);
  assert.ok(disk >= 12e9, `the root gets at least 12 GB (decimal): ${disk}`);
  assert.ok(disk < 12e9 + 2 * 2 ** 30, `and not much more: ${disk}`);
});

test('bib config: every unknown key is reported; an open quote and a bad size are located', () => {
  const dir = scratchDir('bib-many');
  const f = join(dir, 'config.toml');
  writeFileSync(
    f,
    '[customizations]\nhostname = "a"\nfirewal = 1\nservice = 2\n[customizations.kernel]\nappend = \'quiet x="y\'\n',
  );
  assert.throws(
    () => loadRecipe(f),
    (e: unknown) => {
      const m = (e as Error).message;
      assert.match(m, /config\.toml:3:1 {2}customizations\.firewal {2}unknown key "firewal"/);
      assert.match(m, /config\.toml:4:1 {2}customizations\.service {2}unknown key "service"/);
      return true;
    },
  );
  writeFileSync(f, "[customizations.kernel]\nappend = 'quiet x=\"y'\n");
  assert.throws(
    () => loadRecipe(f),
    /config\.toml:2:1 {2}customizations\.kernel\.append {2}a double quote is not closed/,
  );
  writeFileSync(f, '[[customizations.filesystem]]\nmountpoint = "/"\nminsize = "12 GiGa"\n');
  assert.throws(
    () => loadRecipe(f),
    /config\.toml:3:1 {2}customizations\.filesystem\[0\]\.minsize {2}expected a size/,
  );
  writeFileSync(f, '[customizations.kernel]\nappend = "quiet\\ninitrd=/evil"\n');
  assert.throws(
    () => loadRecipe(f),
    /customizations\.kernel\.append {2}must not contain line breaks/,
  );
});

test('config.toml errors point at the offending key: the right array element, the table header', () => {
  const located = (f: string) => {
    try {
      loadRecipe(f);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`${f} was accepted`);
  };
  const keys = located('test/fixtures/recipes/bib-bad-located.toml');
  assert.match(
    keys,
    /bib-bad-located\.toml:11:3 {2}customizations\.user\[1\]\.login-shell {2}unknown key/,
  );
  assert.match(
    keys,
    /bib-bad-located\.toml:24:2 {2}customizations\.firewall {2}not supported: firewalld zones/,
  );
  // The values of the keys that passed the config's schema are checked in the same run.
  for (const line of [
    /bib-bad-located\.toml:3:1 {2}customizations\.hostname {2}not a valid hostname/,
    /bib-bad-located\.toml:10:1 {2}customizations\.user\[1\]\.name {2}not a valid user/,
    /bib-bad-located\.toml:21:1 {2}customizations\.filesystem\[1\]\.mountpoint {2}only "\/" is supported, not \/var\/data/,
  ])
    assert.match(keys, line);
  // In file order.
  assert.deepEqual(
    [...keys.matchAll(/toml:(\d+):/g)].map((m) => Number(m[1])),
    [3, 10, 11, 21, 24],
  );
  const values = located('test/fixtures/recipes/bib-bad-values.toml');
  assert.match(
    values,
    /bib-bad-values\.toml:3:1 {2}customizations\.hostname {2}not a valid hostname/,
  );
  // The second user's name, not the first `name =` of the file.
  assert.match(
    values,
    /bib-bad-values\.toml:10:1 {2}customizations\.user\[1\]\.name {2}not a valid user/,
  );
  const f = join(scratchDir('bib-fs'), 'config.toml');
  writeFileSync(
    f,
    '[[customizations.filesystem]]\nmountpoint = "/"\nminsize = "1 GiB"\n\n[[customizations.filesystem]]\nmountpoint = "/var"\nminsize = "1 GiB"\n',
  );
  assert.match(
    located(f),
    /config\.toml:6:1 {2}customizations\.filesystem\[1\]\.mountpoint {2}only "\/"/,
  );
});

test('TOML key positions: quoted and dotted keys, multi-line strings, nested arrays of tables', () => {
  const p = tomlKeyPositions(
    [
      'title = """',
      'name = "not a key"',
      '"""',
      '[a]',
      'b.c = 1',
      '"d.e" = 2',
      '[[a.list]]',
      'x = 1',
      '[[a.list]]',
      '  x = 2',
      '[[a.list.sub]]',
      "'y' = 3",
    ].join('\n'),
  );
  assert.equal(p.get('name'), undefined, 'inside a multi-line string');
  assert.deepEqual(p.get('a.b.c'), { line: 5, col: 1 });
  assert.deepEqual(p.get('a.d.e'), { line: 6, col: 1 });
  assert.deepEqual(p.get('a.list[0].x'), { line: 8, col: 1 });
  assert.deepEqual(p.get('a.list[1].x'), { line: 10, col: 3 });
  assert.deepEqual(p.get('a.list[1].sub[0].y'), { line: 12, col: 1 });
  assert.deepEqual(p.get('a.list[1]'), { line: 9, col: 3 });
});

test('keyboard and ntpservers become /etc files; a second language and bad values are refused', () => {
  const dir = scratchDir('bib-kbd');
  const ok = join(dir, 'config.toml');
  writeFileSync(
    ok,
    '[customizations.locale]\nlanguages = ["de_DE.UTF-8"]\nkeyboard = "de-latin1"\n[customizations.timezone]\ntimezone = "Europe/Berlin"\nntpservers = ["0.pool.example", "192.0.2.1"]\n',
  );
  const r = loadRecipe(ok);
  assert.equal(r.locale, 'de_DE.UTF-8');
  assert.deepEqual(
    r.files.map((f) => [f.path, f.content]),
    [
      ['/etc/vconsole.conf', 'KEYMAP=de-latin1\n'],
      [
        '/etc/systemd/timesyncd.conf.d/50-bootc-image-builder.conf',
        '[Time]\nNTP=0.pool.example 192.0.2.1\n',
      ],
    ],
  );
  const bad = join(dir, 'bad.toml');
  writeFileSync(
    bad,
    '[customizations.locale]\nlanguages = ["en_US.UTF-8", "de_DE.UTF-8"]\nkeyboard = "us\\nKEYMAP=evil"\n[customizations.timezone]\nntpservers = ["ok.example", "a b"]\n',
  );
  assert.throws(
    () => loadRecipe(bad),
    (e: Error) =>
      /bad\.toml:2:1 {2}customizations\.locale\.languages {2}one language only/.test(e.message) &&
      /customizations\.locale\.keyboard {2}not a console keymap/.test(e.message) &&
      /customizations\.timezone\.ntpservers\[1\] {2}not a host name/.test(e.message),
  );
});

test('groups, user ids/home/shell, files, directories, services and sshd map onto the recipe', () => {
  for (const f of ['bib-customizations.toml', 'bib-customizations.json']) {
    const r = loadRecipe(`test/fixtures/recipes/${f}`);
    assert.deepEqual(r.groups, [{ name: 'devs', gid: 2000 }, { name: 'ops' }], f);
    const u = r.users[0];
    assert.deepEqual(
      [u?.uid, u?.gid, u?.home, u?.shell, u?.description, u?.['expire-date']],
      [1500, 2000, '/home/alice', '/bin/sh', 'Alice Example', 30000],
      `${f}: the trailing slash of home is dropped, as bootc-image-builder does`,
    );
    assert.equal(u?.['force-password-reset'], true);
    assert.deepEqual(r.services, {
      enabled: ['web.service', 'sshd.service'],
      disabled: ['cron.service'],
      masked: ['cups.service'],
    });
    assert.deepEqual(r.directories, [
      {
        path: '/etc/app/conf.d',
        mode: '0750',
        user: 'alice',
        group: 'devs',
        'ensure-parents': true,
      },
    ]);
    assert.deepEqual(r.files[0], {
      path: '/etc/app/conf.d/app.conf',
      content: 'key = value\n',
      mode: '0640',
      user: 'alice',
      group: 2000,
    });
    assert.ok(
      r.files.some(
        (x) =>
          x.path === '/etc/ssh/sshd_config.d/50-bootc-image-builder.conf' &&
          x.content.includes('PermitRootLogin prohibit-password\n'),
      ),
    );
  }
  const toml = loadRecipe('test/fixtures/recipes/bib-customizations.toml');
  assert.equal(toml.installer?.device, '/dev/vda', 'installation_device');
});

test('every documented customization is mapped or refused: none is an unknown key', () => {
  const dir = scratchDir('bib-all');
  // bootc-image-builder's blueprint customizations (osbuild/blueprint Customizations).
  const documented = [
    'hostname',
    'kernel',
    'sshkey',
    'user',
    'group',
    'timezone',
    'locale',
    'firewall',
    'services',
    'filesystem',
    'disk',
    'installation_device',
    'partitioning_mode',
    'fdo',
    'openscap',
    'ignition',
    'directories',
    'files',
    'repositories',
    'fips',
    'installer',
    'rpm',
    'rhsm',
    'cacerts',
    'containers-storage',
    'firstboot',
    'dnf',
    'iso',
    'sshd',
  ];
  for (const key of documented) {
    const f = join(dir, 'config.json');
    writeFileSync(f, JSON.stringify({ customizations: { [key]: 12345 } }));
    assert.throws(
      () => loadRecipe(f),
      (e: Error) => !e.message.includes('unknown key'),
      `${key} is known: a wrong value is a type error or a refusal, not an unknown key`,
    );
  }
});

test('a refused key in JSON is located too, and all problems of a config come at once', () => {
  const f = join(scratchDir('bib-json'), 'config.json');
  writeFileSync(
    f,
    '{\n  "customizations": {\n    "fips": true,\n    "disk": {\n      "type": "dos"\n    },\n    "colour": 1\n  }\n}\n',
  );
  assert.throws(
    () => loadRecipe(f),
    (e: Error) =>
      /config\.json:3:5 {2}customizations\.fips {2}not supported: Debian has no FIPS mode/.test(
        e.message,
      ) &&
      /config\.json:5:7 {2}customizations\.disk\.type {2}not supported: the disk is GPT/.test(
        e.message,
      ) &&
      /config\.json:7:5 {2}customizations\.colour {2}unknown key/.test(e.message),
  );
});

test('[customizations.disk]: a whole-disk minimum and a plain "/" partition size the disk and pick the root filesystem', () => {
  const r = loadRecipe('test/fixtures/recipes/bib-disk-sizes.toml');
  assert.equal(r.disk.rootfs, 'xfs');
  // 20 GiB is more than an 8 GB root needs with /boot and the ESP: the larger wins.
  assert.equal(parseSize(r.disk.size ?? 0), 20 * 2 ** 30);
  const f = join(scratchDir('bib-disk'), 'config.toml');
  // A root minimum larger than the disk minimum: the root's wins; /boot up to its fixed size.
  writeFileSync(
    f,
    '[customizations.disk]\nminsize = "4 GiB"\n[[customizations.disk.partitions]]\nmountpoint = "/boot"\nfs_type = "ext4"\nminsize = "512 MiB"\nlabel = "boot"\n[[customizations.disk.partitions]]\nmountpoint = "/"\nfs_type = "btrfs"\nminsize = 10737418240\n',
  );
  const big = loadRecipe(f);
  assert.equal(big.disk.rootfs, 'btrfs');
  assert.ok(parseSize(big.disk.size ?? 0) > 10 * 2 ** 30 + 1024 * 2 ** 20);
  // Only a disk minimum: the root stays ext4.
  writeFileSync(f, '[customizations.disk]\nminsize = "12 GB"\n');
  const only = loadRecipe(f);
  assert.equal(only.disk.rootfs, 'ext4');
  assert.equal(parseSize(only.disk.size ?? 0), 12e9);
});
