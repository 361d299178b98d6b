import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextVersion } from '../../../src/compose/version.ts';

test('automatic versions count up within a day and restart on the next', () => {
  const day = new Date('2026-11-26T10:00:00Z');
  assert.equal(nextVersion('13', day, undefined), '13.20261126.0');
  assert.equal(nextVersion('13', day, '13.20261126.0'), '13.20261126.1');
  assert.equal(nextVersion('13', day, '13.20261126.9'), '13.20261126.10');
  assert.equal(nextVersion('13', day, '13.20261125.4'), '13.20261126.0');
});
