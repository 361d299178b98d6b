/** core/debian.ts: apt's one-line source format, parsed and rendered in one place. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDebLine, renderDebLine } from '../../../src/core/debian.ts';

test('deb lines: options skipped except signed-by, round trip through render', () => {
  assert.deepEqual(
    parseDebLine('deb [arch=amd64 signed-by=/k.gpg] http://a/debian trixie main contrib'),
    {
      uri: 'http://a/debian',
      suite: 'trixie',
      components: ['main', 'contrib'],
      signedBy: '/k.gpg',
    },
  );
  assert.equal(parseDebLine('deb-src http://a/debian trixie main'), undefined);
  assert.equal(parseDebLine('# deb http://a/debian trixie main'), undefined);
  const d = { uri: 'http://a/debian', suite: 'trixie', components: ['main'], signedBy: '/k.gpg' };
  assert.equal(renderDebLine(d), 'deb [signed-by=/k.gpg] http://a/debian trixie main');
  assert.deepEqual(parseDebLine(renderDebLine(d)), d);
});
