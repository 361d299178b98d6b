/**
 * The whole product, for real: compose the minimal treefile with mmdebstrap, commit it, package
 * it as a bootc OCI archive, build a BIOS+UEFI disk and boot it in QEMU (UEFI here; the
 * installed Btrfs disk below and the tutorial test boot BIOS). Passes only if every in-guest
 * check passes. Needs root and the host tools (.ci/run installs
 * them); takes a few minutes under TCG.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { InstallResult } from '../../src/workflows/install.ts';
import type { PipelineResult } from '../../src/workflows/pipeline.ts';
import { bootTestInstallerIso, buildInstallerIso } from '../helpers/installer-iso.ts';
import { outputDir } from '../helpers/scratch.ts';

const isRoot = process.getuid?.() === 0;

/** The CLI from this checkout: stdout captured (JSON), stderr to the test's own or captured. */
function particleOs(args: string[], stderr: 'inherit' | 'pipe' = 'inherit') {
  return spawnSync('./bib/particle-os', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', stderr],
  });
}

type BootTest = PipelineResult['bootTests'][number];
const failedChecks = (b: Pick<BootTest, 'checks'>): string[] =>
  b.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);

/** The pipeline test's bootc image, for the installer ISO test after it. */
let pipelineArchive: string | undefined;

/** debian-minimal plus a postprocess script (setcap), kernel-args and remove-files. */
const TREEFILE = 'test/fixtures/treefiles/pipeline.yaml';
/** A recipe using every key (an XFS root). */
const FULL_RECIPE = 'test/fixtures/recipes/full.yml';

/** Debian's docker-registry on a free loopback port, storing into `dir`. */
async function startRegistry(dir: string): Promise<{ port: number; stop: () => void }> {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const config = join(dir, 'registry.yml');
  writeFileSync(
    config,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'registry')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = spawnSync('curl', ['-sf', `http://127.0.0.1:${port}/v2/`]).status === 0;
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, stop: () => child.kill() };
}

/** Start the CLI; resolves with its exit code/signal and stderr, `onLine` sees stderr lines. */
function particleOsAsync(
  args: string[],
  env: Record<string, string>,
  onLine: (line: string, pid: number) => void = () => {},
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn('./bib/particle-os', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const line of d.split('\n')) onLine(line, child.pid as number);
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
}

const refOf = (repo: string, ref: string) =>
  spawnSync('ostree', ['rev-parse', `--repo=${repo}`, ref], { encoding: 'utf8' }).stdout.trim();

/**
 * On a copy of the repo: +1 package goes incremental (the cached tree, the cached initramfs);
 * Ctrl-C during the install and a crash (everything SIGKILLed) during the commit leave the ref
 * where it was and the repo passing fsck; the retry then lands on top of the old commit.
 * (The booted incremental case is the tutorial's v2.)
 */
