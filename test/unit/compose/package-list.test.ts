import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  diffPackages,
  gvariantStrings,
  parseGvariantStrings,
  parsePackageLine,
} from '../../../src/compose/package-list.ts';

test('package lists round-trip through GVariant text; diff sorts by Debian version order', async () => {
  const lines = ['bash 5.2.37-2 amd64', "weird'name 1:2.0~rc1 all"];
  const text = gvariantStrings(lines);
  assert.match(text, /^@as \[/);
  assert.deepEqual(parseGvariantStrings(text.replace(/^@as /, '')), lines);
  const from = ['a 1.0 amd64', 'b 2.0 amd64', 'c 3.0 amd64'].map(parsePackageLine);
  const to = ['b 2.1 amd64', 'c 2.9 amd64', 'd 1 all'].map(parsePackageLine);
  const newer = async (x: string, y: string) => x.localeCompare(y, 'en', { numeric: true }) > 0;
  const d = await diffPackages(from, to, newer);
  assert.deepEqual(
    d.added.map((p) => p.name),
    ['d'],
  );
  assert.deepEqual(
    d.removed.map((p) => p.name),
    ['a'],
  );
  assert.deepEqual(d.upgraded, [{ name: 'b', from: '2.0', to: '2.1' }]);
  assert.deepEqual(d.downgraded, [{ name: 'c', from: '3.0', to: '2.9' }]);
});
