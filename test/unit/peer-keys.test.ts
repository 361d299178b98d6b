/**
 * scripts/peer-keys.ts says what each rpm-ostree treefile key and bootc-image-builder
 * customization does here; docs/treefile.md and docs/recipe.md print it. Each row is loaded
 * through the real loaders and must do exactly what the table says.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  bibExample,
  bibKeyRows,
  bibOutcome,
  type Outcome,
  RPM_OSTREE_KEYS,
  rpmOstreeOutcome,
} from '../../scripts/peer-keys.ts';
import { InputError } from '../../src/core/errors.ts';
import { loadBibConfig } from '../../src/recipe/bib-config.ts';
import { loadTreefile } from '../../src/treefile/load.ts';
import { scratchDir } from '../helpers/scratch.ts';

const dir = scratchDir('peer-keys');
mkdirSync(dir, { recursive: true });
// Files the include, add-files and postprocess-script rows name.
writeFileSync(join(dir, 'common.yaml'), 'packages: [less]\n');
writeFileSync(join(dir, 'motd'), 'hello\n');
writeFileSync(join(dir, 'postprocess.sh'), '#!/bin/sh\ntrue\n');

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Load `text` as a treefile: its warnings, or the error's lines. */
function loadTreefileText(name: string, text: string): { warnings: string[]; errors?: string[] } {
  const path = join(dir, `${name.replace(/[^a-z0-9_-]/gi, '_')}.yaml`);
  writeFileSync(path, text);
  try {
    const tf = loadTreefile(path);
    return { warnings: tf.warnings.map((w) => `${w.key}: ${w.message}`) };
  } catch (e) {
    assert.ok(e instanceof InputError, `${name}: expected InputError, got ${e}`);
    return {
      warnings: e.warnings.map((w) => `${w.key}: ${w.message}`),
      errors: e.message.split('\n'),
    };
  }
}

test('every rpm-ostree key has an outcome, and loading it does that', () => {
  const counts: Record<Outcome['kind'], number> = { implemented: 0, warned: 0, refused: 0 };
  for (const row of RPM_OSTREE_KEYS) {
    const outcome = rpmOstreeOutcome(row);
    assert.ok(outcome, `${row.key}: no outcome in the tables`);
    counts[outcome.kind] += 1;
    const key = row.ours ?? row.key;
    const own = `${key}: ${JSON.stringify(row.value)}\n`;
    const text = `${key === 'ref' ? '' : 'ref: a/b\n'}base: debian:trixie\n${own}`;
    const r = loadTreefileText(row.key, text);
    switch (outcome.kind) {
      case 'implemented':
        assert.equal(r.errors, undefined, `${row.key}: ${r.errors?.join('\n')}`);
        assert.deepEqual(r.warnings, [], `${row.key}: no warning`);
        break;
      case 'warned':
        assert.equal(r.errors, undefined, `${row.key}: ${r.errors?.join('\n')}`);
        assert.deepEqual(r.warnings, [`${key}: ignored: ${outcome.reason}`]);
        break;
      case 'refused': {
        assert.ok(r.errors, `${row.key}: expected an error`);
        assert.equal(r.errors.length, 1, r.errors.join('\n'));
        assert.match(
          r.errors[0] ?? '',
          new RegExp(
            `  ${reEscape(key)}  rpm-ostree's ${reEscape(key)} is not supported: ${reEscape(outcome.reason)}$`,
          ),
        );
        break;
      }
    }
  }
  assert.ok(
    counts.implemented > 20 && counts.warned > 10 && counts.refused > 10,
    `${JSON.stringify(counts)}`,
  );
});

test('an rpm-ostree key that is refused says so in either spelling', () => {
  const r = loadTreefileText('gpg-both', 'ref: a/b\nbase: debian:trixie\ngpg_key: ABCD\n');
  assert.match(
    r.errors?.[0] ?? '',
    /gpg_key {2}rpm-ostree's gpg_key is not supported: .*ostree gpg-sign/,
  );
  // A key of neither tool is still an unknown key.
  const u = loadTreefileText('typo', 'ref: a/b\nbase: debian:trixie\nrepoz: [x]\n');
  assert.match(u.errors?.[0] ?? '', /repoz {2}unknown key "repoz"/);
});

test('every bootc-image-builder key has an outcome, and loading it does that', () => {
  for (const row of bibKeyRows()) {
    const outcome = bibOutcome(row.key);
    assert.ok(outcome, `${row.key}: neither read nor refused by bib-config.ts`);
    const config = bibExample(row);
    const load = () => loadBibConfig(join(dir, 'config.json'), JSON.stringify(config));
    if (outcome.kind === 'refused') {
      const at = (outcome.by ?? row.key).replace(/\[\]/g, '[0]');
      assert.throws(
        load,
        (e: unknown) =>
          e instanceof InputError &&
          new RegExp(`  ${reEscape(at)}  .*${reEscape(outcome.reason)}`).test(e.message),
        `${row.key}: refused at ${at} with its reason`,
      );
    } else {
      assert.doesNotThrow(load, `${row.key}: ${JSON.stringify(config)}`);
    }
  }
});
