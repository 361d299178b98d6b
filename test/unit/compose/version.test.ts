import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandDates, nextVersion } from '../../../src/compose/version.ts';

test('automatic versions count up within a day and restart on the next', () => {
  const day = new Date('2026-11-26T10:00:00Z');
  assert.equal(nextVersion('13', day, undefined), '13.20261126.0');
  assert.equal(nextVersion('13', day, '13.20261126.0'), '13.20261126.1');
  assert.equal(nextVersion('13', day, '13.20261126.9'), '13.20261126.10');
  assert.equal(nextVersion('13', day, '13.20261125.4'), '13.20261126.0');
});

test('<date:FORMAT> in the prefix places the date (UTC) and the version counts per prefix', () => {
  const t = new Date('2026-02-03T04:05:06Z');
  assert.equal(nextVersion('13.<date:%Y%m%d>', t, undefined), '13.20260203.0');
  assert.equal(nextVersion('13.<date:%Y%m%d>', t, '13.20260203.4'), '13.20260203.5');
  assert.equal(nextVersion('13.<date:%Y%m%d>', t, '13.20260202.4'), '13.20260203.0');
  assert.equal(nextVersion('v<date:%y.%j>-<date:%H%M%S>', t, undefined), 'v26.034-040506.0');
  assert.equal(expandDates('<date:%Y-%m-%d>', new Date('2026-12-31T23:59:59Z')), '2026-12-31');
});
