/**
 * What every command shares: building the Context (abort on Ctrl-C, resource scope, progress
 * reporter, log dir), and turning results and errors into output and exit codes. Only
 * src/cli/main.ts calls process.exit.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Context } from '../core/context.ts';
import { ExitCode, InterruptedError, ParticleError } from '../core/errors.ts';
import { Scope } from '../core/scope.ts';
import { createReporter } from './reporter.ts';

export interface GlobalFlags {
  verbose?: boolean;
  logDir?: string;
}

export function defaultLogDir(command: string): string {
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(state, 'particle-os', 'logs', `${stamp}-${command}`);
}

/** Run a command body with a fresh Context; returns the exit code. */
export async function runCommand(
  command: string,
  flags: GlobalFlags,
  body: (ctx: Context) => Promise<number | undefined>,
  opts: { quietSteps?: boolean } = {},
): Promise<number> {
  const controller = new AbortController();
  const scope = new Scope();
  const reporter = createReporter({ verbose: !!flags.verbose, quietSteps: opts.quietSteps });
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    reporter.warn('interrupted: stopping and cleaning up (Ctrl-C again to force)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const ctx: Context = {
    signal: controller.signal,
    reporter,
    scope,
    verbose: !!flags.verbose,
    logDir: flags.logDir ? resolve(flags.logDir) : defaultLogDir(command),
  };
  let code: number;
  try {
    code = (await body(ctx)) ?? ExitCode.ok;
  } catch (e) {
    code = reportError(controller.signal.aborted ? new InterruptedError() : e, ctx.logDir);
  } finally {
    const errors = await scope.close();
    for (const err of errors) process.stderr.write(`cleanup: ${err.message}\n`);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  return code;
}

function reportError(e: unknown, logDir: string): number {
  if (e instanceof ParticleError) {
    // An InputError without issues has already printed them (treefile validate).
    if (e.message) process.stderr.write(`error: ${e.message}\n`);
    if (e.exitCode === ExitCode.failed) process.stderr.write(`logs: ${logDir}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  process.stderr.write(`internal error: ${err?.stack ?? String(e)}\nlogs: ${logDir}\n`);
  return ExitCode.failed;
}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}
