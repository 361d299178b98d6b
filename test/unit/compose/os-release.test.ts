import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mutateOsRelease, quote, unquote } from '../../../src/compose/os-release.ts';

const TRIXIE = [
  'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"',
  'NAME="Debian GNU/Linux"',
  'VERSION_ID="13"',
  'VERSION="13 (trixie)"',
  'VERSION_CODENAME=trixie',
  'ID=debian',
  'HOME_URL="https://www.example.org/"',
  '',
].join('\n');

test('VERSION and PRETTY_NAME get the version where the string was; OSTREE_VERSION is added', () => {
  assert.equal(
    mutateOsRelease(TRIXIE, '13', '13.20260101.0'),
    [
      'PRETTY_NAME="Debian GNU/Linux 13.20260101.0 (trixie)"',
      'NAME="Debian GNU/Linux"',
      'VERSION_ID="13"',
      'VERSION="13.20260101.0 (trixie)"',
      'VERSION_CODENAME=trixie',
      'ID=debian',
      'HOME_URL="https://www.example.org/"',
      "OSTREE_VERSION='13.20260101.0'",
      '',
    ].join('\n'),
  );
});

test('every occurrence in the field is replaced; other fields keep the string', () => {
  const out = mutateOsRelease('VERSION="13 13"\nVERSION_ID=13\n', '13', '13.1.0');
  assert.equal(out, 'VERSION="13.1.0 13.1.0"\nVERSION_ID=13\nOSTREE_VERSION=\'13.1.0\'\n');
});

test('single-quoted, unquoted and escaped values are read; a rewritten one is double-quoted', () => {
  assert.match(mutateOsRelease("VERSION='13 (x)'\n", '13', '13.0'), /^VERSION="13\.0 \(x\)"$/m);
  assert.match(mutateOsRelease('VERSION=13\n', '13', '13.0'), /^VERSION="13\.0"$/m);
  // Characters sh gives meaning inside double quotes stay escaped.
  assert.match(
    mutateOsRelease('PRETTY_NAME="a \\"13\\" $HOME `x` \\\\"\n', '13', '13.0'),
    /^PRETTY_NAME="a \\"13\.0\\" \\\$HOME \\`x\\` \\\\"$/m,
  );
});

test('an existing OSTREE_VERSION is replaced, not doubled; a file without a final newline', () => {
  const out = mutateOsRelease('VERSION="13"\nOSTREE_VERSION=\'old\'\nID=debian', '13', '13.2');
  assert.equal(out, 'VERSION="13.2"\nID=debian\nOSTREE_VERSION=\'13.2\'\n');
});

test('a string in neither field: only OSTREE_VERSION is added; other lines byte for byte', () => {
  const text = '# comment\nVERSION="12 (bookworm)"\nPRETTY_NAME=\'x\'\n\nODD="unclosed\n';
  assert.equal(
    mutateOsRelease(text, 'sid', '13.0'),
    `${text.replace(/\n+$/, '')}\nOSTREE_VERSION='13.0'\n`,
  );
  // A field whose quoting cannot be read is left as it was.
  assert.equal(
    mutateOsRelease('VERSION="13 (x)\n', '13', '13.0'),
    "VERSION=\"13 (x)\nOSTREE_VERSION='13.0'\n",
  );
});

test('a mutate string with quotes or shell characters cannot break the quoting or the line', () => {
  const out = mutateOsRelease('VERSION="a\\"b $x"\n', '"b $x', '1.0');
  assert.equal(out, 'VERSION="a1.0"\nOSTREE_VERSION=\'1.0\'\n');
  assert.equal(out.split('\n').length, 3);
});

test('no line break or quote can come in through the version or the string', () => {
  for (const v of ['1\nX=1', "1'", '1"', '1 2', '', '1$(id)'])
    assert.throws(
      () => mutateOsRelease(TRIXIE, '13', v),
      /not a version string/,
      JSON.stringify(v),
    );
  for (const m of ['', '13\n', '1\r3', '\u0000'])
    assert.throws(
      () => mutateOsRelease(TRIXIE, m, '13.0'),
      /one non-empty line/,
      JSON.stringify(m),
    );
});

test('quote and unquote are inverse for any one-line value', () => {
  for (const v of ['plain', 'a "q" b', 'back\\slash', '$HOME `x`', "it's"])
    assert.equal(unquote(quote(v)), v, v);
  assert.equal(unquote("'a\\b'"), 'a\\b', 'single quotes are literal');
  assert.equal(unquote('"open'), undefined);
});
