/**
 * One error hierarchy for the whole tool. Each error knows its exit code; only the CLI entry
 * turns them into a process exit.
 *
 * Exit codes (documented in the README):
 *   0 ok · 1 build failed (a tool failed, the boot test failed, a host tool is missing)
 *   2 bad input or usage (treefile/recipe errors, unknown options, missing inputs) · 130 interrupted
 */
export const ExitCode = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

export class ParticleError extends Error {
  readonly exitCode: number = ExitCode.failed;
}

/** A problem located in an input file, printed as `file:line:col  key  message`. */
export interface InputIssue {
  file: string;
  line: number;
  col: number;
  key: string;
  message: string;
}

export function formatIssue(i: InputIssue): string {
  return `${i.file}:${i.line}:${i.col}  ${i.key || '(root)'}  ${i.message}`;
}

/** A warning in the same located form, marked as one. */
export function formatWarning(i: InputIssue): string {
  return formatIssue({ ...i, message: `warning: ${i.message}` });
}

/**
 * Bad input: one or more problems in files the user gave us. `warnings` are what was found
 * besides, so a report of everything (treefile validate) can show them too.
 */
export class InputError extends ParticleError {
  override readonly exitCode = ExitCode.badInput;
  constructor(
    readonly issues: InputIssue[],
    readonly warnings: InputIssue[] = [],
  ) {
    super(issues.map(formatIssue).join('\n'));
  }
}

/** Bad usage: wrong flags, missing arguments, an input that does not exist. */
export class UsageError extends ParticleError {
  override readonly exitCode = ExitCode.badInput;
}

/** An external command failed. Carries what is needed to act on it. */
export class ToolError extends ParticleError {
  constructor(
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    readonly logFile?: string,
  ) {
    const status = code === null ? `killed by ${signal}` : `exit code ${code}`;
    const tail = stderrTail.trim() ? `\n${indent(stderrTail.trim())}` : '';
    const log = logFile ? `\n  full log: ${logFile}` : '';
    super(`${argv[0]} failed (${status}): ${argv.join(' ')}${tail}${log}`);
  }
}

/** Host tools that must be installed first. */
export class MissingToolsError extends ParticleError {
  constructor(readonly missing: { tool: string; debianPackage: string }[]) {
    const pkgs = [...new Set(missing.map((m) => m.debianPackage))].sort();
    super(
      `missing host tools: ${missing.map((m) => m.tool).join(', ')}\n` +
        `  install them with: apt-get install -y ${pkgs.join(' ')}`,
    );
  }
}

/** The build ran but did not produce what was asked (e.g. a boot check failed). */
export class BuildError extends ParticleError {}

export class InterruptedError extends ParticleError {
  override readonly exitCode = ExitCode.interrupted;
  constructor() {
    super('interrupted');
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
}