async function incrementalAndInterrupted(out: string, built: string, v1: string): Promise<void> {
  const repo = join(out, 'repo-interrupt');
  assert.equal(spawnSync('cp', ['-a', built, repo]).status, 0);
  const v2 = join(out, 'v2.yaml');
  writeFileSync(v2, `include: ${join(process.cwd(), TREEFILE)}\npackages: [tree]\n`);
  const ref = 'debian/13/x86_64/minimal';
  const tmp = mkdtempSync(join(out, 'tmp-'));
  const args = ['compose', 'tree', v2, '--repo', repo];
  const stuck = () =>
    spawnSync('pgrep', ['-f', `bwrap --bind ${tmp}|ostree commit --repo=${repo}`]).stdout.length;

  // Ctrl-C while apt installs inside the tree: exit 130, no work dir, nothing left running.
  let sent = false;
  const int = await particleOsAsync(args, { TMPDIR: tmp }, (line, pid) => {
    if (!sent && line.startsWith('==> reuse the cached tree')) {
      sent = true;
      setTimeout(() => process.kill(pid, 'SIGINT'), 3000);
    }
  });
  assert.ok(sent, `the compose went incremental:\n${int.stderr}`);
  assert.match(int.stderr, /reuse the cached tree, install 1 more package\b/);
  assert.equal(int.code, 130, int.stderr);
  const workDirs = readdirSync(tmp).filter((n) => n.startsWith('particle-os-'));
  assert.deepEqual(workDirs, [], 'work dir removed'); // (tsx keeps its own cache there)
  assert.equal(stuck(), 0, 'no bwrap or ostree left running');
  assert.equal(refOf(repo, ref), v1);

  // A crash in the middle of `ostree commit`: the CLI and the commit killed at once.
  let killed = false;
  const crash = await particleOsAsync(args, { TMPDIR: tmp }, (line, pid) => {
    if (!killed && line.startsWith('==> commit')) {
      killed = true;
      setTimeout(() => {
        spawnSync('pkill', ['-KILL', '-f', `ostree commit --repo=${repo}`]);
        process.kill(pid, 'SIGKILL');
      }, 1000);
    }
  });
  assert.ok(killed, crash.stderr);
  assert.match(crash.stderr, /initramfs unchanged: reused from the cached tree/);
  assert.equal(crash.signal, 'SIGKILL');
  assert.equal(refOf(repo, ref), v1, 'the ref is untouched');
  const fsck = spawnSync('ostree', ['fsck', `--repo=${repo}`], { encoding: 'utf8' });
  assert.equal(fsck.status, 0, `ostree fsck after the crash: ${fsck.stderr}`);

  // The retry takes over the dead compose's lock and commits on top of v1. The crashed run had
  // already cached its installed tree (pipeline + tree) and initramfs: the retry reuses both.
  const retry = await particleOsAsync(args, {});
  assert.equal(retry.code, 0, retry.stderr);
  assert.match(retry.stderr, /reuse the cached tree \(same packages\)/);
  assert.match(retry.stderr, /initramfs unchanged: reused from the cached tree/);
  const v2commit = refOf(repo, ref);
  assert.notEqual(v2commit, v1);
  const parent = spawnSync('ostree', ['rev-parse', `--repo=${repo}`, `${ref}^`], {
    encoding: 'utf8',
  });
  assert.equal(parent.stdout.trim(), v1);
  const tree = spawnSync('ostree', ['ls', `--repo=${repo}`, ref, '/usr/bin/tree']);
  assert.equal(tree.status, 0, 'the added package is in the commit');
  process.stderr.write(`incremental compose: ${retry.stderr.match(/✓ commit.*$/m)?.[0] ?? ''}\n`);
}

/**
 * The hostile treefile of issue #13, through the CLI: a postprocess script links a tree path to
 * a directory of the build host, and remove-files names a file through that link. The compose
 * must fail naming the key, with the host's file and the ref untouched.
 */
function hostileTreefile(out: string, repo: string, ref: string): void {
  const host = mkdtempSync(join(out, 'host-'));
  writeFileSync(join(host, 'canary'), 'canary\n');
  const file = join(out, 'hostile.yaml');
  writeFileSync(
    file,
    `include: ${join(process.cwd(), TREEFILE)}\n# The package set the cached tree has (see incrementalAndInterrupted): no bootstrap.\npackages: [tree]\npostprocess:\n  - ln -s ${host} /usr/lib/x\nremove-files:\n  - usr/lib/x/canary\n`,
  );
  const before = refOf(repo, ref);
  const r = particleOs(['compose', 'tree', file, '--repo', repo], 'pipe');
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /hostile\.yaml: remove-files\[1\]: usr\/lib\/x\/canary does not exist in the tree/,
  );
  assert.equal(
    readFileSync(join(host, 'canary'), 'utf8'),
    'canary\n',
    'the host file is still there',
  );
  assert.equal(refOf(repo, ref), before, 'nothing committed');
}

