import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scope } from './scope.ts';

/** Progress events; the CLI renders them (task lines on a terminal, plain lines otherwise). */
export interface Reporter {
  stepStart(name: string, logFile: string): void;
  stepEnd(name: string, ms: number, ok: boolean): void;
  info(message: string): void;
  warn(message: string): void;
  /** Raw tool output, only forwarded when --verbose. */
  toolOutput(chunk: string): void;
}

/** What every core function gets: cancellation, progress, logs and the resource owner. */
export interface Context {
  signal: AbortSignal;
  reporter: Reporter;
  scope: Scope;
  verbose: boolean;
  /** Directory for per-step log files. */
  logDir: string;
}

/** A context bound to the log file of one step; the runner tees tool output there. */
export interface StepContext extends Context {
  logFile: string;
}

/** Next free step number in `dir`: commands sharing one --log-dir never overwrite a log. */
function nextStepNumber(dir: string): number {
  const used = readdirSync(dir)
    .map((f) => Number.parseInt(f.slice(0, 2), 10))
    .filter(Number.isFinite);
  return used.length ? Math.max(...used) + 1 : 1;
}

export interface StepTiming {
  name: string;
  seconds: number;
}

/**
 * Run `fn` as a named step with its own log file, reporting start and end with elapsed time;
 * a successful step's time is also appended to `timings` when given.
 */
export async function step<T>(
  ctx: Context,
  name: string,
  fn: (sc: StepContext) => Promise<T>,
  timings?: StepTiming[],
): Promise<T> {
  mkdirSync(ctx.logDir, { recursive: true });
  const n = nextStepNumber(ctx.logDir);
  const slug = name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '');
  const logFile = join(ctx.logDir, `${String(n).padStart(2, '0')}-${slug}.log`);
  // Created now, even if the step logs nothing, so the next step takes the next number.
  writeFileSync(logFile, '', { flag: 'a' });
  const started = Date.now();
  ctx.reporter.stepStart(name, logFile);
  try {
    const result = await fn({ ...ctx, logFile });
    const ms = Date.now() - started;
    ctx.reporter.stepEnd(name, ms, true);
    timings?.push({ name, seconds: ms / 1000 });
    return result;
  } catch (e) {
    ctx.reporter.stepEnd(name, Date.now() - started, false);
    throw e;
  }
}

/**
 * Seconds since this call (to millisecond precision), for the few timings that span several
 * steps (a whole build, a boot phase). Single steps are timed by step() itself.
 */
export function stopwatch(): () => number {
  const started = performance.now();
  return () => Math.round(performance.now() - started) / 1000;
}
