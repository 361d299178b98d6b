import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchDir } from '../helpers/scratch.ts';

const CLI = join(process.cwd(), 'bib/particle-os');

/** Every leaf command, each with its own --help. */
const SUBCOMMANDS = [
  ['compose', 'tree'],
  ['compose', 'diff'],
  ['container', 'build'],
  ['container', 'lint'],
  ['build'],
  ['install', 'to-disk'],
  ['boot-test'],
  ['pipeline'],
  ['upgrade-test'],
  ['treefile', 'validate'],
  ['schema'],
  ['doctor'],
];

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(CLI, args, {
    encoding: 'utf8',
    env: { ...process.env, XDG_STATE_HOME: scratchDir('state'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a bad treefile exits 2 with located messages, no stack trace, nothing written', () => {
  const dir = scratchDir('cli');
  const tf = join(dir, 'bad.yaml');
  writeFileSync(tf, 'ostree:\n  ref: ok/ref\n  repo: repo\nbase: debian:nosuchsuite\nextra: 1\n');
  const r = cli(['compose', 'tree', tf]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:4:7 {2}base {2}unknown or not yet supported Debian suite/);
  assert.match(r.stderr, /bad\.yaml:5:1 {2}extra {2}/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(readdirSync(dir), ['bad.yaml'], 'no repo created');
});

test('unknown options and commands are usage errors (exit 2)', () => {
  assert.equal(cli(['build', '--no-such-flag', 'x']).code, 2);
  assert.equal(cli(['frobnicate']).code, 2);
});

test('bad image references and types are usage errors', () => {
  const r = cli(['build', '--base-image', 'docker-daemon:x', 'recipes/minimal.yml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unsupported image reference/);
  const t = cli([
    'build',
    '--base-image',
    'oci:/nonexistent',
    '--type',
    'ova',
    'recipes/minimal.yml',
  ]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /unknown image type ova: use raw, qcow2, vmdk, vdi, iso/);
  const isoDry = cli([
    'build',
    '--base-image',
    'oci:/nonexistent',
    '--type',
    'iso',
    '--dry-run',
    'recipes/minimal.yml',
  ]);
  assert.equal(isoDry.code, 2);
  assert.match(isoDry.stderr, /build --type iso does not take --dry-run/);
  const fs = cli([
    'build',
    '--base-image',
    'oci:/nonexistent',
    '--rootfs',
    'zfs',
    'recipes/minimal.yml',
  ]);
  assert.equal(fs.code, 2);
  assert.match(fs.stderr, /--rootfs must be one of ext4, xfs, btrfs, not zfs/);
});

test('a missing base image is exit 2 and names the path', () => {
  const out = scratchDir('out');
  const r = cli([
    'build',
    '--base-image',
    'oci-archive:/nonexistent/x.ociarchive',
    '--output',
    out,
    'recipes/minimal.yml',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /image not found: \/nonexistent\/x\.ociarchive/);
  assert.deepEqual(readdirSync(out), [], 'nothing written to the output dir');
  // The installer ISO reads its payload before it composes anything.
  const iso = cli([
    'build',
    '--type',
    'iso',
    '--base-image',
    'oci-archive:/nonexistent/x.ociarchive',
    '--output',
    out,
    'recipes/minimal.yml',
  ]);
  assert.equal(iso.code, 2);
  assert.match(iso.stderr, /image not found: \/nonexistent\/x\.ociarchive/);
  assert.doesNotMatch(iso.stderr, /installer/, 'no compose of the live system');
});

test('install to-disk refuses a target that is missing or neither a device nor a file (exit 2)', () => {
  const image = ['--image', 'oci-archive:/nonexistent/x.ociarchive'];
  const missing = cli(['install', 'to-disk', '/nonexistent/disk.raw', ...image]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/disk\.raw does not exist/);
  const dir = scratchDir('install');
  const notFile = cli(['install', 'to-disk', dir, ...image, '--dry-run']);
  assert.equal(notFile.code, 2);
  assert.match(notFile.stderr, /is neither a block device nor a regular file/);
  assert.equal(cli(['install', 'to-disk', dir]).code, 2, '--image is required');
});

test('boot-test --memory: a whole number of MiB, and not for an installer ISO (exit 2)', () => {
  const iso = cli(['boot-test', '/nonexistent/x.iso', '--memory', '4096']);
  assert.equal(iso.code, 2, iso.stderr);
  assert.match(iso.stderr, /--memory: not for an installer ISO/);
  const bad = cli(['boot-test', '/nonexistent/x.qcow2', '--memory', '4G']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--memory/);
});

test('help lists the seed commands with examples', () => {
  const r = cli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['compose', 'container', 'build', 'boot-test', 'pipeline', 'doctor'])
    assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  assert.match(r.stdout, /Examples:/);
  for (const sub of SUBCOMMANDS)
    assert.match(
      cli([...sub, '--help']).stdout,
      /Examples?:/,
      `${sub.join(' ')} --help has an example`,
    );
});

test('--version prints the package version; --help lists every command without loading it', () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  const v = cli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `${version}\n`);
  const h = cli(['--help']);
  assert.equal(h.code, 0);
  for (const name of ['compose', 'container', 'build', 'boot-test', 'pipeline', 'upgrade-test'])
    assert.match(h.stdout, new RegExp(`\\n  ${name} +\\S`), `${name} listed with its summary`);
  const sub = cli(['help', 'treefile']);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /validate/, '`help NAME` loads that command');
});

test('the bundle in dist/ and the sources give the same CLI (every command’s help)', () => {
  // bib/particle-os runs the sources when the bundle is older: then this would compare them
  // with themselves (npm test builds the bundle first).
  const built = statSync('dist/.built').mtimeMs;
  for (const e of readdirSync('src', { recursive: true, withFileTypes: true }))
    if (e.isFile())
      assert.ok(
        statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs <= built,
        `dist/ is older than ${e.name}: npm run build`,
      );
  for (const c of [[], ...SUBCOMMANDS]) {
    const bundle = cli([...c, '--help']);
    const source = cli([...c, '--help'], { PARTICLE_OS_FROM_SOURCE: '1' });
    assert.equal(bundle.code, 0, `${c.join(' ')} --help`);
    assert.equal(bundle.stdout, source.stdout, `${c.join(' ')} --help`);
  }
});

test('treefile validate and print show the warnings of ignored rpm-ostree keys; print the model', () => {
  const tf = 'test/fixtures/treefiles/rpm-ostree-inapplicable.yaml';
  const v = cli(['treefile', 'validate', tf]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(
    v.stdout,
    /rpm-ostree-inapplicable\.yaml:5:1 {2}selinux {2}warning: ignored: .*SELinux/,
  );
  assert.equal(v.stdout.match(/warning: ignored:/g)?.length, 11);
  const p = cli(['treefile', 'print', tf]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(
    p.stderr,
    /warning: \S+rpm-ostree-inapplicable\.yaml:\d+:\d+ {2}cliwrap {2}ignored: /,
  );
  const port = cli(['treefile', 'print', 'test/fixtures/treefiles/rpm-ostree-port.yaml']);
  assert.equal(port.code, 0, port.stderr);
  const model = JSON.parse(port.stdout);
  assert.deepEqual(model.packages, ['curl', 'wget']);
  assert.equal(model.defaultTarget, 'graphical.target');
  assert.equal(model.versionPrefix, '13.<date:%Y%m%d>');
  assert.equal(model.warnings, undefined, 'warnings are reported, not part of the model');
});
