import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nextVersion } from '../../src/compose/version.ts';
import { InputError, UsageError } from '../../src/core/errors.ts';
import { parseImageRef } from '../../src/core/image-ref.ts';
import { MEDIA } from '../../src/oci/descriptor.ts';
import {
  finishLayout,
  imageConfig,
  imageManifest,
  sha256,
  writeJsonBlob,
} from '../../src/oci/write.ts';
import { kargsToml, parseKargsToml } from '../../src/ostree/kargs.ts';
import { loadRecipe } from '../../src/recipe/load.ts';
import { parseSize } from '../../src/recipe/schema.ts';

test('automatic versions count up within a day and restart on the next', () => {
  const day = new Date('2026-11-26T10:00:00Z');
  assert.equal(nextVersion('13', day, undefined), '13.20261126.0');
  assert.equal(nextVersion('13', day, '13.20261126.0'), '13.20261126.1');
  assert.equal(nextVersion('13', day, '13.20261126.9'), '13.20261126.10');
  assert.equal(nextVersion('13', day, '13.20261125.4'), '13.20261126.0');
});

test('image references', () => {
  assert.deepEqual(parseImageRef('oci-archive:/x/y.tar'), {
    transport: 'oci-archive',
    path: '/x/y.tar',
  });
  assert.deepEqual(parseImageRef('oci:/x/dir:v1'), { transport: 'oci', path: '/x/dir', tag: 'v1' });
  assert.deepEqual(parseImageRef('oci:dir'), { transport: 'oci', path: 'dir', tag: 'latest' });
  assert.throws(() => parseImageRef('docker-daemon:x'), UsageError);
  assert.throws(() => parseImageRef('/just/a/path'), UsageError);
});

test('OCI documents: labels, diff_ids, descriptors and a deterministic digest', () => {
  const layer = { mediaType: MEDIA.layerGzip, digest: 'sha256:aa', size: 10, diffId: 'sha256:bb' };
  const cfg = imageConfig({
    created: '2026-01-01T00:00:00Z',
    labels: { 'z.b': '1', 'a.a': '2' },
    cmd: ['/sbin/init'],
    layers: [layer],
  });
  assert.deepEqual(Object.keys((cfg as { config: { Labels: object } }).config.Labels), [
    'a.a',
    'z.b',
  ]);
  assert.deepEqual((cfg as { rootfs: unknown }).rootfs, {
    type: 'layers',
    diff_ids: ['sha256:bb'],
  });
  const layout = mkdtempSync(join(tmpdir(), 'oci-'));
  const c1 = writeJsonBlob(layout, MEDIA.config, cfg);
  const c2 = writeJsonBlob(layout, MEDIA.config, cfg);
  assert.equal(c1.digest, c2.digest);
  assert.equal(c1.digest, sha256(readFileSync(join(layout, 'blobs/sha256', c1.digest.slice(7)))));
  const m = imageManifest(c1, [layer], { x: 'y' }) as {
    layers: { digest: string }[];
    mediaType: string;
  };
  assert.equal(m.mediaType, MEDIA.manifest);
  assert.equal(m.layers[0]?.digest, 'sha256:aa');
  const md = writeJsonBlob(layout, MEDIA.manifest, m);
  finishLayout(layout, md, 'v1');
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  assert.equal(index.manifests[0].digest, md.digest);
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');
  assert.deepEqual(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8')), {
    imageLayoutVersion: '1.0.0',
  });
});

test('kargs.d TOML: kargs, architecture matching, round trip', () => {
  assert.deepEqual(parseKargsToml('kargs = ["quiet", "mitigations=off"]\n'), [
    'quiet',
    'mitigations=off',
  ]);
  assert.deepEqual(parseKargsToml('kargs = ["a"]\nmatch-architectures = ["aarch64"]\n'), []);
  assert.deepEqual(parseKargsToml('kargs = ["a"]\nmatch-architectures = ["x86_64"]\n'), ['a']);
  assert.deepEqual(parseKargsToml(kargsToml(['x="y z"', 'b'])), ['x="y z"', 'b']);
});

test('sizes with units', () => {
  assert.equal(parseSize('4G'), 4 * 2 ** 30);
  assert.equal(parseSize('512MiB'), 512 * 2 ** 20);
  assert.equal(parseSize(1000), 1000);
  assert.throws(() => parseSize('lots'));
});

test('recipes: the shipped one loads; errors are located', () => {
  const r = loadRecipe('recipes/minimal.yml');
  assert.equal(r.name, 'debian-minimal');
  const dir = mkdtempSync(join(tmpdir(), 'recipe-'));
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'name: x\ndisk:\n  size: huge\nhostname: Not_Valid\n');
  assert.throws(
    () => loadRecipe(bad),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /bad\.yml:3:9 {2}disk\.size {2}/);
      assert.match(e.message, /bad\.yml:4:11 {2}hostname {2}not a valid hostname/);
      return true;
    },
  );
  assert.equal(r.disk.rootfs, 'ext4', 'ext4 unless asked');
  writeFileSync(bad, 'name: x\ndisk:\n  rootfs: zfs\n');
  assert.throws(() => loadRecipe(bad), /bad\.yml:3:11 {2}disk\.rootfs {2}/);
});

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
  const dir = mkdtempSync(join(tmpdir(), 'bib-'));
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
