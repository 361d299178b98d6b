import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  liveMachine,
  machinesRoot,
  nameFromImage,
  processAlive,
  writeMachine,
} from '../../../src/run/machines.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('machine names come from the image file name, made safe', () => {
  assert.equal(nameFromImage('/x/debian-minimal.qcow2'), 'debian-minimal');
  assert.equal(nameFromImage('/x/my disk (1).raw'), 'my-disk--1-');
  assert.equal(nameFromImage('/x/..qcow2'), 'machine');
  assert.equal(nameFromImage('/x/.hidden.vmdk'), 'hidden');
});

test('machines live under XDG_RUNTIME_DIR when there is one', () => {
  assert.equal(
    machinesRoot({ XDG_RUNTIME_DIR: '/run/user/1000' }),
    '/run/user/1000/particle-os/machines',
  );
});

test('a machine whose run process is gone is not live', () => {
  const dir = join(scratchDir('machines'), 'm');
  mkdirSync(dir);
  const rec = {
    name: 'm',
    image: '/i.qcow2',
    pid: process.pid,
    sshPort: 1,
    sshUser: 'root',
    sshKey: '/k',
    startedAt: new Date().toISOString(),
  };
  writeMachine(dir, rec);
  assert.deepEqual(liveMachine(dir), rec);
  // PIDs above the kernel's pid_max (4194304 at most) never exist.
  writeMachine(dir, { ...rec, pid: 4_194_305 });
  assert.equal(processAlive(4_194_305), false);
  assert.equal(liveMachine(dir), undefined);
});
