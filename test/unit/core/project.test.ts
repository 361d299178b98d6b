import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { projectPath, projectRoot, projectVersion } from '../../../src/core/project.ts';

test('the project root holds package.json, recipes/ and client/', () => {
  const root = projectRoot();
  assert.equal(JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).name, 'particle-os');
  assert.ok(existsSync(projectPath('recipes', 'minimal.yml')));
  assert.ok(existsSync(projectPath('client', 'bin', 'particle-os')));
  assert.match(projectVersion(), /^\d+\.\d+\.\d+/);
});
