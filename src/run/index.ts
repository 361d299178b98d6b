/**
 * `particle-os run IMAGE`: start a disk image in QEMU for a person to use, as `mkosi vm` does.
 * Steps: inspect the image → plan (plan.ts) → prepare the machine (directory, session SSH key,
 * overlay) → choose the accelerator → run until the guest powers off or QEMU is quit.
 *
 * The image is only ever a read-only backing file of a qcow2 overlay, so it stays unchanged.
 * The way in (an SSH key for root, console autologin) reaches the guest as systemd credentials
 * for this boot only and is never written into the image; `particle-os ssh NAME` uses the key.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Context, type StepContext, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run, start } from '../core/run.ts';
import { removeTree } from '../core/workdir.ts';
import { readPlanNextTo } from '../vm/build-plan.ts';
import { smbiosCredential } from '../vm/credentials.ts';
import { type Accel, chooseAccel, ensureUefiVars, qemuArgv } from '../vm/qemu.ts';
import { ensureMachinesRoot, liveMachine, machinesRoot, writeMachine } from './machines.ts';
import {
  AUTOLOGIN_CREDENTIAL,
  autologinDropin,
  type DiskInfo,
  planRun,
  type RunFacts,
  type RunPlan,
  type RunRequest,
  SSH_KEY_CREDENTIAL,
} from './plan.ts';
import { resetOnRaceOops } from './race-reset.ts';

export interface RunResult {
  plan: RunPlan;
  accel: Accel;
  /** QEMU's exit code: 0 after the guest powered off or `Ctrl-a x`. */
  exitCode: number;
  /** Everything the serial console printed. */
  consoleLog: string;
}

/** A kept overlay keeps its UEFI variables next to it (boot entries survive like the disk). */
function uefiVars(plan: RunPlan): string | undefined {
  return plan.overlay.persistent ? `${plan.overlay.path}.OVMF_VARS.fd` : undefined;
}

/** Inspect, plan, and (unless `dryRun`) run the machine until it stops. */
export async function runMachine(
  ctx: Context,
  req: RunRequest,
  opts: { dryRun?: boolean } = {},
): Promise<RunPlan | RunResult> {
  const facts = await step(ctx, `inspect ${req.image}`, (sc) => inspect(sc, req));
  const plan = planRun(req, facts);
  if (opts.dryRun) return plan;
  const key = await step(ctx, `prepare machine ${plan.name}`, (sc) => prepare(sc, plan, facts));
  const accel = await step(ctx, 'choose accelerator (KVM probe)', (sc) =>
    chooseAccel(
      sc,
      plan.cdrom ? plan.overlay.path : plan.image.path,
      plan.firmware,
      plan.machineDir,
      plan.cdrom,
    ),
  );
  const consoleLog = join(ctx.logDir, `console-${plan.name}.log`);
  // Under TCG the VM's owner resets it after an emulator-race oops (race-reset.ts).
  const monitorSocket = accel === 'tcg' ? join(plan.machineDir, 'monitor.sock') : undefined;
  // The value of each credential the plan names.
  const values: Record<string, string> = {
    [SSH_KEY_CREDENTIAL]: key.publicKey,
    [AUTOLOGIN_CREDENTIAL]: autologinDropin(),
  };
  const exitCode = await step(ctx, `run ${plan.name} under ${accel.toUpperCase()}`, async (sc) => {
    const argv = qemuArgv({
      disk: plan.overlay.path,
      diskFormat: 'qcow2',
      firmware: plan.firmware,
      accel,
      serialLog: consoleLog,
      terminal: plan.console === 'terminal',
      work: plan.machineDir,
      uefiVars: uefiVars(plan),
      memoryMiB: plan.memoryMiB,
      cpus: plan.cpus,
      snapshot: false,
      reboot: true,
      network: true,
      forwards: [{ hostPort: plan.ssh.port, guestPort: 22 }],
      oemStrings: plan.credentials.map((name) => smbiosCredential(name, values[name] as string)),
      cdrom: plan.cdrom,
      monitorSocket,
    });
    sc.reporter.info(
      [
        plan.cdrom
          ? `machine ${plan.name}: installer ${plan.cdrom} in the DVD drive under ${accel.toUpperCase()}, ${plan.firmware.toUpperCase()}; it installs onto the blank disk ${plan.overlay.path}${plan.overlay.persistent ? ' (kept: particle-os run it afterwards)' : ' (thrown away)'}`
          : `machine ${plan.name}: ${plan.image.path} under ${accel.toUpperCase()}, ${plan.firmware.toUpperCase()}, writes go to ${plan.overlay.path}${plan.overlay.persistent ? ' (kept)' : ' (thrown away)'}`,
        `  log in: particle-os ssh ${plan.name}  (root, key of this session, 127.0.0.1:${plan.ssh.port}; the image needs openssh-server)`,
        `  console log: ${consoleLog}${plan.autologin ? '; root is logged in on the console' : ''}${plan.console === 'terminal' ? '; Ctrl-a x quits' : ''}`,
      ].join('\n'),
    );
    const vm = start(sc, argv, {
      terminal: plan.console === 'terminal',
      killGraceSeconds: 5,
    });
    writeMachine(plan.machineDir, {
      name: plan.name,
      image: plan.image.path,
      pid: process.pid,
      sshPort: plan.ssh.port,
      sshUser: plan.ssh.user,
      sshKey: key.privateKey,
      startedAt: new Date().toISOString(),
    });
    const guard = monitorSocket
      ? resetOnRaceOops({ consoleLog, monitorSocket, warn: (m) => sc.reporter.warn(m) })
      : undefined;
    try {
      return (await vm.done).code;
    } finally {
      guard?.stop();
    }
  });
  return { plan, accel, exitCode, consoleLog };
}

