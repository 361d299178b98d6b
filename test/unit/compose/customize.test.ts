/**
 * compose/customize.ts: how each postprocess script is run. Running one inside a tree needs
 * the compose sandbox (bubblewrap over a bootstrapped tree, test/integration); here the
 * commands postprocessRuns builds run for real on the host, with the script file in a scratch
 * directory standing for its place in the tree, so the kernel's #! handling is exercised.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { postprocessRuns, type ScriptRun } from '../../../src/compose/customize.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('scripts in rpm-ostree’s order: inline ones, then postprocess-script; #! executed, else /bin/sh -e', () => {
  const runs = postprocessRuns({
    postprocess: ['echo one\n', '#!/usr/bin/python3\nprint(2)\n'],
    postprocessScript: '#!/bin/bash -e\necho three\n',
  });
  assert.deepEqual(
    runs.map((r) => [r.label, r.inTree, r.argv]),
    [
      [
        'postprocess script 1',
        '/tmp/particle-os-postprocess-1',
        ['/bin/sh', '-e', '/tmp/particle-os-postprocess-1'],
      ],
      [
        'postprocess script 2 (#!/usr/bin/python3)',
        '/tmp/particle-os-postprocess-2',
        ['/tmp/particle-os-postprocess-2'],
      ],
      [
        'postprocess-script (#!/bin/bash -e)',
        '/tmp/particle-os-postprocess-script',
        ['/tmp/particle-os-postprocess-script'],
      ],
    ],
  );
  assert.equal(runs[2]?.text, '#!/bin/bash -e\necho three\n', 'the text runs as read');
  assert.deepEqual(postprocessRuns({ postprocess: [], postprocessScript: undefined }), []);
});

/** Run one script as compose would, its tree path mapped into `dir`: [exit code, stdout]. */
function runOnHost(run: ScriptRun, dir: string): [number | null, string] {
  const file = join(dir, run.inTree.split('/').pop() as string);
  writeFileSync(file, run.text, { mode: 0o700 });
  const argv = run.argv.map((a) => (a === run.inTree ? file : a));
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  return [r.status, r.stdout];
}

test('a script runs with the interpreter of its #! line, for real', () => {
  const dir = scratchDir('postprocess-run');
  const [bashism, viaEnv, plain] = postprocessRuns({
    // [[ ]] and arrays are bash's, not dash's: this only passes when bash runs it.
    postprocess: [
      '#!/bin/bash\nset -e\na=(x y)\n[[ ${#a[@]} == 2 ]] && echo "bash ${BASH_VERSINFO[0]}"\n',
      '#!/usr/bin/env bash\necho "${BASH_VERSION:+via env}"\n',
      'a=(x y)\necho unreachable\n',
    ],
  }) as [ScriptRun, ScriptRun, ScriptRun];
  const [code, out] = runOnHost(bashism, dir);
  assert.equal(code, 0);
  assert.match(out, /^bash \d+\n$/);
  assert.deepEqual(runOnHost(viaEnv, dir), [0, 'via env\n']);
  // Without #!, /bin/sh -e: dash refuses the array and -e stops the script there.
  const [plainCode, plainOut] = runOnHost(plain, dir);
  assert.notEqual(plainCode, 0);
  assert.equal(plainOut, '');
});

test('-e comes from the #! line when there is one (as in rpm-ostree), from us when there is none', () => {
  const dir = scratchDir('postprocess-e');
  const [withoutE, withE, none] = postprocessRuns({
    postprocess: [
      '#!/bin/sh\nfalse\necho went on\n',
      '#!/bin/sh -e\nfalse\necho went on\n',
      'false\necho went on\n',
    ],
  }) as [ScriptRun, ScriptRun, ScriptRun];
  assert.deepEqual(runOnHost(withoutE, dir), [0, 'went on\n']);
  assert.deepEqual(runOnHost(withE, dir), [1, '']);
  assert.deepEqual(runOnHost(none, dir), [1, '']);
});
