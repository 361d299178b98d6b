import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.ts';
import { autologinDropin, planRun, type RunFacts, type RunRequest } from '../../../src/run/plan.ts';

const req: RunRequest = {
  image: '/images/debian-minimal.qcow2',
  firmware: 'bios',
  memoryMiB: 2048,
  cpus: 2,
  console: 'terminal',
};
const facts: RunFacts = {
  image: { format: 'qcow2', virtualSize: 10 * 2 ** 30, size: 900e6, mtimeMs: 1000 },
  sshPort: 40022,
  machinesRoot: '/run/particle-os/machines',
};

test('a throw-away overlay in the machine directory, named after the image, SSH forwarded', () => {
  const p = planRun(req, facts);
  assert.equal(p.name, 'debian-minimal');
  assert.equal(p.machineDir, '/run/particle-os/machines/debian-minimal');
  assert.deepEqual(p.overlay, {
    path: '/run/particle-os/machines/debian-minimal/overlay.qcow2',
    persistent: false,
    create: true,
  });
  assert.deepEqual(p.ssh, { host: '127.0.0.1', port: 40022, user: 'root' });
  assert.deepEqual(p.image, { path: req.image, format: 'qcow2', virtualSize: 10 * 2 ** 30 });
});

test('console autologin only when the build plan lists no user, unless asked', () => {
  assert.equal(planRun(req, facts).autologin, true, 'no plan next to the image');
  assert.equal(planRun(req, { ...facts, planUsers: [] }).autologin, true);
  const withUser = { ...facts, planUsers: ['tux'] };
  assert.equal(planRun(req, withUser).autologin, false);
  assert.deepEqual(planRun(req, withUser).credentials, ['ssh.authorized_keys.root']);
  assert.equal(planRun({ ...req, autologin: true }, withUser).autologin, true);
  assert.equal(planRun({ ...req, autologin: false }, facts).autologin, false);
  assert.deepEqual(planRun(req, facts).credentials, [
    'ssh.authorized_keys.root',
    'systemd.unit-dropin.serial-getty@ttyS0.service~particle-os-autologin',
  ]);
});

test('the autologin drop-in replaces agetty’s command line and nothing else', () => {
  const d = autologinDropin();
  assert.match(d, /^\[Service\]\nExecStart=\nExecStart=-\/sbin\/agetty --autologin root /);
  assert.equal(d.split('\n').filter((l) => l.startsWith('ExecStart=')).length, 2);
});

test('refused: formats QEMU would have to guess, images with a backing file', () => {
  assert.throws(
    () => planRun(req, { ...facts, image: { ...facts.image, format: 'luks' } }),
    (e: Error) => e instanceof UsageError && /reads it as luks/.test(e.message),
  );
  assert.throws(
    () => planRun(req, { ...facts, image: { ...facts.image, backing: '/etc/shadow' } }),
    (e: Error) => e instanceof UsageError && /another file \(\/etc\/shadow\)/.test(e.message),
  );
});

test('--persist: created on first use, reused only over the same unchanged image', () => {
  const persist = { ...req, persist: '/vm/keep.qcow2' };
  assert.deepEqual(planRun(persist, facts).overlay, {
    path: '/vm/keep.qcow2',
    persistent: true,
    create: true,
  });
  const overlay = { format: 'qcow2', virtualSize: 1, backing: req.image, backingFormat: 'qcow2' };
  const base = { image: req.image, size: 900e6, mtimeMs: 1000 };
  assert.equal(
    planRun(persist, { ...facts, overlay, overlayBase: base }).overlay.create,
    false,
    'an existing overlay of this image is reused',
  );
  assert.throws(
    () => planRun(persist, { ...facts, overlay, overlayBase: { ...base, mtimeMs: 2000 } }),
    /changed since the overlay was made/,
  );
  assert.throws(
    () => planRun(persist, { ...facts, overlay: { ...overlay, backing: '/other.qcow2' } }),
    /not a qcow2 overlay of/,
  );
  assert.throws(
    () => planRun(persist, { ...facts, overlay: { format: 'raw', virtualSize: 1 } }),
    /not a qcow2 overlay of/,
  );
});

test('a machine name that could leave the machines directory is refused', () => {
  for (const name of ['../etc', 'a/b', '.hidden', ''])
    assert.throws(() => planRun({ ...req, name }, facts), UsageError, name);
});

test('an installer ISO: in the DVD drive, with a blank 20 GiB disk to install onto', () => {
  const iso = { ...req, image: '/images/debian-minimal.iso' };
  const isoFacts: RunFacts = {
    ...facts,
    image: { format: 'raw', virtualSize: 600e6, size: 600e6, mtimeMs: 1000 },
  };
  const p = planRun(iso, isoFacts);
  assert.equal(p.cdrom, iso.image);
  assert.deepEqual(p.overlay, {
    path: '/run/particle-os/machines/debian-minimal/disk.qcow2',
    persistent: false,
    create: true,
    blankBytes: 20 * 2 ** 30,
  });
  const kept = planRun({ ...iso, persist: '/vm/installed.qcow2' }, isoFacts);
  assert.deepEqual(kept.overlay, {
    path: '/vm/installed.qcow2',
    persistent: true,
    create: true,
    blankBytes: 20 * 2 ** 30,
  });
  // A kept disk from an earlier run is reused; an overlay of some image is not that.
  const again = planRun(
    { ...iso, persist: '/vm/installed.qcow2' },
    { ...isoFacts, overlay: { format: 'qcow2', virtualSize: 20 * 2 ** 30 } },
  );
  assert.equal(again.overlay.create, false);
  assert.throws(
    () =>
      planRun(
        { ...iso, persist: '/vm/x.qcow2' },
        { ...isoFacts, overlay: { format: 'qcow2', virtualSize: 1, backing: '/etc/shadow' } },
      ),
    (e: Error) =>
      e instanceof UsageError && /not the disk of an earlier installer run/.test(e.message),
  );
  assert.throws(
    () => planRun(iso, { ...isoFacts, image: { ...isoFacts.image, format: 'qcow2' } }),
    /not an ISO image/,
  );
});
