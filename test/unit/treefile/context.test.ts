/** treefile/context.ts: the host files a treefile names stay inside its context. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readContextText } from '../../../src/treefile/context.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { canary } from '../../helpers/canary.ts';

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

/** Load a treefile written into `dir` (its context) with `yaml` after ref and base: '' or the error. */
function loaderIn(dir: string): (yaml: string) => string {
  return (yaml) => {
    const f = join(dir, 't.yaml');
    writeFileSync(f, `ref: a/b\nbase: debian:trixie\n${yaml}`);
    try {
      loadTreefile(f, { context: [dir] });
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
}

test('treefile host paths stay inside the context: add-files sources, include, repo, signed-by', () => {
  const c = canary();
  const dir = join(c.tree, 'checkout');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ok.txt'), 'ok\n');
  spawnSync('ln', ['-s', `${c.host}/shadow`, join(dir, 'innocent.txt')]);
  const load = loaderIn(dir);
  assert.equal(load('add-files: [[ok.txt, /etc/ok]]\n'), '');
  assert.match(
    load(`add-files: [[${c.host}/shadow, /etc/x]]\n`),
    /t\.yaml:3:\d+ {2}add-files\[0\]\[0\] {2}.*outside the treefile context/,
  );
  assert.match(
    load('add-files: [[innocent.txt, /etc/x]]\n'),
    /add-files\[0\]\[0\] {2}.*really .*shadow.*outside/,
  );
  assert.match(load('add-files: [[../../host/passwd, /etc/x]]\n'), /outside the treefile context/);
  assert.match(load(`include: ${c.host}/passwd\n`), /include {2}.*outside the treefile context/);
  assert.match(load('ostree:\n  repo: /var/lib/x\n'), /ostree\.repo {2}.*outside/);
  assert.match(
    load(`apt:\n  sources:\n    - uris: http://deb.example/d\n      signed-by: ${c.host}/x.toml\n`),
    /signed-by {2}.*outside/,
  );
  assert.equal(
    load(
      'apt:\n  sources:\n    - uris: http://deb.example/d\n      signed-by: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    ),
    '',
  );
  c.assertIntact();
});

test('files a treefile pulls in must exist and be regular files, checked only inside the context', () => {
  const c = canary();
  const dir = join(c.tree, 'checkout');
  mkdirSync(join(dir, 'keys'), { recursive: true });
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  const load = loaderIn(dir);
  const source = (key: string) =>
    `apt:\n  sources:\n    - uris: http://deb.example/d\n      signed-by: ${key}\n`;
  assert.match(
    load('add-files: [[gone.txt, /etc/x]]\n'),
    /add-files\[0\]\[0\] {2}\S*gone\.txt does not exist/,
  );
  assert.match(
    load('add-files: [[keys, /etc/x]]\n'),
    /add-files\[0\]\[0\] {2}\S*keys is not a regular file/,
  );
  assert.match(load('add-files: [[fifo, /etc/x]]\n'), /fifo is not a regular file/);
  assert.match(
    load(source('keys/gone.gpg')),
    /t\.yaml:6:\d+ {2}apt\.sources\[0\]\.signed-by {2}\S*keys\/gone\.gpg does not exist/,
  );
  assert.match(load(source('keys')), /signed-by {2}\S*keys is not a regular file/);
  assert.match(load(source('/usr/share/keyrings/particle-os-no-such.gpg')), /does not exist/);
  // Outside the context, existence is never asked: the answer is "outside", whatever is there.
  assert.match(
    load(source(`${c.host}/no-such.gpg`)),
    /signed-by {2}.*outside the treefile context/,
  );
  assert.doesNotMatch(load(source(`${c.host}/no-such.gpg`)), /does not exist/);
  c.assertIntact();
});

test('postprocess-script: a regular text file inside the context; a link out of it is refused unread', () => {
  const c = canary();
  const dir = join(c.tree, 'checkout');
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  writeFileSync(join(dir, 'scripts/post.sh'), '#!/bin/sh\necho ok\n');
  symlinkSync('scripts/post.sh', join(dir, 'link-inside.sh'));
  symlinkSync(`${c.host}/shadow`, join(dir, 'innocent.sh'));
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  writeFileSync(join(dir, 'big.sh'), Buffer.alloc(1024 * 1024 + 1, 'a'));
  writeFileSync(join(dir, 'nul.sh'), 'echo a\0b\n');
  writeFileSync(join(dir, 'latin1.sh'), Buffer.from([0x65, 0x63, 0x68, 0x6f, 0x20, 0xe9, 0x0a]));
  const load = loaderIn(dir);
  const model = (yaml: string) => {
    const f = join(dir, 't.yaml');
    writeFileSync(f, `ref: a/b\nbase: debian:trixie\n${yaml}`);
    return loadTreefile(f, { context: [dir] }).postprocessScript;
  };
  assert.equal(model('postprocess-script: scripts/post.sh\n'), '#!/bin/sh\necho ok\n');
  assert.equal(model('postprocess-script: link-inside.sh\n'), '#!/bin/sh\necho ok\n');
  assert.match(
    load('postprocess-script: innocent.sh\n'),
    /t\.yaml:3:21 {2}postprocess-script {2}.*innocent\.sh \(really .*shadow\) is outside the treefile context/,
  );
  assert.match(load(`postprocess-script: ${c.host}/shadow\n`), /outside the treefile context/);
  assert.match(load('postprocess_script: ../../host/passwd\n'), /postprocess_script {2}.*outside/);
  assert.match(load('postprocess-script: scripts\n'), /scripts is not a regular file/);
  assert.match(load('postprocess-script: fifo\n'), /fifo is not a regular file/);
  assert.match(load('postprocess-script: gone.sh\n'), /gone\.sh does not exist/);
  assert.match(load('postprocess-script: big.sh\n'), /big\.sh is larger than 1048576 bytes/);
  assert.match(load('postprocess-script: nul.sh\n'), /nul\.sh is not a text file \(it holds a NUL/);
  assert.match(load('postprocess-script: latin1.sh\n'), /latin1\.sh is not UTF-8 text/);
  writeFileSync(join(dir, 'crlf.sh'), '#!/bin/sh\r\necho\r\n');
  assert.match(
    load('postprocess-script: crlf.sh\n'),
    /postprocess-script {2}\S*crlf\.sh: the #! line "#!\/bin\/sh\\r" holds a control character/,
  );
  c.assertIntact();
});

test('readContextText reads only what it checked: the real location, inside the context', () => {
  const c = canary();
  const dir = join(c.tree, 'checkout');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'a.sh'), 'echo a\n');
  assert.deepEqual(readContextText([dir], join(dir, 'a.sh'), 100), { text: 'echo a\n' });
  assert.deepEqual(readContextText([dir], join(dir, 'a.sh'), 3), {
    problem: `${join(dir, 'a.sh')} is larger than 3 bytes`,
  });
  // A link swapped in for the file: its real location is the host's file, which is refused.
  rmSync(join(dir, 'a.sh'));
  symlinkSync(`${c.host}/shadow`, join(dir, 'a.sh'));
  const r = readContextText([dir], join(dir, 'a.sh'), 100);
  assert.ok('problem' in r && /outside the treefile context/.test(r.problem));
  c.assertIntact();
});
