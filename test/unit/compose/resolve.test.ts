/** Why a package set does not resolve, from apt's own output (captured samples, nothing runs). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveError, unmetDependencies } from '../../../src/compose/resolve.ts';
import { UsageError } from '../../../src/core/errors.ts';

const tf = { file: 'treefiles/x.yaml', suite: 'trixie' };

// apt-get --simulate install, as apt 2.x prints it: the explanation on stdout, E: on stderr.
const APT2_STDOUT = `NOTE: This is only a simulation!
Reading package lists...
Building dependency tree...
Some packages could not be installed. This may mean that you have
requested an impossible situation or if you are using the unstable
distribution that some required packages have not yet been created
or been moved out of Incoming.
The following information may help to resolve the situation:

The following packages have unmet dependencies:
 foo : Depends: bar but it is not installable
       Depends: baz (>= 2.0) but 1.4-1 is to be installed
 systemd-sysv : Depends: systemd (= 257.7-1) but it is not going to be installed
`;
const APT2_STDERR = 'E: Unable to correct problems, you have held broken packages.\n';

// apt 3 (trixie's): another heading, the verdict prefixed "Error:".
const APT3_STDOUT = `Solving dependencies...
Unsatisfied dependencies:
 foo : Depends: bar but it is not installable
`;
const APT3_STDERR = `Error: Unable to satisfy dependencies. Reached two conflicting decisions:
   1. foo:amd64=1.0-1 is selected for install
   2. foo:amd64 Depends bar
      but none of the choices are installable:
      [no choices]
`;

test('the error carries apt’s unmet dependencies (stdout) and its verdict (stderr)', () => {
  const e = resolveError(tf, { stdout: APT2_STDOUT, stderr: APT2_STDERR }, false);
  assert.ok(e instanceof UsageError, 'bad input: exit 2');
  assert.equal(
    e.message,
    `treefiles/x.yaml: the package set does not resolve in Debian trixie:
The following packages have unmet dependencies:
 foo : Depends: bar but it is not installable
       Depends: baz (>= 2.0) but 1.4-1 is to be installed
 systemd-sysv : Depends: systemd (= 257.7-1) but it is not going to be installed
E: Unable to correct problems, you have held broken packages.`,
  );
});

test('apt 3’s heading is found too; the lockfile case says so', () => {
  const e = resolveError(tf, { stdout: APT3_STDOUT, stderr: APT3_STDERR }, true);
  assert.match(
    e.message,
    /does not resolve in Debian trixie \(lockfile\):\nUnsatisfied dependencies:\n foo : Depends: bar but it is not installable\nError: Unable to satisfy/,
  );
});

test('unmetDependencies: only the block, ends at the first unindented line, capped', () => {
  assert.deepEqual(unmetDependencies('Reading package lists...\n'), []);
  assert.deepEqual(
    unmetDependencies(`${APT2_STDOUT}NOTE: trailing text\n`).at(-1),
    ' systemd-sysv : Depends: systemd (= 257.7-1) but it is not going to be installed',
  );
  const many = `The following packages have unmet dependencies:\n${' p : Depends: q\n'.repeat(50)}`;
  const capped = unmetDependencies(many, 10);
  assert.equal(capped.length, 11);
  assert.equal(capped.at(-1), '  … 41 more');
});

test('missing packages and gone lockfile versions keep their own messages', () => {
  assert.match(
    resolveError(tf, { stdout: '', stderr: 'E: Unable to locate package nosuch\n' }, false).message,
    /no such package in Debian trixie: nosuch/,
  );
  assert.match(
    resolveError(tf, { stdout: '', stderr: "E: Version '1.0' for 'vim' was not found\n" }, true)
      .message,
    /lockfile: not in Debian trixie any more: vim 1\.0/,
  );
});

test('a treefile’s name=VERSION or name/SUITE the sources lack: named as written, not as a lockfile’s', () => {
  const e = resolveError(
    tf,
    {
      stdout: '',
      stderr:
        "E: Version '9.9-1' for 'less' was not found\nE: Release 'trixie-backports' for 'foo' was not found\n",
    },
    false,
  );
  assert.ok(e instanceof UsageError);
  assert.equal(
    e.message,
    'treefiles/x.yaml: not in the apt sources of Debian trixie: less=9.9-1, foo/trixie-backports (apt-cache policy NAME shows the versions and suites there)',
  );
  // apt 3 says Error: where apt 2 says E:.
  assert.match(
    resolveError(
      tf,
      { stdout: '', stderr: "Error: Release 'sid' for 'foo' was not found\n" },
      false,
    ).message,
    /not in the apt sources of Debian trixie: foo\/sid/,
  );
});
