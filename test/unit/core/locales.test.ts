import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  displayLocale,
  isBuiltinLocale,
  LOCALE_ARCHIVE,
  LOCALE_NAME_RE,
  type LocaleFacts,
  localeAvailable,
  localeFacts,
  localeProblem,
  normalizeCodeset,
  normalizeLocale,
  parseSupported,
  readLocaleArchive,
} from '../../../src/core/locales.ts';
import { Tree } from '../../../src/core/tree.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('codesets and names normalize as glibc compares them', () => {
  assert.equal(normalizeCodeset('UTF-8'), 'utf8');
  assert.equal(normalizeCodeset('ISO-8859-15'), 'iso885915');
  assert.equal(normalizeCodeset('8859-1'), 'iso88591', 'digits only get "iso"');
  assert.equal(normalizeCodeset('EUC-JP'), 'eucjp');
  assert.equal(normalizeLocale('de_DE.UTF-8'), 'de_DE.utf8');
  assert.equal(normalizeLocale('sr_RS.UTF-8@latin'), 'sr_RS.utf8@latin');
  assert.equal(normalizeLocale('ca_ES.UTF-8@valencia'), 'ca_ES.utf8@valencia');
  assert.equal(normalizeLocale('de_DE@euro'), 'de_DE@euro', 'no codeset: unchanged');
  assert.equal(displayLocale('de_DE.utf8'), 'de_DE.UTF-8');
  assert.equal(displayLocale('sr_RS.utf8@latin'), 'sr_RS.UTF-8@latin');
  assert.equal(displayLocale('de_DE.iso88591'), 'de_DE.iso88591');
  for (const builtin of ['C', 'POSIX', 'C.UTF-8', 'C.utf8'])
    assert.ok(isBuiltinLocale(builtin), builtin);
  for (const other of ['en_US.UTF-8', 'C.ISO-8859-1', 'de_DE']) assert.ok(!isBuiltinLocale(other));
});

test('locale names: what SUPPORTED writes, nothing that could reach a shell or a path', () => {
  for (const ok of ['de_DE.UTF-8', 'de_DE', 'de_DE@euro', 'sr_RS@latin', 'eo', 'C.UTF-8'])
    assert.ok(LOCALE_NAME_RE.test(ok), ok);
  assert.ok(LOCALE_NAME_RE.test('ca_ES.UTF-8@valencia'));
  for (const bad of ['', 'de_DE UTF-8', '../de_DE', 'de_DE/x', 'de_DE.UTF-8;rm', '.UTF-8', '-x'])
    assert.ok(!LOCALE_NAME_RE.test(bad), JSON.stringify(bad));
});

test('SUPPORTED: names by their normalized form, with their charset', () => {
  const s = parseSupported(
    '# comment\nde_DE.UTF-8 UTF-8\nde_DE ISO-8859-1\nde_DE@euro ISO-8859-15\n\nsr_RS@latin UTF-8\n',
  );
  assert.deepEqual(s.get('de_DE.utf8'), { name: 'de_DE.UTF-8', charset: 'UTF-8' });
  assert.deepEqual(s.get('de_DE'), { name: 'de_DE', charset: 'ISO-8859-1' });
  assert.deepEqual(s.get('sr_RS@latin'), { name: 'sr_RS@latin', charset: 'UTF-8' });
  assert.equal(s.size, 4);
});

/** An empty tree with /usr/lib/locale, for localedef --prefix or --no-archive. */
function localeTree(): string {
  const root = scratchDir('locales');
  mkdirSync(join(root, 'usr/lib/locale'), { recursive: true });
  return root;
}

/**
 * Compile `input` with `charmap` as `name` into `root`'s archive (or, with `dir`, into a
 * directory of its own, as locales-all ships them) with the host's localedef. False when the
 * host cannot (no localedef, or no locale sources: the package locales).
 */
function compile(root: string, input: string, charmap: string, name: string, dir = false): boolean {
  const args = dir
    ? ['--no-archive', '-i', input, '-c', '-f', charmap, join(root, 'usr/lib/locale', name)]
    : ['-i', input, '-c', '-f', charmap, '--prefix', root, name];
  const r = spawnSync('localedef', args, { encoding: 'utf8' });
  return r.status === 0 || r.status === 1; // 1: warnings (-c went on)
}

const SOURCES = '/usr/share/i18n/locales/de_DE';
function needLocaledef(t: TestContext): boolean {
  if (spawnSync('localedef', ['--help']).status !== 0) {
    t.skip('no localedef on this host (glibc’s libc-bin)');
    return false;
  }
  if (!existsSync(SOURCES)) {
    t.skip(`no ${SOURCES} on this host: the package locales brings the locale sources`);
    return false;
  }
  return true;
}

test('a locale archive compiled by localedef: its names read without glibc', (t) => {
  if (!needLocaledef(t)) return;
  const root = localeTree();
  assert.ok(compile(root, 'de_DE', 'UTF-8', 'de_DE.UTF-8'));
  assert.ok(compile(root, 'de_DE', 'ISO-8859-1', 'de_DE'));
  assert.ok(compile(root, 'sr_RS@latin', 'UTF-8', 'sr_RS.UTF-8@latin'));
  const data = readFileSync(join(root, LOCALE_ARCHIVE));
  const names = readLocaleArchive(data);
  assert.deepEqual(names, ['de_DE', 'de_DE.iso88591', 'de_DE.utf8', 'sr_RS.utf8@latin']);
  // The host's own reader agrees, where its localedef takes an archive's path.
  const listed = spawnSync('localedef', ['--list-archive', join(root, LOCALE_ARCHIVE)], {
    encoding: 'utf8',
  });
  if (listed.status === 0) assert.deepEqual(listed.stdout.split('\n').filter(Boolean), names);

  const facts = localeFacts(new Tree(root));
  assert.deepEqual(facts.archive, names);
  assert.deepEqual(facts.dirs, []);
  for (const name of ['de_DE.UTF-8', 'de_DE.utf8', 'de_DE', 'sr_RS.UTF-8@latin', 'C.UTF-8'])
    assert.equal(localeProblem(name, facts), undefined, name);
  assert.match(
    localeProblem('en_US.UTF-8', facts) ?? '',
    /^en_US\.UTF-8 is not a locale of the image \(it has de_DE, de_DE\.iso88591, de_DE\.utf8, sr_RS\.utf8@latin\): add `locales: \[en_US\.UTF-8\]` to the treefile \(or the package locales-all\)$/,
  );
  assert.ok(!localeAvailable('de_AT.UTF-8', facts));
});

