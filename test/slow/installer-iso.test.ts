/**
 * The installer ISO under BIOS, and its refusals (CI boots it under UEFI, in the pipeline test):
 *  - a blank 8 GiB disk: the ISO boots from the DVD drive (El Torito BIOS), installs the minimal
 *    image with the installer recipe (XFS root, alice) and powers off; the disk alone passes every
 *    boot check, its root spans the disk, alice logs in;
 *  - the same disk again (it now holds partitions) with `installer.wipe: false`: the installer
 *    passes it over, says why on the console, installs nothing and stays up with a login.
 * Two ISO boots under TCG (~10 minutes), so it runs with `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tcgTextPatchingOops } from '../../src/verify/boot-test.ts';
import { TCG_CPU } from '../../src/vm/qemu.ts';
import { bootTestInstallerIso, buildInstallerIso } from '../helpers/installer-iso.ts';
import { outputDir } from '../helpers/scratch.ts';

const isRoot = process.getuid?.() === 0;

function particleOs(args: string[]) {
  return spawnSync('./bib/particle-os', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/**
 * Boot the ISO with `disk` attached (writes discarded) until `done` (or a kernel panic) shows
 * on the console or ten minutes pass, then stop QEMU; returns the console.
 */
async function bootUntil(iso: string, disk: string, log: string, done: RegExp): Promise<string> {
  const vm = spawn('qemu-system-x86_64', [
    ...['-machine', 'q35', '-accel', 'tcg', '-cpu', TCG_CPU, '-smp', '2', '-m', '4096'],
    ...['-display', 'none', '-no-reboot', '-nic', 'none', '-monitor', 'none'],
    ...['-serial', `file:${log}`],
    ...['-drive', `file=${iso},format=raw,media=cdrom,if=none,id=dvd,readonly=on`],
    ...['-device', 'ide-cd,drive=dvd,bus=ide.0,bootindex=0'],
    ...['-drive', `file=${disk},format=raw,if=virtio,snapshot=on`],
  ]);
  const exited = new Promise((r) => vm.on('exit', r));
  const read = () => (existsSync(log) ? readFileSync(log, 'latin1') : '');
  try {
    const over = new RegExp(`${done.source}|Kernel panic - not syncing`);
    for (let waited = 0; waited < 600_000 && !over.test(read()); waited += 2000)
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    await new Promise((r) => setTimeout(r, 5000)); // the lines after it
  } finally {
    vm.kill('SIGKILL');
    await exited;
  }
  return read();
}

test('installer ISO under BIOS: installs onto a blank disk; passes over a disk that holds partitions', {
  skip: !isRoot && 'needs root',
  timeout: 45 * 60_000,
}, async () => {
  const dir = outputDir('iso-bios');
  const repo = join(dir, 'repo');
  const archive = join(dir, 'minimal.ociarchive');
  assert.equal(
    particleOs(['compose', 'tree', 'treefiles/debian-minimal.yaml', '--repo', repo]).status,
    0,
  );
  assert.equal(
    particleOs([
      'container',
      'build',
      '--repo',
      repo,
      'debian/13/x86_64/minimal',
      '--output',
      `oci-archive:${archive}`,
    ]).status,
    0,
  );
  const iso = buildInstallerIso(archive, dir);
  const disk = join(dir, 'target.raw');
  bootTestInstallerIso(iso.file, 'bios', disk);

  // The ISO again, with the installed disk attached (writes discarded): without installer.wipe
  // the automatic choice passes over a disk that is not blank, so there is none to install onto.
  const again = () => bootUntil(iso.file, disk, join(dir, 'again.log'), /installation failed/);
  let log = await again();
  // The emulator's text-patching race (boot-test retries it the same way, once).
  if (tcgTextPatchingOops(log)) log = await again();
  assert.match(
    log,
    /no disk to install onto: \/dev\/vda is not blank \(gpt, PMBR; installer\.wipe: true allows overwriting it\)/,
  );
  assert.match(log, /particle-os-installer: the installation failed \(exit 2\)/);
});