async function inspect(sc: StepContext, req: RunRequest): Promise<RunFacts> {
  if (!existsSync(req.image)) throw new UsageError(`image not found: ${req.image}`);
  const st = statSync(req.image);
  if (!st.isFile()) throw new UsageError(`${req.image}: not a regular file`);
  const image = { ...(await diskInfo(sc, req.image)), size: st.size, mtimeMs: st.mtimeMs };
  let overlay: DiskInfo | undefined;
  let overlayBase: RunFacts['overlayBase'];
  if (req.persist && existsSync(req.persist)) {
    overlay = await diskInfo(sc, req.persist);
    overlayBase = readJson(`${req.persist}.json`) as RunFacts['overlayBase'];
  }
  return {
    image,
    overlay,
    overlayBase,
    planUsers: planUsers(req.image),
    sshPort: await freePort(),
    machinesRoot: machinesRoot(),
  };
}

/** `qemu-img info` without opening any backing file (-U: also while another VM uses it). */
async function diskInfo(sc: StepContext, path: string): Promise<DiskInfo> {
  const r = await run(sc, ['qemu-img', 'info', '-U', '--output=json', path]);
  const j = JSON.parse(r.stdout) as {
    format: string;
    'virtual-size': number;
    'full-backing-filename'?: string;
    'backing-filename'?: string;
    'backing-filename-format'?: string;
  };
  return {
    format: j.format,
    virtualSize: j['virtual-size'],
    backing: j['full-backing-filename'] ?? j['backing-filename'],
    backingFormat: j['backing-filename-format'],
  };
}

/** The users the build plan next to the image lists; undefined without a readable plan. */
function planUsers(image: string): string[] | undefined {
  try {
    const plan = readPlanNextTo(image);
    return plan && (plan.users ?? []).map((u) => u.name);
  } catch {
    return undefined; // not JSON: as if there were none
  }
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A TCP port on 127.0.0.1 nothing listens on right now (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * The machine's directory (owned by this run: removed when it ends), a fresh ed25519 key for
 * this session, and the overlay (created over the image unless a --persist one exists).
 */
async function prepare(
  sc: StepContext,
  plan: RunPlan,
  facts: RunFacts,
): Promise<{ publicKey: string; privateKey: string }> {
  ensureMachinesRoot(facts.machinesRoot);
  const dir = plan.machineDir;
  const running = liveMachine(dir);
  if (running)
    throw new UsageError(
      `a machine named ${plan.name} is already running (particle-os run, pid ${running.pid}); stop it or pass --name`,
    );
  removeTree(dir); // stale: its owner is gone
  mkdirSync(dir, { mode: 0o700 });
  sc.scope.defer(`machine ${plan.name}`, () => removeTree(dir));
  const privateKey = join(dir, 'id_ed25519');
  await run(sc, [
    'ssh-keygen',
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    `particle-os-run@${plan.name}`,
    '-f',
    privateKey,
  ]);
  if (plan.overlay.create) {
    const blank = plan.overlay.blankBytes;
    // An installer's blank target disk, or an overlay reading unwritten blocks from the image.
    const tail =
      blank !== undefined
        ? [plan.overlay.path, String(blank)]
        : ['-F', plan.image.format, '-b', plan.image.path, plan.overlay.path];
    await run(sc, ['qemu-img', 'create', '-q', '-f', 'qcow2', ...tail]);
    if (plan.overlay.persistent && blank === undefined)
      writeFileSync(
        `${plan.overlay.path}.json`,
        `${JSON.stringify({ image: plan.image.path, size: facts.image.size, mtimeMs: facts.image.mtimeMs })}\n`,
      );
  }
  ensureUefiVars({ firmware: plan.firmware, work: plan.machineDir, uefiVars: uefiVars(plan) });
  return { publicKey: readFileSync(`${privateKey}.pub`, 'utf8').trim(), privateKey };
}