test('locale directories as locales-all ships them (links between them resolved in the tree)', (t) => {
  if (!needLocaledef(t)) return;
  const root = localeTree();
  assert.ok(compile(root, 'de_DE', 'UTF-8', 'de_DE.utf8', true));
  // locales-all links shared categories to another locale's files.
  mkdirSync(join(root, 'usr/lib/locale/de_AT.utf8'));
  symlinkSync('../de_DE.utf8/LC_CTYPE', join(root, 'usr/lib/locale/de_AT.utf8/LC_CTYPE'));
  // A directory without LC_CTYPE is not a locale glibc can load.
  mkdirSync(join(root, 'usr/lib/locale/xx_XX.utf8'));
  mkdirSync(join(root, 'usr/lib/sysimage/dpkg/info'), { recursive: true });
  writeFileSync(join(root, 'usr/lib/sysimage/dpkg/info/locales-all.list'), '/usr/lib/locale\n');
  const facts = localeFacts(new Tree(root));
  assert.deepEqual(facts.dirs, ['de_AT.utf8', 'de_DE.utf8']);
  assert.deepEqual(facts.packages, { locales: false, localesAll: true });
  assert.equal(localeProblem('de_DE.UTF-8', facts), undefined);
  assert.equal(localeProblem('de_AT.UTF-8', facts), undefined);
  assert.match(
    localeProblem('xx_XX.UTF-8', facts) ?? '',
    /locales-all is installed and has no xx_XX\.utf8 \(is it a locale glibc supports\?/,
  );
});

test('facts of a tree without locales, and of an archive that is not one', () => {
  const root = localeTree();
  const empty = localeFacts(new Tree(root));
  assert.deepEqual(empty, {
    archive: [],
    archiveProblem: undefined,
    dirs: [],
    packages: { locales: false, localesAll: false },
  });
  assert.equal(localeProblem('C', empty), undefined);
  assert.equal(localeProblem('POSIX', empty), undefined);
  assert.equal(localeProblem('C.utf8', empty), undefined);
  assert.equal(
    localeProblem('de_DE.utf8', empty),
    'de_DE.utf8 is not a locale of the image (it has no locales besides C and C.UTF-8): add `locales: [de_DE.UTF-8]` to the treefile (or the package locales-all)',
  );
  writeFileSync(join(root, LOCALE_ARCHIVE), Buffer.alloc(64, 0x41));
  const bad = localeFacts(new Tree(root));
  assert.match(bad.archiveProblem ?? '', /not a locale archive \(magic 0x41414141\)/);
  assert.match(localeProblem('de_DE.UTF-8', bad) ?? '', /its locale archive cannot be read/);
});

test('archive reader: refuses what is not an archive, skips free entries', () => {
  assert.throws(() => readLocaleArchive(Buffer.alloc(10)), /too short/);
  const header = (words: number[]) => {
    const b = Buffer.alloc(56 + 3 * 12 + 32);
    words.forEach((w, i) => {
      b.writeUInt32LE(w, i * 4);
    });
    return b;
  };
  const big = Buffer.alloc(56);
  big.writeUInt32BE(0xde020109, 0);
  assert.throws(() => readLocaleArchive(big), /big-endian/);
  // Name table at 56 with three slots: one used, one free (record offset 0), one used.
  const b = header([0xde020109, 0, 56, 2, 3]);
  const names = 56 + 36;
  b.write('de_DE.utf8\0', names, 'latin1');
  b.write('gone\0', names + 11, 'latin1');
  b.write('C.utf8\0', names + 16, 'latin1');
  const entry = (i: number, name: number, record: number) => {
    b.writeUInt32LE(1, 56 + i * 12);
    b.writeUInt32LE(name, 56 + i * 12 + 4);
    b.writeUInt32LE(record, 56 + i * 12 + 8);
  };
  entry(0, names, 100);
  entry(1, names + 11, 0);
  entry(2, names + 16, 200);
  assert.deepEqual(readLocaleArchive(b), ['C.utf8', 'de_DE.utf8']);
  assert.throws(
    () => readLocaleArchive(header([0xde020109, 0, 56, 1, 1000])),
    /name table lies beyond the end/,
  );
  entry(0, 10_000, 100);
  assert.throws(() => readLocaleArchive(b), /a name lies beyond the end/);
});

test('a fact set from elsewhere: names in the archive or in directories', () => {
  const facts: LocaleFacts = {
    archive: ['en_US.utf8'],
    dirs: ['fr_FR.utf8'],
    packages: { locales: true, localesAll: false },
  };
  assert.ok(localeAvailable('en_US.UTF-8', facts));
  assert.ok(localeAvailable('fr_FR.UTF-8', facts));
  assert.ok(!localeAvailable('fr_FR', facts));
});
