import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseProblem, defaultArchiveSuites, SUITES } from '../../../src/treefile/suites.ts';

test('base: every supported suite is accepted', () => {
  for (const s of Object.keys(SUITES)) assert.equal(baseProblem(`debian:${s}`), undefined, s);
  assert.deepEqual(Object.keys(SUITES), ['bookworm', 'trixie', 'forky', 'sid']);
});

test('base: one message per fault, naming what to write instead', () => {
  assert.match(baseProblem('ubuntu:noble') ?? '', /^must look like "debian:<suite>"/);
  assert.match(baseProblem('trixie') ?? '', /^must look like/);
  assert.equal(baseProblem('debian:13'), 'name the suite by its codename: debian:trixie');
  assert.equal(baseProblem('debian:sid'), undefined);
  assert.match(baseProblem('debian:testing') ?? '', /moves to another release.*debian:forky today/);
  assert.match(baseProblem('debian:unstable') ?? '', /debian:sid today/);
  assert.match(
    baseProblem('debian:oldoldstable') ?? '',
    /moves to another release over time; name the codename\. Supported:/,
  );
  assert.match(baseProblem('debian:experimental') ?? '', /not a complete suite.*debian:sid/);
  assert.match(
    baseProblem('debian:duke') ?? '',
    /unknown or not yet supported Debian suite "duke"\. Supported: bookworm \(12, oldstable\), trixie \(13, stable\), forky \(14, testing\), sid \(unstable\)/,
  );
  assert.match(baseProblem('debian:Trixie') ?? '', /unknown or not yet supported/);
  assert.match(baseProblem('debian:../x') ?? '', /unknown or not yet supported/);
  assert.match(baseProblem('debian:constructor') ?? '', /unknown/, 'no prototype keys');
});

test('suites: each has the cloud and rt kernels; the default archive’s suites', () => {
  for (const [name, s] of Object.entries(SUITES))
    assert.deepEqual(s.kernels, ['cloud', 'rt'], name);
  assert.deepEqual(defaultArchiveSuites('trixie'), ['trixie', 'trixie-updates', 'trixie-security']);
  assert.deepEqual(defaultArchiveSuites('sid'), ['sid']);
});
