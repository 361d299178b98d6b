import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { canonical, planChunks, UNOWNED, withParents } from '../../../src/container/chunking.ts';
import { scratchDir } from '../../helpers/scratch.ts';

/** A small usrmerged tree with a dpkg database under /usr/lib/sysimage/dpkg. */
function fixtureTree(packages: Record<string, Record<string, number>>): string {
  const root = scratchDir('chunk');
  const file = (rel: string, bytes: number) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), Buffer.alloc(bytes, 1));
  };
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'usr/lib'), { recursive: true });
  symlinkSync('usr/bin', join(root, 'bin'));
  symlinkSync('usr/lib', join(root, 'lib'));
  mkdirSync(join(root, 'proc'));
  const info = join(root, 'usr/lib/sysimage/dpkg/info');
  mkdirSync(info, { recursive: true });
  for (const [pkg, files] of Object.entries(packages)) {
    const listed: string[] = ['/.'];
    for (const [path, bytes] of Object.entries(files)) {
      // dpkg lists paths as packaged (/bin/x), the tree has them under /usr.
      file(
        canonical(
          path.slice(1),
          new Map([
            ['bin', 'usr/bin'],
            ['lib', 'usr/lib'],
          ]),
        ),
        bytes,
      );
      for (const p of withParents([path.slice(1)])) listed.push(`/${p}`);
    }
    writeFileSync(join(info, `${pkg}.list`), `${[...new Set(listed)].join('\n')}\n`);
  }
  return root;
}

test('chunks: one layer per big package, buckets for the rest, unowned last; every file once', () => {
  const pkgs: Record<string, Record<string, number>> = {
    kernel: { '/usr/lib/modules/6.1/kernel/a.ko': 5000 },
    // Two packages own /usr/lib, as in any real tree, so files generated there are unowned.
    bash: { '/bin/bash': 3000, '/lib/bash/loadable': 10 },
  };
  for (let i = 0; i < 30; i++) pkgs[`small${i}`] = { [`/usr/share/small${i}/f`]: 10 + i };
  const tree = fixtureTree(pkgs);
  // Generated, unlisted: initramfs in the kernel's own module dir, the dpkg status file.
  writeFileSync(join(tree, 'usr/lib/modules/6.1/initramfs.img'), Buffer.alloc(700));
  writeFileSync(join(tree, 'usr/lib/sysimage/dpkg/status'), 'x');
  const chunks = planChunks(tree, 20);
  assert.ok(chunks.length <= 20, `${chunks.length} chunks`);
  const names = chunks.map((c) => c.name);
  assert.deepEqual(names.slice(0, 3), ['bash', 'kernel', 'small29'], 'the 3 biggest, by name');
  assert.equal(names.at(-1), UNOWNED);
  const kernel = chunks.find((c) => c.name === 'kernel');
  assert.ok(
    kernel?.entries.includes('usr/lib/modules/6.1/initramfs.img'),
    'initramfs goes with the kernel',
  );
  assert.ok(kernel?.entries.includes('usr/lib/modules'), 'parents listed');
  assert.ok(
    chunks.find((c) => c.name === 'bash')?.entries.includes('usr/bin/bash'),
    'usrmerge mapped',
  );
  const unowned = chunks.find((c) => c.name === UNOWNED);
  assert.ok(unowned?.entries.includes('usr/lib/sysimage/dpkg/status'));
  assert.ok(unowned?.entries.includes('proc'), 'empty directories are kept');
  // Every file appears in exactly one chunk (directories may repeat: each layer has its parents).
  const files = chunks.flatMap((c) =>
    c.entries.filter((e) => !lstatSync(join(tree, e)).isDirectory()),
  );
  assert.equal(new Set(files).size, files.length);
  const all = readdirSync(tree, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => relative(tree, join(d.parentPath ?? d.path, d.name)));
  assert.deepEqual([...files].sort(), all.sort());
  // All 30 small packages are somewhere.
  const components = chunks.flatMap((c) => c.components);
  for (let i = 0; i < 30; i++) assert.ok(components.includes(`small${i}`));
});

test('chunks are stable: adding a small package only changes its bucket and the unowned layer', () => {
  const base: Record<string, Record<string, number>> = { big: { '/usr/bin/big': 9000 } };
  for (let i = 0; i < 40; i++) base[`p${i}`] = { [`/usr/share/p${i}/f`]: 100 };
  const before = planChunks(fixtureTree(base), 24);
  const after = planChunks(fixtureTree({ ...base, tree: { '/usr/bin/tree': 50 } }), 24);
  const key = (c: { name: string; entries: string[] }) => `${c.name}:${c.entries.join(',')}`;
  const changed = after.filter((c) => !before.some((b) => key(b) === key(c)));
  // Its bucket, and the unowned layer (which holds the dpkg database).
  assert.deepEqual(
    changed.map((c) => c.name),
    [changed[0]?.name, UNOWNED],
    `changed: ${changed.map((c) => c.name).join(', ')}`,
  );
  assert.ok(changed[0]?.components.includes('tree'));
});

test('withParents lists each directory once, parents first', () => {
  assert.deepEqual(withParents(['a/b/c', 'a/d']), ['a', 'a/b', 'a/b/c', 'a/d']);
});
