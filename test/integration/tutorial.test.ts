/**
 * docs/tutorial.md, for real: its `sh` blocks, extracted exactly as a reader would copy them,
 * run in order with bash in the repository (they install packages, compose, build, boot and
 * run the image by hand through `run` and `ssh`, writing everything under tutorial/). Needs
 * root; about 15 minutes
 * under TCG. tutorial/ is removed first so every output checked here is fresh, and left
 * behind afterwards for inspection.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tutorialScript } from '../../scripts/extract-tutorial.ts';
import { machinesRoot } from '../../src/run/machines.ts';
import { scratchDir } from '../helpers/scratch.ts';

/**
 * Run the script as a reader would (from a file, stdin not the script: `particle-os ssh`
 * forwards stdin to the guest), in a process group of its own, so that whatever it left in
 * the background (the web server, a VM after a failure) is stopped when bash ends.
 */
function runScript(script: string): Promise<{ status: number | null; stdout: string }> {
  const file = join(scratchDir('tutorial-script'), 'tutorial.sh');
  writeFileSync(file, script);
  return new Promise((resolve) => {
    const child = spawn('bash', [file], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let stdout = '';
    let status: number | null = null;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    // 'close' comes after 'exit' and after every holder of stdout (background jobs) let go.
    child.on('exit', (code) => {
      status = code;
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-(child.pid as number), sig);
          return true;
        } catch {
          return false; // the group is empty
        }
      };
      if (signal('SIGTERM')) setTimeout(() => signal('SIGKILL'), 10_000).unref();
    });
    // The group is not the test runner's: Ctrl-C (or CI stopping the run) reaches it only
    // through here; the script's `run` then stops its QEMU as it does on any SIGTERM.
    const forward = (sig: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {}
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('close', () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ status, stdout });
    });
  });
}

const isRoot = process.getuid?.() === 0;

test('the tutorial runs from start to finish', {
  skip: !isRoot && 'needs root',
  timeout: 60 * 60_000,
}, async () => {
  rmSync('tutorial', { recursive: true, force: true });
  const r = await runScript(tutorialScript(readFileSync('docs/tutorial.md', 'utf8')));
  process.stderr.write(r.stdout);
  assert.equal(r.status, 0, `the tutorial script exited ${r.status}`);

  for (const f of [
    'tutorial/repo/config',
    'tutorial/archive/summary',
    'tutorial/archive/refs/heads/debian/13/x86_64/minimal',
    'tutorial/minimal.ociarchive',
    'tutorial/images/tutorial.qcow2',
    'tutorial/images/tutorial.plan.json',
  ])
    assert.ok(existsSync(f), `${f} exists`);

  const plan = JSON.parse(readFileSync('tutorial/images/tutorial.plan.json', 'utf8'));
  assert.equal(plan.update?.url, 'http://10.0.2.2:8000/', 'the image upgrades from the archive');
  assert.match(r.stdout, /boot test BIOS \((TCG|KVM)\): PASSED/);
  assert.match(r.stdout, /ok {3}user:tux/);
  // `ostree log` after v1 and `ostree show` after v2 each print the version they see.
  const versions = [...r.stdout.matchAll(/^Version: (13\.\d{8}\.\d+)\s*$/gm)].map((m) => m[1]);
  assert.equal(versions.length, 2, `versions printed: ${versions.join(', ')}`);
  assert.notEqual(versions[0], versions[1], 'v2 is published as a new version');
  assert.match(r.stdout, /^Added:\n( {2}\S+ \S+\n)* {2}tcpdump /m, 'compose diff shows tcpdump');
  assert.match(r.stdout, /^[0-9a-f]{64} \(no changes\)$/m, 'the rerun changes nothing');
  // Section 7's upgrade-test is a console block (test/slow/upgrade-ostree.test.ts runs it):
  // the same story is walked by hand in section 8, which runs here.
  assert.doesNotMatch(r.stdout, /upgrade test: /);

  // Section 8, by hand through `particle-os run` and `particle-os ssh`: the booted version in
  // each `particle-os status` (v1; v1 with v2 next; v2 after the reboot; v1 after the rollback).
  const [first, second] = versions as [string, string];
  // Everything after section 6's no-change rerun.
  const byHand = r.stdout.slice(r.stdout.search(/^[0-9a-f]{64} \(no changes\)$/m));
  const booted = [...byHand.matchAll(/^Booted:\n(?: {2}.*\n)*? {2}version {3}(\S+)/gm)].map(
    (m) => m[1],
  );
  assert.deepEqual(booted, [first, first, second, first], 'booted versions seen over ssh');
  assert.match(byHand, /^Staged \(next boot\):\n(?: {2}.*\n)*? {2}version {3}/m);
  assert.match(byHand, /10\.0\.2\.15\//, 'DHCP gave the guest its address');
  assert.match(byHand, /^debian$/m, 'the remote is the update URL');
  assert.match(byHand, /^tcpdump version \d/m, 'tcpdump runs on v2');
  assert.match(byHand, /^tcpdump:x:/m, 'its system user exists');
  assert.match(byHand, /^kept across upgrades$/m, 'the /etc change survived the upgrade');
  assert.match(byHand, /^tcpdump: gone after the rollback$/m);
  assert.ok(existsSync('tutorial/vm.qcow2'), 'the persistent overlay is kept');
  assert.match(byHand, /^tutorial\/images\/tutorial\.qcow2: OK$/m, 'the image was never written');
  assert.ok(!existsSync(join(machinesRoot(), 'tutorial')), 'run removed its machine');
  const qemu = spawnSync('pgrep', ['-f', 'qemu-system.*tutorial/vm.qcow2'], { encoding: 'utf8' });
  assert.equal(qemu.stdout, '', 'no QEMU left running');
});
