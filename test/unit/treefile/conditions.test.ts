import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCondition, parseCondition } from '../../../src/treefile/conditions.ts';

const vars = { releasever: 13, basearch: 'x86_64', devpackages: true, stream: 'stable' };
const decide = (text: string) => {
  const c = parseCondition(text);
  assert.ok(c, `parses: ${text}`);
  return evaluateCondition(c, vars);
};

test('rpm-ostree’s syntax: variable, operator, true/false/number/"string"', () => {
  assert.deepEqual(parseCondition('releasever >= 13'), {
    variable: 'releasever',
    op: '>=',
    value: 13,
  });
  assert.deepEqual(parseCondition('  devpackages==true '), {
    variable: 'devpackages',
    op: '==',
    value: true,
  });
  assert.deepEqual(parseCondition('stream != "a b"'), {
    variable: 'stream',
    op: '!=',
    value: 'a b',
  });
  for (const bad of [
    'releasever ~= 13',
    'releasever >= ',
    'stream == stable', // strings are quoted
    'stream == "a"b"',
    'releasever >= -1',
    'releasever >= 1.5',
    'a-b == 1',
    'x == "line\nbreak"',
    'releasever >= 1234567890123456',
    '',
  ])
    assert.equal(parseCondition(bad), undefined, bad);
});

test('each operator on numbers; == and != on every type', () => {
  assert.equal(decide('releasever >= 13'), true);
  assert.equal(decide('releasever > 13'), false);
  assert.equal(decide('releasever < 14'), true);
  assert.equal(decide('releasever <= 12'), false);
  assert.equal(decide('releasever == 13'), true);
  assert.equal(decide('releasever != 13'), false);
  assert.equal(decide('devpackages == true'), true);
  assert.equal(decide('devpackages != false'), true);
  assert.equal(decide('basearch == "x86_64"'), true);
  assert.equal(decide('stream != "stable"'), false);
});

test('what cannot be decided is an error, never true or false', () => {
  assert.throws(
    () => decide('flavour == "x"'),
    /unknown variable flavour \(known here: basearch, devpackages, releasever, stream\)/,
  );
  assert.throws(
    () => decide('releasever == "13"'),
    /releasever is a number \(13\), the condition compares it with a string/,
  );
  assert.throws(() => decide('devpackages == 1'), /devpackages is a boolean/);
  assert.throws(() => decide('stream > "beta"'), /> compares numbers; stream is a string/);
  assert.throws(() => decide('devpackages <= true'), /<= compares numbers/);
});