test('pipeline: minimal treefile → commit → bootc image → disk (full recipe, XFS root) → UEFI boot; registry round trip; the full recipe in four formats; install to-disk onto an 8 GiB file with a Btrfs root → BIOS boot', {
  skip: !isRoot && 'needs root',
  timeout: 40 * 60_000,
}, async () => {
  const out = outputDir('pipeline');
  // Two boots cover what CI boots besides the tutorial (which boots ext4 under BIOS four
  // times): UEFI with an XFS root here, BIOS with a Btrfs root on the installed disk below.
  // Every check that does not depend on the disk runs in one of them.
  const r = particleOs([
    'pipeline',
    TREEFILE,
    '--recipe',
    FULL_RECIPE,
    '--output',
    out,
    '--type',
    'qcow2',
    '--firmware',
    'uefi',
    '--json',
  ]);
  assert.equal(r.status, 0, `pipeline exited ${r.status}`);
  const result = JSON.parse(r.stdout) as PipelineResult;
  pipelineArchive = result.container.archive;

  // compose: a commit in a repo that fsck finds clean
  assert.match(result.compose.commit, /^[0-9a-f]{64}$/);
  const fsck = spawnSync('ostree', ['fsck', `--repo=${join(out, 'repo')}`], { encoding: 'utf8' });
  assert.equal(fsck.status, 0, `ostree fsck: ${fsck.stderr}`);

  // Compose again: same treefile, same archive → "no changes", the same commit, nothing built.
  // With --write-lockfile the package set is resolved (and written) but still equals the hash.
  const repo = join(out, 'repo');
  const lockfile = join(out, 'minimal.lock.json');
  const started = Date.now();
  const again = particleOs(['compose', 'tree', TREEFILE, '--repo', repo, '--json'], 'pipe');
  const againSeconds = (Date.now() - started) / 1000;
  assert.equal(again.status, 0, again.stderr);
  const unchanged = JSON.parse(again.stdout) as { commit: string; unchanged: boolean };
  assert.equal(unchanged.unchanged, true, 'no changes');
  assert.equal(unchanged.commit, result.compose.commit);
  assert.match(again.stderr, /no changes/);
  const locked = particleOs([
    'compose',
    'tree',
    TREEFILE,
    '--repo',
    repo,
    '--write-lockfile',
    lockfile,
    '--json',
  ]);
  assert.equal(locked.status, 0);
  assert.equal((JSON.parse(locked.stdout) as { unchanged: boolean }).unchanged, true);
  const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as {
    packages: { name: string; version: string; sha256: string }[];
  };
  assert.ok(lock.packages.some((p) => p.name === 'linux-image-amd64'));
  assert.ok(lock.packages.every((p) => /^[0-9a-f]{64}$/.test(p.sha256)));
  // A version the archive no longer has is a clear error naming it; nothing is committed.
  const gone = lock.packages.map((p) => (p.name === 'less' ? { ...p, version: '0.0-gone' } : p));
  writeFileSync(lockfile, JSON.stringify({ ...lock, packages: gone }));
  const stale = particleOs(
    ['compose', 'tree', TREEFILE, '--repo', repo, '--lockfile', lockfile],
    'pipe',
  );
  assert.equal(stale.status, 2, stale.stderr);
  assert.match(stale.stderr, /not in Debian trixie any more: less 0\.0-gone/);
  const log = spawnSync('ostree', ['log', `--repo=${repo}`, result.compose.ref], {
    encoding: 'utf8',
  });
  assert.equal(log.stdout.match(/^commit /gm)?.length, 1, 'still one commit on the ref');
  process.stderr.write(`no-change compose: ${againSeconds.toFixed(1)}s\n`);

  await incrementalAndInterrupted(out, repo, result.compose.commit);
  hostileTreefile(out, repo, result.compose.ref);

  // container: skopeo accepts the archive and sees the bootc labels
  const inspect = spawnSync('skopeo', ['inspect', `oci-archive:${result.container.archive}`], {
    encoding: 'utf8',
  });
  assert.equal(inspect.status, 0, `skopeo inspect: ${inspect.stderr}`);
  const labels = JSON.parse(inspect.stdout).Labels as Record<string, string>;
  assert.equal(labels['containers.bootc'], '1');
  assert.equal(labels['ostree.bootable'], '1');
  assert.equal(labels['ostree.commit'], result.compose.commit);
  // Chunked by package: several layers, each annotated with its packages.
  const rawManifest = spawnSync(
    'skopeo',
    ['inspect', '--raw', `oci-archive:${result.container.archive}`],
    {
      encoding: 'utf8',
    },
  );
  const manifest = JSON.parse(rawManifest.stdout) as {
    layers: { annotations?: Record<string, string> }[];
  };
  assert.ok(
    manifest.layers.length > 16 && manifest.layers.length <= 64,
    `${manifest.layers.length} layers`,
  );
  const components = manifest.layers.map(
    (l) => l.annotations?.['org.particle-os.components'] ?? '',
  );
  assert.ok(
    components.some((c) => c.split(',').includes('systemd')),
    'a layer names systemd',
  );
  assert.equal(components.at(-1), '(unowned)');

  // image: the qcow2 passes qemu-img check, the plan is written next to it
  const files = readdirSync(out);
  for (const f of ['debian-full.qcow2', 'debian-full.plan.json']) assert.ok(files.includes(f), f);
  const check = spawnSync('qemu-img', ['check', join(out, 'debian-full.qcow2')], {
    encoding: 'utf8',
  });
  assert.equal(check.status, 0, `qemu-img check: ${check.stdout}${check.stderr}`);

  // boot (UEFI): every check passed inside the guest, the full recipe's among them
  assert.deepEqual(
    result.bootTests.map((b) => b.firmware),
    ['uefi'],
  );
  const [uefi] = result.bootTests as [BootTest];
  assert.deepEqual(failedChecks(uefi), [], 'UEFI checks failed');
  assert.ok(uefi.passed, `uefi: ${uefi.problem ?? ''}`);
  for (const name of [
    'cmdline-has-ostree',
    'root-is-deployment',
    'usr-read-only',
    'system-running',
    'booted-commit',
    'karg:particle.treefile-karg=1', // the treefile's kernel-args, via the image's kargs.d
    'hostname',
    'user:alice',
    'timezone',
    'karg:quiet',
    'karg:particle.test=1',
    'root-filesystem',
  ]) {
    assert.ok(
      uefi.checks.some((c) => c.name === name && c.ok),
      `UEFI: ${name}`,
    );
  }
  assert.match(
    uefi.checks.find((c) => c.name === 'root-filesystem')?.detail ?? '',
    /^xfs/,
    'the full recipe asks for an XFS root',
  );
  assert.ok(existsSync(uefi.serialLog));
  assert.ok(result.passed);

  // Push to a registry on 127.0.0.1 (Debian's docker-registry); the digest is the archive's
  // (a rebuild from the same commit is byte-identical), and build reads it back.
  const registry = await startRegistry(out);
  try {
    const image = `docker://127.0.0.1:${registry.port}/particle-os/minimal:test`;
    const push = particleOs([
      'container',
      'build',
      '--repo',
      join(out, 'repo'),
      result.compose.ref,
      '--output',
      image,
      '--json',
    ]);
    assert.equal(push.status, 0, 'push to the registry');
    assert.equal(
      JSON.parse(push.stdout).manifestDigest,
      result.container.manifestDigest,
      'same commit, same manifest digest',
    );
    const pulled = spawnSync('skopeo', ['inspect', '--tls-verify=false', image], {
      encoding: 'utf8',
    });
    assert.equal(JSON.parse(pulled.stdout).Digest, result.container.manifestDigest);
    const plan = particleOs(
      ['build', '--base-image', image, '--dry-run', '--json', 'recipes/minimal.yml'],
      'pipe',
    );
    assert.equal(plan.status, 0, plan.stderr);
    assert.equal(JSON.parse(plan.stdout).image.manifestDigest, result.container.manifestDigest);
  } finally {
    registry.stop();
  }

  // The same bootc image and recipe in all four formats: each one holds the raw disk's bytes.
  const full = join(out, 'full');
  const build = particleOs([
    'build',
    '--base-image',
    `oci-archive:${result.container.archive}`,
    '--type',
    'raw,qcow2,vmdk,vdi',
    '--vmdk-subformat',
    'streamOptimized',
    '--output',
    full,
    '--json',
    FULL_RECIPE,
  ]);
  assert.equal(build.status, 0, `build exited ${build.status}`);
  const raw = join(full, 'debian-full.raw');
  for (const type of ['qcow2', 'vmdk', 'vdi']) {
    const f = join(full, `debian-full.${type}`);
    const cmp = spawnSync('qemu-img', ['compare', '-f', 'raw', raw, f], { encoding: 'utf8' });
    assert.equal(cmp.status, 0, `qemu-img compare raw ${type}: ${cmp.stdout}${cmp.stderr}`);
    const chk = spawnSync('qemu-img', ['check', f], { encoding: 'utf8' });
    assert.equal(chk.status, 0, `qemu-img check ${type}: ${chk.stdout}${chk.stderr}`);
  }

  // bootc-image-builder's --rootfs flag overrides the recipe's filesystem (the plan says so;
  // a Btrfs root boots below, from the installed disk).
  const rootfsPlan = particleOs(
    [
      'build',
      '--base-image',
      `oci-archive:${result.container.archive}`,
      '--rootfs',
      'btrfs',
      '--dry-run',
      '--json',
      'recipes/minimal.yml',
    ],
    'pipe',
  );
  assert.equal(rootfsPlan.status, 0, rootfsPlan.stderr);
  assert.match(rootfsPlan.stdout, /"filesystem": ?"btrfs"/);

  // install to-disk onto an 8 GiB disk image file with the full recipe and a Btrfs root: the
  // root filesystem spans the target (not the recipe's 3G), the recipe's settings are there,
  // and the image's own properties are checked in the guest; a second install without --wipe
  // is refused before anything is built.
  const installed = join(out, 'installed.raw');
  assert.equal(spawnSync('truncate', ['-s', '8G', installed]).status, 0);
  const image = `oci-archive:${result.container.archive}`;
  const recipe = join(out, 'full-btrfs.yml');
  const fullYaml = readFileSync(FULL_RECIPE, 'utf8');
  assert.match(fullYaml, /^ {2}rootfs: xfs$/m);
  writeFileSync(recipe, fullYaml.replace(/^ {2}rootfs: xfs$/m, '  rootfs: btrfs'));
  const install = particleOs([
    'install',
    'to-disk',
    installed,
    '--image',
    image,
    '--recipe',
    recipe,
    '--json',
  ]);
  assert.equal(install.status, 0, `install to-disk exited ${install.status}`);
  const verify = spawnSync('sfdisk', ['--verify', installed], { encoding: 'utf8' });
  assert.match(verify.stdout, /No errors detected/, 'GPT intact after writing the btrfs image');
  const { build: installedPlan } = JSON.parse(install.stdout) as InstallResult;
  const root = installedPlan.disk.partitions.find((p) => p.name === 'root');
  assert.ok(root, 'the installed disk has a root partition');
  assert.ok(
    // Partitions end on a MiB boundary; the target's last MiB holds the backup GPT.
    (root.startSector + root.sectors) * 512 >= 8 * 2 ** 30 - 2 ** 20,
    `the root partition ends at the end of the 8 GiB target (${root.startSector}+${root.sectors})`,
  );
  const bootInstalled = particleOs([
    'boot-test',
    installed,
    '--firmware',
    'bios',
    '--check',
    's=$(df -B1 --output=size /sysroot | tail -n 1); echo "root filesystem $s bytes"; test "$s" -gt 7000000000',
    // A file capability set by a package's postinst survives compose → layers → disk.
    '--check',
    'getcap /usr/bin/ping | grep -q cap_net_raw',
    // remove-files of the treefile
    '--check',
    'test ! -e /usr/share/doc/less',
    // The client is a dpkg-owned package and reads the deployments (bootc's BootcHost shape).
    '--check',
    'dpkg -S /usr/bin/particle-os && particle-os status --json | jq -e \'.kind == "BootcHost" and (.status.booted.ostree.checksum | length == 64)\'',
    // Network out of the box (this boot has no NIC; the upgrade test sees the DHCP lease):
    // networkd with the wired DHCP profile, resolved running and owning /etc/resolv.conf.
    '--check',
    'systemctl is-enabled systemd-networkd && systemctl is-active systemd-resolved && test -f /usr/lib/systemd/network/80-wired-dhcp.network && readlink /etc/resolv.conf | grep -q /run/systemd/resolve/',
    '--json',
  ]);
  const bios = JSON.parse(bootInstalled.stdout) as BootTest;
  assert.deepEqual(failedChecks(bios), [], 'installed disk: BIOS checks failed');
  for (const name of [
    'user:alice',
    'hostname',
    'timezone',
    'karg:quiet',
    'booted-commit',
    'custom-1',
    'custom-2',
    'custom-3',
    'custom-4',
    'custom-5',
  ])
    assert.ok(
      bios.checks.some((c) => c.name === name && c.ok),
      `installed disk: ${name}`,
    );
  assert.match(bios.checks.find((c) => c.name === 'root-filesystem')?.detail ?? '', /^btrfs/);
  assert.equal(bootInstalled.status, 0);
  const reinstall = particleOs(
    ['install', 'to-disk', installed, '--image', image, '--recipe', recipe],
    'pipe',
  );
  assert.equal(reinstall.status, 2);
  assert.match(reinstall.stderr, /holds a partition table\/filesystem \(gpt, PMBR\); pass --wipe/);

  process.stderr.write(
    `timings: compose ${result.compose.seconds}s, container ${result.container.seconds}s, image ${result.image.seconds}s, ` +
      `boot ${result.bootTests.map((b) => `${b.firmware} ${b.seconds}s (login ${((b.timings.loginPrompt ?? 0) / 1000).toFixed(1)}s)`).join(', ')}, ` +
      `installed bios ${(bios.timings.total / 1000).toFixed(1)}s (login ${((bios.timings.loginPrompt ?? 0) / 1000).toFixed(1)}s)\n`,
  );
});

