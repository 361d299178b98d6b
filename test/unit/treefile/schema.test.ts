/** treefile/schema.ts (with core/values.ts) refuses hostile values; seen through loadTreefile. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { scratchDir } from '../../helpers/scratch.ts';

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('treefile values and paths: static "..", line breaks and deb-line fields are refused', () => {
  const dir = scratchDir('hostile-tf');
  const issues = (yaml: string) => {
    const f = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, `ref: a/b\nbase: debian:trixie\n${yaml}`);
    try {
      loadTreefile(f);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(
    issues('remove-files: ["usr/../../../../x"]\n'),
    /remove-files\[0\] {2}must not contain "\.\."/,
  );
  assert.match(
    issues('add-files: [[a, /usr/../../etc/x]]\n'),
    /add-files\[0\]\[1\] {2}must not contain/,
  );
  assert.match(issues('system:\n  directories: [/var/../../x]\n'), /system\.directories\[0\]/);
  assert.match(
    issues('kernel-args: ["a\\ninitrd /x"]\n'),
    /kernel-args\[0\] {2}must not contain line breaks/,
  );
  assert.match(
    issues('variables:\n  v: "a\\nb"\npackages: ["${v}"]\n'),
    /variables\.v {2}must not contain line breaks/,
  );
  assert.match(
    issues(
      'apt:\n  sources:\n    - uris: http://deb.example/debian\n      suites: ["trixie main\\ndeb http://evil/ x"]\n',
    ),
    /apt\.sources\[0\]\.suites\[0\]/,
  );
  assert.match(
    issues(
      'apt:\n  sources:\n    - uris: http://deb.example/debian\n      signed-by: "k] [trusted=yes"\n',
    ),
    /signed-by/,
  );
});

test('a script’s #! line must say what the kernel reads: refused where it is written', () => {
  const dir = scratchDir('shebang-tf');
  const f = join(dir, 't.yaml');
  writeFileSync(
    f,
    'ref: a/b\nbase: debian:trixie\npostinstall: "#!bash\\n"\npostprocess:\n  - echo fine\n  - "#!/bin/bash -e -u\\necho"\n',
  );
  assert.throws(
    () => loadTreefile(f),
    (e: Error) =>
      /t\.yaml:3:14 {2}postinstall {2}the #! interpreter "bash" must be an absolute path/.test(
        e.message,
      ) && /t\.yaml:6:5 {2}postprocess\[1\] {2}the kernel passes "-e -u"/.test(e.message),
  );
});
