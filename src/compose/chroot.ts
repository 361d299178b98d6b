/**
 * Run a command inside a bootstrapped tree. bubblewrap gives the command the tree as `/`, its
 * own /proc, a minimal /dev and (unless asked) no network, all in a private mount and PID
 * namespace: nothing is mounted on the host, so nothing can be left mounted after a failure or
 * Ctrl-C, and any daemon a maintainer script starts dies with the namespace. It keeps only the
 * capabilities of core/sandbox.ts: a postprocess script is root in the tree, but cannot mount,
 * make device nodes, load modules or open files by handle to reach the host.
 */
import type { StepContext } from '../core/context.ts';
import { sourceDateEpoch } from '../core/epoch.ts';
import { type RunOptions, type RunResult, run } from '../core/run.ts';
import { capabilityArgs, procArgs } from '../core/sandbox.ts';

export interface InRootOptions extends Pick<RunOptions, 'okCodes' | 'input' | 'quietStdout'> {
  /** Share the host's network (default: none, like postprocess scripts in rpm-ostree). */
  network?: boolean;
  /** Extra environment; the rest is a fixed, minimal one so host settings cannot leak in. */
  env?: Record<string, string>;
}

const BASE_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LC_ALL: 'C.UTF-8',
  DEBIAN_FRONTEND: 'noninteractive',
  // The kernel's postinst must not build an initramfs: the compose builds the one it ships.
  INITRD: 'No',
};

export function inRootArgv(root: string, argv: readonly string[], o: InRootOptions = {}): string[] {
  const env = { ...BASE_ENV, ...epochEnv(), ...o.env };
  return [
    'bwrap',
    '--bind',
    root,
    '/',
    '--dev',
    '/dev',
    ...procArgs(),
    '--ro-bind',
    '/sys',
    '/sys',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    ...(o.network ? [] : ['--unshare-net']),
    '--die-with-parent',
    ...capabilityArgs(),
    '--clearenv',
    ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--',
    ...argv,
  ];
}

export function inRoot(
  sc: StepContext,
  root: string,
  argv: readonly string[],
  o: InRootOptions = {},
): Promise<RunResult> {
  const { okCodes, input, quietStdout } = o;
  return run(sc, inRootArgv(root, argv, o), { okCodes, input, quietStdout });
}

function epochEnv(): Record<string, string> {
  const v = sourceDateEpoch();
  return v === undefined ? {} : { SOURCE_DATE_EPOCH: String(v) };
}
