/**
 * docs/treefile.md and docs/recipe.md document every key of the schemas they are generated
 * from, and the generator refuses to produce docs with a key missing, a stale entry or an
 * example the schema rejects.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  checkKeys,
  FORMATS,
  type Format,
  generate,
  jsonSchemaOf,
  keyPaths,
  setsPath,
} from '../../scripts/gen-docs.ts';

const formatOf = (name: Format['name']) => FORMATS.find((f) => f.name === name) as Format;

test('key paths include nested keys and list items', () => {
  const recipe = keyPaths(jsonSchemaOf('recipe')).map((k) => k.path);
  for (const p of ['name', 'disk.size', 'kernel.append', 'users[].ssh-keys', 'files[].mode'])
    assert.ok(recipe.includes(p), p);
  const treefile = keyPaths(jsonSchemaOf('treefile')).map((k) => k.path);
  for (const p of ['ostree.ref', 'apt.sources', 'apt.sources[].uris', 'add-files', 'kernel-args'])
    assert.ok(treefile.includes(p), p);
});

test('every schema key has its own section in the committed docs', () => {
  for (const name of ['treefile', 'recipe'] as const) {
    const doc = readFileSync(`docs/${name}.md`, 'utf8');
    for (const k of keyPaths(jsonSchemaOf(name))) {
      assert.ok(
        doc.includes(`\n### \`${k.path}\`\n`),
        `docs/${name}.md lacks a section for ${k.path}`,
      );
    }
  }
});

test('the committed docs are what the generator writes, and it reports no problem', () => {
  const { files, problems } = generate();
  assert.deepEqual(problems, []);
  for (const f of files) {
    assert.equal(
      readFileSync(f.path, 'utf8'),
      f.content,
      `${f.path} is stale: run npx tsx scripts/gen-docs.ts`,
    );
  }
});

test('an undocumented key, a stale entry and a bad example are reported', () => {
  const f = formatOf('recipe');
  const keys = keyPaths(jsonSchemaOf('recipe'));
  const { hostname: _dropped, ...withoutHostname } = f.keys;
  const problems = checkKeys(
    {
      ...f,
      keys: {
        ...withoutHostname,
        'disk.colour': { equivalent: '—', example: 'disk:\n  colour: red' },
        timezone: { equivalent: '—', example: 'timezone: "not a zone!"' },
        locale: { equivalent: '—', example: 'hostname: x' },
      },
    },
    keys,
  );
  assert.ok(
    problems.some((p) => /key hostname is undocumented/.test(p)),
    problems.join('\n'),
  );
  assert.ok(problems.some((p) => /disk\.colour is not a recipe key/.test(p)));
  assert.ok(problems.some((p) => /timezone: example rejected by the schema/.test(p)));
  assert.ok(problems.some((p) => /locale: the example does not set locale/.test(p)));
});

test('setsPath follows lists and nested maps', () => {
  const doc = { users: [{ name: 'a', 'ssh-keys': ['k'] }], disk: { size: '4G' } };
  assert.ok(setsPath(doc, 'users[].ssh-keys'));
  assert.ok(setsPath(doc, 'disk.size'));
  assert.ok(!setsPath(doc, 'users[].groups'));
  assert.ok(!setsPath(doc, 'kernel.append'));
});
