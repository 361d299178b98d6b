/** The sources compose gives mmdebstrap, as rendered (pure: nothing runs). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { requestedPackages } from '../../../src/compose/base-packages.ts';
import {
  componentsArgv,
  defaultArchiveLines,
  mirrors,
  mmdebstrapArgv,
} from '../../../src/compose/bootstrap.ts';
import { UsageError } from '../../../src/core/errors.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const dir = scratchDir('bootstrap');
const treefile = (name: string, yaml: string) => {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, `ref: x/y\n${yaml}`);
  return loadTreefile(p, { context: [dir] });
};
const host = () => ({ uri: 'http://mirror.example/debian' });
const EXTRA =
  'apt:\n  sources:\n    - uris: https://apt.example.com/debian\n      suites: [stable]\n';

test('no sources and no components: mmdebstrap writes its own default (with updates, security)', () => {
  const tf = treefile('plain', 'base: debian:trixie\n');
  assert.deepEqual(mirrors(tf, host), []);
  assert.deepEqual(componentsArgv(tf), []);
});

test('adding a source keeps the default archive with its -updates and -security suites', () => {
  const tf = treefile('extra', `base: debian:trixie\n${EXTRA}`);
  assert.deepEqual(mirrors(tf, host), [
    'deb http://mirror.example/debian trixie main',
    'deb http://mirror.example/debian trixie-updates main',
    'deb http://mirror.example/debian-security trixie-security main',
    'deb https://apt.example.com/debian stable main',
  ]);
  // Without one named by the host: the debian-security next to its archive, as above;
  // the host's security archive (a local mirror) is used when it names one.
  assert.equal(
    mirrors(tf, () => ({ uri: 'http://m/debian', security: 'http://m/debian-security' }))[2],
    'deb http://m/debian-security trixie-security main',
  );
});

test('the default archive’s components apply to all three of its suites, not to added sources', () => {
  const tf = treefile(
    'components',
    `base: debian:bookworm\n${EXTRA}  components: [main, contrib, non-free, non-free-firmware]\n`,
  );
  assert.deepEqual(mirrors(tf, host), [
    'deb http://mirror.example/debian bookworm main contrib non-free non-free-firmware',
    'deb http://mirror.example/debian bookworm-updates main contrib non-free non-free-firmware',
    'deb http://mirror.example/debian-security bookworm-security main contrib non-free non-free-firmware',
    'deb https://apt.example.com/debian stable main',
  ]);
});

test('only components set: mmdebstrap’s default sources get them (--components)', () => {
  const tf = treefile(
    'only-components',
    'base: debian:trixie\napt:\n  components: [main, contrib]\n',
  );
  assert.deepEqual(mirrors(tf, host), []);
  const argv = mmdebstrapArgv({
    tf,
    packages: ['ostree'],
    target: '/t',
    debCacheDir: '/c',
    work: dir,
  });
  assert.ok(argv.includes('--components=main,contrib'), argv.join(' '));
  assert.deepEqual(argv.slice(-2), ['trixie', '/t']);
});

test('testing and sid have no -updates or -security suites (as mmdebstrap’s default)', () => {
  assert.deepEqual(defaultArchiveLines('sid', ['main'], { uri: 'http://m/debian' }), [
    'deb http://m/debian sid main',
  ]);
  assert.deepEqual(defaultArchiveLines('forky', ['main'], { uri: 'http://m/debian' }), [
    'deb http://m/debian forky main',
  ]);
});

test('apt.replace: only the treefile’s sources, said explicitly', () => {
  const tf = treefile('replace', `base: debian:trixie\n${EXTRA}  replace: true\n`);
  assert.deepEqual(mirrors(tf, host), ['deb https://apt.example.com/debian stable main']);
});

test('a host without a Debian source: adding sources is refused, naming the way out', () => {
  const tf = treefile('nohost', `base: debian:trixie\n${EXTRA}`);
  assert.throws(
    () => mirrors(tf, () => undefined),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /set apt\.replace: true/);
      return true;
    },
  );
});

test('versions and suites of packages reach apt through mmdebstrap’s --include as written', () => {
  const tf = treefile(
    'pins',
    'base: debian:trixie\nkernel-flavour: cloud\napt:\n  sources:\n    - uris: https://apt.example.com/debian\n      suites: [trixie-backports]\npackages: [linux-image-cloud-amd64/trixie-backports, "less=668-1"]\n',
  );
  const argv = mmdebstrapArgv({
    tf,
    packages: requestedPackages(tf),
    target: '/t',
    debCacheDir: '/c',
    work: dir,
    simulate: true,
  });
  const include = argv.find((a) => a.startsWith('--include='))?.slice('--include='.length);
  const words = include?.split(',') ?? [];
  assert.ok(words.includes('linux-image-cloud-amd64/trixie-backports'), include);
  assert.ok(words.includes('less=668-1'), include);
  assert.ok(!words.some((w) => w === 'linux-image-amd64' || w === 'linux-image-cloud-amd64'));
  // mmdebstrap splits at commas and whitespace only, and keeps an argument starting with one of
  // ? ! ~ ( / . whole: no entry may start with those or hold a comma.
  for (const w of words) assert.match(w, /^[a-z0-9][^,\s]*$/, w);
});
