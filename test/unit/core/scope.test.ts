import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scope } from '../../../src/core/scope.ts';

test('scope releases in reverse order, even when a release fails', async () => {
  const scope = new Scope();
  const order: string[] = [];
  scope.defer('a', () => {
    order.push('a');
  });
  scope.defer('b', () => {
    throw new Error('boom');
  });
  scope.defer('c', () => {
    order.push('c');
  });
  const errors = await scope.close();
  assert.deepEqual(order, ['c', 'a']);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? '', /releasing b: boom/);
});
