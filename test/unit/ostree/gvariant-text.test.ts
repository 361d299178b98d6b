import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGVariantString } from '../../../src/ostree/gvariant-text.ts';

test('GVariant text strings: both quote styles, escapes undone', () => {
  assert.equal(parseGVariantString("'13.20261130.0'\n"), '13.20261130.0');
  assert.equal(parseGVariantString(`"it's"`), "it's");
  assert.equal(parseGVariantString(String.raw`'say \'hi\' \"x\"'`), `say 'hi' "x"`);
  assert.equal(parseGVariantString(String.raw`'a\nb\tc\\d'`), 'a\nb\tc\\d');
  assert.equal(parseGVariantString(String.raw`'\u00e9\U0001F600'`), 'é😀');
  assert.equal(parseGVariantString("''"), '');
});

test('GVariant text: what is not one string is undefined', () => {
  assert.equal(parseGVariantString('uint64 5'), undefined);
  assert.equal(parseGVariantString("['a', 'b']"), undefined);
  assert.equal(parseGVariantString("'a' 'b'"), undefined);
  assert.equal(parseGVariantString("'unterminated"), undefined);
  assert.equal(parseGVariantString(String.raw`'\u12'`), undefined);
});
