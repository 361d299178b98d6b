import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeWorkDir } from '../../../src/core/workdir.ts';
import { testContext } from '../../helpers/context.ts';

test('work dirs are removed when their scope closes', async () => {
  const sc = testContext();
  const dir = makeWorkDir(sc, 'wd');
  writeFileSync(join(dir, 'f'), 'x');
  await sc.scope.close();
  assert.ok(!existsSync(dir));
});
