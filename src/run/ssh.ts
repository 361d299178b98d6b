/**
 * `particle-os ssh [NAME] [-- COMMAND…]`: log in to a machine `particle-os run` started, as
 * root over the forwarded port with the session's key (like `mkosi ssh`). The guest's host key
 * is new on every first boot of an overlay, so it is neither checked nor remembered: the
 * connection only ever goes to 127.0.0.1, to the port this run's QEMU holds.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, step } from '../core/context.ts';
import { ParticleError, UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import {
  liveMachine,
  type MachineRecord,
  machineDir,
  machinesRoot,
  processAlive,
} from './machines.ts';

/** ssh's own exit code for "could not connect or log in" (ssh(1)). */
export const SSH_FAILED = 255;

/** The ssh command line for a machine; `command` words are passed on as ssh passes them. */
export function sshArgv(
  m: Pick<MachineRecord, 'sshKey' | 'sshPort' | 'sshUser'>,
  command: string[],
  opts: { probe?: boolean } = {},
): string[] {
  return [
    'ssh',
    '-i',
    m.sshKey,
    '-p',
    String(m.sshPort),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    ...(opts.probe ? ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'] : []),
    `${m.sshUser}@127.0.0.1`,
    ...(command.length ? ['--', ...command] : []),
  ];
}

/** The running machine called `name`, or the only one when no name is given. */
export function findMachine(name: string | undefined, root = machinesRoot()): MachineRecord {
  if (name) {
    const m = liveMachine(machineDir(name, root));
    if (!m) throw new UsageError(`no machine named ${name} is running (see particle-os run)`);
    return m;
  }
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    // No machine ever ran.
  }
  const live = names.flatMap((n) => liveMachine(join(root, n)) ?? []);
  if (live.length === 1) return live[0] as MachineRecord;
  if (live.length === 0)
    throw new UsageError('no machine is running (start one with particle-os run IMAGE)');
  throw new UsageError(
    `${live.length} machines are running (${live.map((m) => m.name).join(', ')}): name one`,
  );
}

/**
 * The machine, once its `run` has started QEMU (`run` and `ssh --wait` may be started at the
 * same moment, as in a script): findMachine, retried every second until `deadline`.
 */
export async function machineStarting(
  name: string | undefined,
  deadline: number,
  root = machinesRoot(),
): Promise<MachineRecord> {
  while (true) {
    try {
      return findMachine(name, root);
    } catch (e) {
      if (!(e instanceof UsageError) || Date.now() > deadline) throw e;
    }
    await sleep(1000);
  }
}

/**
 * With `waitSeconds`, wait until the machine has started and its SSH server lets the session
 * key in (polling every 3 s); then run ssh attached to the terminal. Returns ssh's exit code (the remote command's, or 255).
 * Errors: UsageError when no such machine runs; ParticleError when it stops or SSH does not
 * answer within `waitSeconds`.
 */
export async function sshToMachine(
  ctx: Context,
  o: { name?: string; command: string[]; waitSeconds: number },
): Promise<number> {
  const deadline = Date.now() + o.waitSeconds * 1000;
  const m = o.waitSeconds > 0 ? await machineStarting(o.name, deadline) : findMachine(o.name);
  if (o.waitSeconds > 0)
    await step(ctx, `wait for SSH on ${m.name} (127.0.0.1:${m.sshPort})`, async (sc) => {
      while (true) {
        const r = await run(sc, sshArgv(m, ['true'], { probe: true }), {
          okCodes: [0, SSH_FAILED],
        });
        if (r.code === 0) return;
        if (!processAlive(m.pid)) throw new ParticleError(`machine ${m.name} stopped`);
        if (Date.now() > deadline)
          throw new ParticleError(
            `machine ${m.name}: SSH did not let the session key in within ${o.waitSeconds}s (does the image have openssh-server?)`,
          );
        await sleep(3000);
      }
    });
  return step(ctx, `ssh ${m.name}`, async (sc) => {
    const all = Array.from({ length: 256 }, (_, i) => i);
    return (await run(sc, sshArgv(m, o.command), { terminal: true, okCodes: all })).code;
  });
}
