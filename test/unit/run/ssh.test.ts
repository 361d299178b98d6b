import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeMachine } from '../../../src/run/machines.ts';
import { findMachine, machineStarting, sshArgv } from '../../../src/run/ssh.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const m = { sshKey: '/m/id_ed25519', sshPort: 40022, sshUser: 'root' };

/** The record a live `run` (this test process) would write for machine `name`. */
const rec = (name: string) => ({
  name,
  image: '/i.qcow2',
  pid: process.pid,
  sshPort: 1,
  sshUser: 'root',
  sshKey: '/k',
  startedAt: '2026-01-01T00:00:00Z',
});

test('ssh goes to 127.0.0.1 with the session key only, the command after --', () => {
  const a = sshArgv(m, ['particle-os', 'status']);
  assert.deepEqual(a.slice(0, 5), ['ssh', '-i', '/m/id_ed25519', '-p', '40022']);
  assert.ok(a.includes('IdentitiesOnly=yes'));
  assert.ok(a.includes('UserKnownHostsFile=/dev/null'));
  assert.deepEqual(a.slice(-4), ['root@127.0.0.1', '--', 'particle-os', 'status']);
  assert.equal(sshArgv(m, []).at(-1), 'root@127.0.0.1', 'no command: a login shell');
  assert.ok(sshArgv(m, ['true'], { probe: true }).includes('BatchMode=yes'));
});

test('the machine is found by name, or as the only one running', () => {
  const root = scratchDir('ssh-machines');
  assert.throws(() => findMachine(undefined, root), /no machine is running/);
  mkdirSync(join(root, 'a'));
  writeMachine(join(root, 'a'), rec('a'));
  assert.equal(findMachine(undefined, root).name, 'a');
  mkdirSync(join(root, 'b'));
  writeMachine(join(root, 'b'), rec('b'));
  assert.throws(() => findMachine(undefined, root), /2 machines are running \(a, b\)/);
  assert.equal(findMachine('b', root).name, 'b');
  assert.throws(() => findMachine('c', root), /no machine named c/);
});

test('ssh --wait finds a machine that run starts only after it, until the deadline', async () => {
  const root = scratchDir('ssh-starting');
  setTimeout(() => {
    mkdirSync(join(root, 'late'));
    writeMachine(join(root, 'late'), rec('late'));
  }, 1200);
  const m = await machineStarting('late', Date.now() + 10_000, root);
  assert.equal(m.name, 'late');
  await assert.rejects(machineStarting('never', Date.now() + 1500, root), /no machine named never/);
});
