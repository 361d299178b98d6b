/** A real Context for tests: logs in a temp dir, a scope the test closes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Reporter, StepContext } from '../../src/core/context.ts';
import { Scope } from '../../src/core/scope.ts';
import { scratchDir } from './scratch.ts';

export interface TestContext extends StepContext {
  controller: AbortController;
  events: string[];
}

// One temp root per test process, removed when the process exits.
const root = scratchDir('particle-os-test');
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

export function testContext(): TestContext {
  const dir = mkdtempSync(join(root, 'ctx-'));
  const events: string[] = [];
  const reporter: Reporter = {
    stepStart: (n) => events.push(`start ${n}`),
    stepEnd: (n, _ms, ok) => events.push(`${ok ? 'end' : 'fail'} ${n}`),
    info: (m) => events.push(`info ${m}`),
    warn: (m) => events.push(`warn ${m}`),
    toolOutput: () => {},
  };
  const controller = new AbortController();
  const ctx: Context = {
    signal: controller.signal,
    reporter,
    scope: new Scope(),
    verbose: false,
    logDir: dir,
  };
  return { ...ctx, logFile: join(dir, 'test.log'), controller, events };
}
