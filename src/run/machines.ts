/**
 * The machines `particle-os run` has started, as `particle-os ssh` finds them: one directory
 * per machine name under a runtime directory (`$XDG_RUNTIME_DIR/particle-os/machines`, or
 * `/run/particle-os/machines` for root), holding `machine.json` and the session's SSH key. The
 * `run` process owns the directory and removes it when the VM stops; a directory whose owner is
 * gone (the host lost power, `kill -9`) is stale and replaced by the next `run` of that name.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../core/errors.ts';

/** What `machine.json` records about a running machine. */
export interface MachineRecord {
  name: string;
  /** The image the VM runs (its overlay's backing file). */
  image: string;
  /** The `particle-os run` process that owns the VM. */
  pid: number;
  /** The host port on 127.0.0.1 forwarded to the guest's SSH port 22. */
  sshPort: number;
  sshUser: string;
  /** Private key of this session (ed25519, made by ssh-keygen when the machine started). */
  sshKey: string;
  /** ISO 8601 UTC. */
  startedAt: string;
}

/** Machine names: what a directory and an SSH comment can hold, nothing a path could abuse. */
export const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Where machine directories live (created 0700 when first used). */
export function machinesRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'particle-os', 'machines');
  if (process.getuid?.() === 0) return '/run/particle-os/machines';
  return join(tmpdir(), `particle-os-${process.getuid?.() ?? 'user'}`, 'machines');
}

export function machineDir(name: string, root = machinesRoot()): string {
  if (!MACHINE_NAME.test(name))
    throw new UsageError(
      `machine name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' (at most 64, not starting with a punctuation mark)`,
    );
  return join(root, name);
}

/** The default machine name: the image's file name without its extension, made valid. */
export function nameFromImage(image: string): string {
  const base = (image.split('/').pop() ?? 'machine').replace(/\.(qcow2|raw|img|vmdk|vdi|iso)$/, '');
  const clean = base.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return clean.slice(0, 64) || 'machine';
}

/** True while the process exists (signal 0 probes without delivering anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record in `dir`; undefined while there is none (run writes it once QEMU started). */
export function readMachine(dir: string): MachineRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'machine.json'), 'utf8')) as MachineRecord;
  } catch {
    return undefined;
  }
}

/** The record of a machine whose `run` process is still alive, else undefined. */
export function liveMachine(dir: string): MachineRecord | undefined {
  const m = readMachine(dir);
  return m && processAlive(m.pid) ? m : undefined;
}

export function writeMachine(dir: string, m: MachineRecord): void {
  writeFileSync(join(dir, 'machine.json'), `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
}

/** Make the machines root private (keys live below it). */
export function ensureMachinesRoot(root: string): void {
  mkdirSync(root, { recursive: true, mode: 0o700 });
}