test('installer ISO: built from the pipeline’s image; boots UEFI with a blank 8 GiB disk, installs unattended (XFS root spanning the disk, alice), powers off; the disk alone passes every check', {
  skip: !isRoot && 'needs root',
  timeout: 30 * 60_000,
}, () => {
  assert.ok(pipelineArchive, 'the pipeline test made an image');
  const out = outputDir('iso');
  const iso = buildInstallerIso(pipelineArchive, out);
  assert.equal(iso.file, join(out, 'debian-installer-test.iso'));
  // xorriso: El Torito entries for BIOS and UEFI, the ESP as an appended GPT partition.
  const report = spawnSync('xorriso', ['-indev', iso.file, '-report_el_torito', 'plain'], {
    encoding: 'utf8',
  });
  assert.match(report.stdout, /El Torito boot img : +1 +BIOS/);
  assert.match(report.stdout, /El Torito boot img : +2 +UEFI/);
  // (xorriso reports the volume id among its messages, on stderr.)
  assert.match(report.stderr, /Volume id +: 'PARTICLE_OS_INSTALL'/);
  const parts = spawnSync('sfdisk', ['--json', iso.file], { encoding: 'utf8' });
  assert.match(
    parts.stdout,
    /"type": ?"C12A7328-F81F-11D2-BA4B-00A0C93EC93B"/i,
    'an EFI System partition',
  );

  const disk = join(out, 'target.raw');
  const r = bootTestInstallerIso(iso.file, 'uefi', disk);
  process.stderr.write(
    `installer ISO: ${(iso.bytes / 2 ** 20).toFixed(0)} MiB (live squashfs ${(iso.live.squashfsBytes / 2 ** 20).toFixed(0)} MiB, payload ${(iso.payload.bytes / 2 ** 20).toFixed(0)} MiB), built in ${iso.seconds.toFixed(0)}s; ` +
      `UEFI install ${(r.install.timings.total / 1000).toFixed(0)}s (installer started at ${((r.install.timings.installerStart ?? 0) / 1000).toFixed(0)}s), installed disk boot ${((r.boot?.timings.total ?? 0) / 1000).toFixed(0)}s\n`,
  );
});
