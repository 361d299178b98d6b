import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  generateLocales,
  LOCALE_GEN,
  localeGenText,
  SUPPORTED_FILE,
  supportedEntries,
} from '../../../src/compose/locales.ts';
import { BuildError, UsageError } from '../../../src/core/errors.ts';
import { parseSupported } from '../../../src/core/locales.ts';
import { Tree } from '../../../src/core/tree.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const SUPPORTED = [
  'C.UTF-8 UTF-8',
  'de_DE.UTF-8 UTF-8',
  'de_DE ISO-8859-1',
  'de_DE@euro ISO-8859-15',
  'en_US.UTF-8 UTF-8',
  'sr_RS@latin UTF-8',
  '',
].join('\n');

test('requested locales: their SUPPORTED lines in the treefile’s order; unknown ones with the closest', () => {
  const s = parseSupported(SUPPORTED);
  assert.deepEqual(supportedEntries(['en_US.utf8', 'de_DE', 'sr_RS@latin'], s), {
    entries: [
      { name: 'en_US.UTF-8', charset: 'UTF-8' },
      { name: 'de_DE', charset: 'ISO-8859-1' },
      { name: 'sr_RS@latin', charset: 'UTF-8' },
    ],
    unknown: [],
  });
  assert.deepEqual(supportedEntries(['de_DX.UTF-8', 'tlh_QO.UTF-8'], s).unknown, [
    'de_DX.UTF-8 (did you mean de_DE.UTF-8?)',
    'tlh_QO.UTF-8',
  ]);
});

test('/etc/locale.gen: exactly the requested lines, as locale-gen reads them', () => {
  const text = localeGenText([
    { name: 'de_DE.UTF-8', charset: 'UTF-8' },
    { name: 'de_DE', charset: 'ISO-8859-1' },
  ]);
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, ['de_DE.UTF-8 UTF-8', 'de_DE ISO-8859-1']);
  assert.ok(text.endsWith('\n'));
});

const tf = (locales: string[] | undefined, packages: string[] = []) => ({
  file: '/x/t.yaml',
  suite: 'trixie',
  packages,
  locales,
});

test('generate: nothing without locales; a name the suite does not support is refused before anything is written', async () => {
  const root = scratchDir('compose-locales');
  const tree = new Tree(root);
  await generateLocales(testContext(), tf(undefined), tree);
  await assert.rejects(
    generateLocales(testContext(), tf(['de_DE.UTF-8']), tree),
    (e: unknown) =>
      e instanceof BuildError &&
      /t\.yaml: locales: the tree has no \/usr\/share\/i18n\/SUPPORTED, which the package locales installs/.test(
        e.message,
      ),
  );
  tree.write(SUPPORTED_FILE, SUPPORTED);
  await assert.rejects(
    generateLocales(testContext(), tf(['de_DE.UTF-8', 'xx_YY.UTF-8', 'de_DX.UTF-8']), tree),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message ===
        '/x/t.yaml: locales: xx_YY.UTF-8, de_DX.UTF-8 (did you mean de_DE.UTF-8?): not in /usr/share/i18n/SUPPORTED of Debian trixie (the locales it can generate)',
  );
  assert.equal(existsSync(join(root, LOCALE_GEN)), false, 'no locale.gen written');
});

test('generate with locales-all: nothing compiled, every name must be one of its directories', async () => {
  const root = scratchDir('compose-locales-all');
  const dir = (name: string) => {
    mkdirSync(join(root, 'usr/lib/locale', name), { recursive: true });
    writeFileSync(join(root, 'usr/lib/locale', name, 'LC_CTYPE'), '');
  };
  dir('de_DE.utf8');
  dir('de_DE');
  mkdirSync(join(root, 'usr/lib/locale/en_US.utf8'));
  symlinkSync('../de_DE.utf8/LC_CTYPE', join(root, 'usr/lib/locale/en_US.utf8/LC_CTYPE'));
  const tree = new Tree(root);
  const all = ['htop', 'locales-all'];
  await generateLocales(testContext(), tf(['de_DE.UTF-8', 'de_DE', 'en_US.UTF-8'], all), tree);
  assert.equal(existsSync(join(root, LOCALE_GEN)), false, 'nothing generated');
  await assert.rejects(
    generateLocales(testContext(), tf(['de_DE.UTF-8', 'fr_FR.UTF-8'], all), tree),
    (e: unknown) =>
      e instanceof UsageError &&
      /t\.yaml: locales: fr_FR\.UTF-8 not in locales-all of Debian trixie \(its \/usr\/lib\/locale has 3 locales\)/.test(
        e.message,
      ),
  );
});
