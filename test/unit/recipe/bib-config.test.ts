/** recipe/bib-config.ts, through loadRecipe (which hands it .toml and .json files). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
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
    '[customizations]\nhostname = "a"\nfirewall = 1\nservices = 2\n[customizations.kernel]\nappend = \'quiet x="y\'\n',
  );
  assert.throws(
    () => loadRecipe(f),
    (e: unknown) => {
      const m = (e as Error).message;
      assert.match(m, /config\.toml:3:1 {2}customizations\.firewall {2}unknown key "firewall"/);
      assert.match(m, /config\.toml:4:1 {2}customizations\.services {2}unknown key "services"/);
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
