/**
 * The one way this tool runs external commands: argv arrays (never shell strings), output teed
 * to the step's log file, failures raised as ToolError with the command, exit code and the last
 * lines of stderr. Children run in their own process group so Ctrl-C (the context's abort
 * signal) can terminate them together with their descendants.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, openSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { StepContext } from './context.ts';
import { InterruptedError, ToolError } from './errors.ts';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text to write to stdin; otherwise stdin is /dev/null (nothing may ever prompt). */
  input?: string;
  /** A stream to feed stdin from (used to connect pipelines). */
  stdin?: Readable;
  /** Where stdout goes: captured and returned (default), or streamed to a consumer. */
  stdout?: 'capture' | Writable;
  /** Keep stdout out of the log (it carries a secret, e.g. a password hash). */
  quietStdout?: boolean;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Seconds between SIGTERM and SIGKILL when cancelled (default 10). */
  killGraceSeconds?: number;
  /**
   * The command talks to the user's terminal (a VM's console, an ssh session): it inherits
   * stdin, stdout and stderr and stays in the terminal's foreground process group (a child in
   * a group of its own would be stopped by SIGTTIN when it reads the terminal). Nothing is
   * captured; the log gets the command line and the exit status. Cancelling signals the child
   * itself rather than a group.
   */
  terminal?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const TAIL_LINES = 25;

export interface Running {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** Terminate the process group (SIGTERM, then SIGKILL after the grace period). */
  stop(): void;
  /** SIGKILL the process group at once (e.g. to simulate power loss in a VM). */
  kill(): void;
}

/**
 * Variables host tools may inherit. Everything else is dropped: tools read settings from their
 * environment (GNU tar `TAR_OPTIONS`, apt `APT_CONFIG`, `GZIP`, `XZ_OPT`, `ZSTD_CLEVEL`,
 * `LD_PRELOAD`, …) that would change what a build does without showing in its argv. The same
 * approach as mkosi's.
 */
export const ENV_ALLOW = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'TERM',
  'SOURCE_DATE_EPOCH',
  // Network access for apt, mmdebstrap and skopeo through a proxy.
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  // Registry credentials and certificates for skopeo.
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'REGISTRY_AUTH_FILE',
  'DOCKER_CONFIG',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

/** The environment of a host tool: the allow-listed variables, fixed locale, then `extra`. */
export function toolEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ENV_ALLOW) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8', ...extra };
}

/** Start a command; `done` settles when it exits. Prefer `run` unless you connect streams. */
export function start(sc: StepContext, argv: readonly string[], opts: RunOptions = {}): Running {
  if (sc.signal.aborted) throw new InterruptedError();
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('run: empty argv');
  // The log is written synchronously: a write stream's completions come back through libuv's
  // thread pool, and a build here once waited 16 minutes on one that never came back (an fs
  // request pending, every pool thread idle). Each write is one small append to a local file.
  const logFd = openSync(sc.logFile, 'a');
  const log = (d: string | Buffer) => writeSync(logFd, typeof d === 'string' ? Buffer.from(d) : d);
  log(`\n$ ${argv.map(quoteForLog).join(' ')}\n`);
  const terminal = opts.terminal === true;
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: toolEnv(opts.env),
      stdio: terminal
        ? 'inherit'
        : [opts.input !== undefined || opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: !terminal,
    });
  } catch (err) {
    closeSync(logFd);
    throw err;
  }
  const signal = (sig: NodeJS.Signals) => signalChild(child, sig, !terminal);
  const stdoutChunks: Buffer[] = [];
  let stderrAll = '';
  const capture = opts.stdout === undefined || opts.stdout === 'capture';
  if (capture) {
    child.stdout?.on('data', (d: Buffer) => {
      stdoutChunks.push(d);
      if (opts.quietStdout) return;
      log(d);
      if (sc.verbose) sc.reporter.toolOutput(d.toString());
    });
  } else {
    child.stdout?.pipe(opts.stdout as Writable);
  }
  child.stderr?.on('data', (d: Buffer) => {
    const s = d.toString();
    stderrAll += s;
    if (stderrAll.length > 64 * 1024) stderrAll = stderrAll.slice(-32 * 1024);
    log(d);
    if (sc.verbose) sc.reporter.toolOutput(s);
  });
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  else if (opts.stdin && child.stdin) opts.stdin.pipe(child.stdin);

  let killTimer: NodeJS.Timeout | undefined;
  let gone = false;
  const onAbort = () => {
    // Also called when the scope releases a child that already finished: no signal, no timer
    // (a pending SIGKILL timer would keep the event loop alive for the grace period). Between
    // exit and close, signalChild sends nothing and finish clears the timer.
    if (gone) return;
    signal('SIGTERM');
    killTimer ??= setTimeout(() => signal('SIGKILL'), (opts.killGraceSeconds ?? 10) * 1000);
  };
  sc.signal.addEventListener('abort', onAbort, { once: true });
  let markExited: () => void = () => {};
  const exited = new Promise<void>((r) => {
    markExited = r;
  });
  // If the owning scope closes while the child still runs, stop it and wait until it is gone.
  const release = sc.scope.defer(`process ${cmd}`, async () => {
    onAbort();
    await exited;
  });

  const done = new Promise<RunResult>((resolve, reject) => {
    let finished = false;
    // 'error' (e.g. the program does not exist) may or may not be followed by 'close'.
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (finished) return;
      finished = true;
      gone = true;
      sc.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      markExited();
      void release();
      const stdout = Buffer.concat(stdoutChunks).toString();
      log(`[exit ${spawnError ? spawnError.message : (code ?? signal)}]\n`);
      closeSync(logFd);
      if (spawnError)
        return reject(new ToolError(argv, null, null, spawnError.message, sc.logFile));
      if (sc.signal.aborted) return reject(new InterruptedError());
      if (code !== null && (opts.okCodes ?? [0]).includes(code)) {
        return resolve({ code, stdout, stderr: stderrAll });
      }
      reject(new ToolError(argv, code, signal, tail(stderrAll), sc.logFile));
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('close', (code, signal) => finish(code, signal));
  });
  return { child, done, stop: onAbort, kill: () => signal('SIGKILL') };
}

/** Run a command to completion. */
export async function run(
  sc: StepContext,
  argv: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return start(sc, argv, opts).done;
}

/** Append a note to the step's log (e.g. what native code did). */
export function logNote(sc: StepContext, text: string): void {
  appendFileSync(sc.logFile, `# ${text}\n`);
}

/**
 * Run a command synchronously, outside any step: only for cleanup paths (unmounting, removing
 * work dirs) that must still work after an abort. Returns the exit code; never throws.
 */
export function runCleanup(argv: readonly string[]): { code: number | null; stderr: string } {
  const [cmd, ...args] = argv;
  if (!cmd) return { code: null, stderr: 'empty argv' };
  const r = spawnSync(cmd, args, {
    env: toolEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr?.toString() ?? '' };
}

/** Signal the child's process group (`group`, for children started detached) or the child. */
function signalChild(child: ChildProcess, sig: NodeJS.Signals, group: boolean): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(group ? -child.pid : child.pid, sig);
  } catch {
    // Already gone.
  }
}

export function tail(text: string, lines = TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Quote a string for POSIX sh (for the few places that must hand a tool a shell snippet). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function quoteForLog(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : shq(a);
}
