import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { clientDigest } from '../../../src/compose/client-package.ts';
import { COMPOSE_FORMAT, inputHash, treefileDigest } from '../../../src/compose/input-hash.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { pkg } from '../../helpers/packages.ts';
import { scratchDir } from '../../helpers/scratch.ts';

/**
 * digest(name, yaml): the digest of the treefile `root/name` holding `ref: test/x`,
 * `base: debian:trixie` and `yaml`.
 */
function digester(prefix: string): {
  root: string;
  digest: (name: string, yaml: string) => string;
} {
  const root = scratchDir(prefix);
  const digest = (name: string, yaml: string) => {
    writeFileSync(join(root, name), `ref: test/x\nbase: debian:trixie\n${yaml}`);
    return treefileDigest(loadTreefile(join(root, name)));
  };
  return { root, digest };
}

test('input hash: order-free over packages; any version or checksum change changes it', () => {
  const a = inputHash('t', [pkg('bash', '5.2'), pkg('zsh', '5.9')]);
  assert.equal(a, inputHash('t', [pkg('zsh', '5.9'), pkg('bash', '5.2')]));
  assert.notEqual(a, inputHash('t', [pkg('bash', '5.3'), pkg('zsh', '5.9')]));
  assert.notEqual(a, inputHash('t', [pkg('bash', '5.2', 'b'.repeat(64)), pkg('zsh', '5.9')]));
  assert.notEqual(a, inputHash('u', [pkg('bash', '5.2'), pkg('zsh', '5.9')]));
});

test('treefile digest: follows content (also of add-files), not where the files live', () => {
  const mk = (dir: string, motd: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'motd'), motd);
    writeFileSync(
      join(dir, 't.yaml'),
      'ref: test/x\nbase: debian:trixie\npackages: [tree]\nadd-files:\n  - [motd, /etc/motd]\n',
    );
    return treefileDigest(loadTreefile(join(dir, 't.yaml')));
  };
  const root = scratchDir('digest');
  const one = mk(join(root, 'one'), 'hello\n');
  assert.equal(one, mk(join(root, 'two'), 'hello\n'), 'same content elsewhere: same digest');
  assert.notEqual(one, mk(join(root, 'three'), 'changed\n'), 'add-file content counts');
});

test('treefile digest: apt.components counts, its default does not (existing digests stay)', () => {
  const { digest } = digester('digest-components');
  const plain = digest('a.yaml', '');
  assert.equal(plain, digest('b.yaml', 'apt:\n  components: [main]\n'), 'the default is no input');
  assert.notEqual(plain, digest('c.yaml', 'apt:\n  components: [main, contrib]\n'));
});

test('treefile digest: the postprocess-script’s text counts, not where it or the treefile lives', () => {
  const root = scratchDir('digest-script');
  const mk = (dir: string, script: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'post.sh'), script);
    writeFileSync(
      join(dir, 't.yaml'),
      'ref: test/x\nbase: debian:trixie\npostprocess: ["echo a"]\npostprocess-script: post.sh\n',
    );
    return treefileDigest(loadTreefile(join(dir, 't.yaml')));
  };
  const one = mk(join(root, 'one'), 'echo hello\n');
  assert.equal(one, mk(join(root, 'two/deeper'), 'echo hello\n'), 'script sites are no input');
  assert.notEqual(one, mk(join(root, 'three'), 'echo changed\n'), 'a changed script recomposes');
});

test('treefile digest: a #! line is an input (it once ran with /bin/sh -e); without one, digests stay', () => {
  const { root, digest } = digester('digest-shebang');
  // What the digest of a treefile with a plain script was before #! lines were honoured.
  const plain = digest('a.yaml', 'postprocess: ["echo a"]\n');
  assert.equal(
    plain,
    createHash('sha256')
      .update(
        JSON.stringify({
          format: COMPOSE_FORMAT,
          model: withoutHostFields(loadTreefile(join(root, 'a.yaml'))),
          addFiles: [],
          client: clientDigest(),
        }),
      )
      .digest('hex'),
  );
  assert.notEqual(digest('b.yaml', 'postprocess: ["#!/bin/sh\\necho a"]\n'), plain);
});

/** The model as the digest serializes it (what input-hash.ts leaves out, left out). */
function withoutHostFields(tf: ReturnType<typeof loadTreefile>): Record<string, unknown> {
  const {
    file: _f,
    files: _fs,
    warnings: _w,
    scriptSites: _s,
    repo: _r,
    addFiles: _a,
    aptComponents: _c,
    ...model
  } = tf;
  return model;
}

test('treefile digest: a kernel flavour and a pinned version or suite count; `default` does not', () => {
  const { digest } = digester('digest-kernel');
  const plain = digest('a.yaml', 'packages: [less]\n');
  assert.equal(digest('b.yaml', 'packages: [less]\nkernel-flavour: default\n'), plain);
  const cloud = digest('c.yaml', 'packages: [less]\nkernel-flavour: cloud\n');
  assert.notEqual(cloud, plain);
  assert.notEqual(digest('d.yaml', 'packages: [less]\nkernel-flavour: rt\n'), cloud);
  assert.notEqual(digest('e.yaml', 'packages: ["less=668-1"]\n'), plain);
  assert.notEqual(digest('f.yaml', 'packages: [less/trixie-updates]\n'), plain);
});

test('treefile digest: locales are an input; without them, digests stay', () => {
  const { digest } = digester('digest-locales');
  const plain = digest('a.yaml', '');
  assert.equal(plain, digest('b.yaml', 'locales: []\n'), 'an empty list is no input');
  const de = digest('c.yaml', 'locales: [de_DE.UTF-8]\n');
  assert.notEqual(plain, de);
  assert.equal(de, digest('d.yaml', 'locales: [de_DE.UTF-8, de_DE.utf8]\n'), 'one locale');
  assert.notEqual(de, digest('e.yaml', 'locales: [de_DE.UTF-8, fr_FR.UTF-8]\n'));
});
