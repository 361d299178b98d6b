/** treefile/scripts.ts: a script's #! line as the kernel reads it, and its interpreter's package. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  interpreterIssues,
  parseShebang,
  type ScriptSite,
  shebangProblem,
} from '../../../src/treefile/scripts.ts';

test('#! lines are split as the kernel splits them: interpreter, then one argument', () => {
  assert.equal(parseShebang('echo hi\n'), undefined);
  assert.equal(parseShebang(' #!/bin/sh\n'), undefined, '#! only counts at the very start');
  assert.deepEqual(parseShebang('#!/bin/sh\necho'), { line: '#!/bin/sh', interpreter: '/bin/sh' });
  assert.deepEqual(parseShebang('#! \t/usr/bin/python3  -u \nx'), {
    line: '#! \t/usr/bin/python3  -u ',
    interpreter: '/usr/bin/python3',
    arg: '-u',
  });
  // Everything after the interpreter is one argument, blanks inside included.
  assert.equal(parseShebang('#!/usr/bin/env -S python3 -u')?.arg, '-S python3 -u');
  assert.deepEqual(parseShebang('#!'), { line: '#!', interpreter: '' });
});

test('a #! line the kernel would run otherwise than it reads is refused, saying why', () => {
  for (const ok of [
    'echo no interpreter line',
    '#!/bin/sh\nset -e',
    '#!/bin/bash -e\n',
    '#!/usr/bin/env python3\n',
    '#!/usr/bin/env -S python3 -u\n',
    '#!/bin/env bash\n',
    '#!/usr/lib/x86_64-linux-gnu/some+tool_1.0\n',
  ])
    assert.equal(shebangProblem(ok), undefined, ok);
  const refused: [string, RegExp][] = [
    ['#!\n', /names no interpreter/],
    ['#!   \n', /names no interpreter/],
    ['#!bash\n', /"bash" must be an absolute path .*env NAME/],
    ['#!./run\n', /must be an absolute path/],
    ['#!/usr/../bin/sh\n', /must be a plain absolute path .*no "\." or "\.\." parts/],
    ['#!/usr/./bin/sh\n', /plain absolute path/],
    ['#!//bin/sh\n', /plain absolute path/],
    ['#!/bin/sh$(reboot)\n', /plain absolute path/],
    ['#!/bin/sh\r\necho', /control character .*CRLF/],
    ['#!/bin/sh\u0000x\n', /control character/],
    ['#!/bin/bash -e -x\n', /passes "-e -x" to \/bin\/bash as one argument: give it at most one/],
    ['#!/usr/bin/env python3 -u\n', /as one argument/],
    ['#!/usr/bin/env\n', /env needs the program to run/],
    ['#!/usr/bin/env -S\n', /env needs the program/],
    ['#!/usr/bin/env -i\n', /env needs the program/],
    [`#!/bin/${'x'.repeat(260)}\n`, /longer than the 255 bytes the kernel reads/],
  ];
  for (const [script, why] of refused) assert.match(shebangProblem(script) ?? '', why, script);
});

const at = { file: 't.yaml', line: 4, col: 5, key: 'postprocess[0]' };
const site = (script: string, path?: string): ScriptSite => ({
  at,
  path,
  shebang: parseShebang(script),
});

test('interpreters the table knows: an error naming the package to add, unless one that ships it is there', () => {
  const check = (script: string, have: string[]) =>
    interpreterIssues([site(script)], new Set(have), 'in packages');
  const py = check('#!/usr/bin/python3\n', ['bash']);
  assert.deepEqual(py.warnings, []);
  assert.deepEqual(py.errors, [
    {
      ...at,
      message:
        '#!/usr/bin/python3: no package that provides /usr/bin/python3 (python3-minimal, python3) is in packages: add python3 to packages',
    },
  ]);
  assert.deepEqual(check('#!/usr/bin/python3\n', ['python3']).errors, []);
  assert.deepEqual(check('#!/usr/bin/python3\n', ['python3-minimal']).errors, [], 'ships it');
  // Merged /usr: /bin/bash is /usr/bin/bash; /bin/sh is dash's.
  assert.match(check('#!/bin/bash\n', []).errors[0]?.message ?? '', /add bash to packages/);
  assert.match(check('#!/bin/sh\n', ['bash']).errors[0]?.message ?? '', /add dash to packages/);
  assert.deepEqual(check('#!/usr/bin/sh -e\n', ['dash']).errors, []);
  assert.deepEqual(check('#!/usr/bin/perl -w\n', ['perl']).errors, [], 'perl depends on perl-base');
  assert.match(check('#!/usr/bin/perl\n', []).errors[0]?.message ?? '', /add perl-base/);
  assert.deepEqual(check('no #! line: /bin/sh -e runs it\n', []), { errors: [], warnings: [] });
});

test('#!/usr/bin/env NAME: env itself and NAME as found on the sandbox PATH', () => {
  const check = (script: string, have: string[]) =>
    interpreterIssues([site(script)], new Set(have), 'in packages');
  assert.deepEqual(check('#!/usr/bin/env python3\n', ['coreutils', 'python3']).errors, []);
  assert.match(
    check('#!/usr/bin/env python3\n', ['coreutils']).errors[0]?.message ?? '',
    /^#!\/usr\/bin\/env python3: no package that provides \/usr\/bin\/python3 .*add python3/,
  );
  assert.match(check('#!/usr/bin/env -S zsh -f\n', ['coreutils']).errors[0]?.message ?? '', /zsh/);
  assert.match(check('#!/bin/env bash\n', ['bash']).errors[0]?.message ?? '', /add coreutils/);
  const unknown = check('#!/usr/bin/env node\n', ['coreutils']);
  assert.deepEqual(unknown.errors, []);
  assert.match(
    unknown.warnings[0]?.message ?? '',
    /does not know which Debian package ships node; make sure one in the package set does/,
  );
});

test('an interpreter the table does not know is a warning naming it, never a guess', () => {
  const r = interpreterIssues(
    [site('#!/opt/tool/bin/run --flag\n', 'scripts/post.sh')],
    new Set(),
    'in packages',
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, [
    {
      ...at,
      message:
        'scripts/post.sh: #!/opt/tool/bin/run --flag: particle-os does not know which Debian package ships /opt/tool/bin/run; make sure one in the package set does, or the script cannot start',
    },
  ]);
});

test('the caller says where the package was looked for and what to do (the dry run with a lockfile)', () => {
  const r = interpreterIssues(
    [site('#!/usr/bin/python3\n')],
    new Set(['python3.13']),
    'in the lockfile’s package set',
    (p) => `write the lockfile again (--write-lockfile) with ${p} in packages`,
  );
  assert.equal(
    r.errors[0]?.message,
    '#!/usr/bin/python3: no package that provides /usr/bin/python3 (python3-minimal, python3) is in the lockfile’s package set: write the lockfile again (--write-lockfile) with python3 in packages',
  );
});
