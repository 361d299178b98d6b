/**
 * The on-device client (client/) against a scratch OSTree sysroot on this machine: switch to an
 * image from an OCI layout, an OCI archive and a registry (Debian's docker-registry on
 * 127.0.0.1), upgrade fetching only the changed layer, status in bootc's shape, whiteouts of a
 * derived image honoured, refusal of tampered blobs, whiteouts that would leave the tree and
 * bad references. The same scripts run inside the booted image in the pipeline and upgrade
 * tests; here they use this host's ostree, curl and jq.
 * PARTICLE_OS_SYSROOT points the client at the scratch sysroot (nothing is booted there: its
 * default deployment is read as booted, a new deployment is not staged but made the default).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MEDIA } from '../../src/oci/descriptor.ts';
import {
  archiveNames,
  finishLayout,
  imageConfig,
  imageManifest,
  writeJsonBlob,
} from '../../src/oci/write.ts';
import { outputDir } from '../helpers/scratch.ts';

const isRoot = process.getuid?.() === 0;
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['ostree', 'jq', 'curl', 'skopeo', 'docker-registry', 'tar'].filter(
  (c) => !have(c),
);
const skip = !isRoot ? 'needs root' : missing.length ? `missing ${missing.join(', ')}` : false;

const CLIENT = join(process.cwd(), 'client');
const dir = outputDir('client');
const sysroot = join(dir, 'sysroot');
let registry: ChildProcess | undefined;
let registryPort = 0;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function client(...args: string[]): Run {
  const r = spawnSync(join(CLIENT, 'bin/particle-os'), args, {
    encoding: 'utf8',
    env: { ...process.env, PARTICLE_OS_SYSROOT: sysroot, PARTICLE_OS_LIB: join(CLIENT, 'lib') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sh(cmd: string[]): string {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * A gzip tar layer of `files` (path → content; a path ending in / is a directory, content
 * `symlink:TARGET` a symbolic link).
 */
function layer(files: Record<string, string>): { tgz: Buffer; diffId: string } {
  const src = mkdtempSync(join(dir, 'layer-'));
  for (const [p, content] of Object.entries(files)) {
    if (p.endsWith('/')) mkdirSync(join(src, p), { recursive: true });
    else {
      mkdirSync(join(src, p, '..'), { recursive: true });
      if (content.startsWith('symlink:')) symlinkSync(content.slice(8), join(src, p));
      else writeFileSync(join(src, p), content);
    }
  }
  const tar = spawnSync(
    'tar',
    [
      '-C',
      src,
      '--sort=name',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-cf',
      '-',
      '.',
    ],
    { maxBuffer: 1 << 26 },
  ).stdout;
  rmSync(src, { recursive: true });
  return {
    tgz: gzipSync(tar),
    diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}`,
  };
}

/** An OCI layout at `path` tagged `tag`: one layer per entry of `layers`. */
function image(path: string, tag: string, version: string, layers: Record<string, string>[]) {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(join(path, 'blobs/sha256'), { recursive: true });
  const infos = layers.map((files) => {
    const { tgz, diffId } = layer(files);
    const digest = `sha256:${createHash('sha256').update(tgz).digest('hex')}`;
    writeFileSync(join(path, 'blobs/sha256', digest.slice(7)), tgz);
    return { mediaType: MEDIA.layerGzip, digest, size: tgz.length, diffId };
  });
  const labels = { 'org.opencontainers.image.version': version, 'containers.bootc': '1' };
  const created = '2026-11-30T00:00:00Z';
  const config = writeJsonBlob(path, MEDIA.config, imageConfig({ created, labels, layers: infos }));
  const manifest = writeJsonBlob(path, MEDIA.manifest, imageManifest(config, infos, labels));
  finishLayout(path, manifest, tag);
  return { manifest: manifest.digest, layers: infos.map((l) => l.digest) };
}

const KERNEL = 'usr/lib/modules/6.12.0-test';
const base = {
  [`${KERNEL}/vmlinuz`]: 'kernel',
  [`${KERNEL}/initramfs.img`]: 'initramfs',
  'etc/os-release': 'ID=debian\n',
  'usr/lib/os-release': 'ID=debian\n',
};
// A name that is not ASCII: libarchive converts names by the locale (the client sets C.UTF-8).
const v1: Record<string, string>[] = [
  base,
  { 'usr/bin/tool': 'one\n' },
  { 'usr/share/data/big': 'x'.repeat(100_000), 'usr/share/data/naïve-café.txt': 'ü\n' },
];
const v2: Record<string, string>[] = [
  base,
  { 'usr/bin/tool': 'two\n' },
  v1[2] as Record<string, string>,
];

function status(): {
  status: {
    booted: {
      image: {
        image: { image: string; transport: string };
        version: string;
        imageDigest: string;
      } | null;
      ostree: { checksum: string };
    };
    rollback: { image: { version: string } | null } | null;
  };
} {
  const r = client('status', '--json');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function deployed(path: string): string {
  const booted = status().status.booted.ostree.checksum;
  const deployDir = join(sysroot, 'ostree/deploy/debian/deploy');
  const name = sh(['ls', deployDir])
    .split('\n')
    .find((n) => n.startsWith(`${booted}.`) && !n.endsWith('.origin'));
  return readFileSync(join(deployDir, name as string, path), 'utf8');
}

const blobRefs = () =>
  sh(['ostree', `--repo=${sysroot}/ostree/repo`, 'refs', 'ostree/container/blob'])
    .split('\n')
    .filter(Boolean);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (skip) return;
  // A sysroot as `build` makes one, with a first deployment that tracks no image.
  mkdirSync(sysroot);
  sh(['ostree', 'admin', 'init-fs', '--modern', sysroot]);
  sh(['ostree', 'admin', 'os-init', 'debian', `--sysroot=${sysroot}`]);
  sh(['ostree', `--repo=${sysroot}/ostree/repo`, 'config', 'set', 'sysroot.bootloader', 'none']);
  const tree = join(dir, 'tree');
  for (const [p, c] of Object.entries(base)) {
    const dest = join(tree, p.replace(/^etc\//, 'usr/etc/'));
    mkdirSync(join(dest, '..'), { recursive: true });
    writeFileSync(dest, c);
  }
  const commit = sh([
    'ostree',
    `--repo=${sysroot}/ostree/repo`,
    'commit',
    '--branch=local/os',
    `--tree=dir=${tree}`,
    '--bootable',
  ]);
  sh(['ostree', 'admin', 'deploy', `--sysroot=${sysroot}`, '--os=debian', commit]);
  registryPort = await freePort();
  const config = join(dir, 'registry.yml');
  writeFileSync(
    config,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/registry\nhttp:\n  addr: 127.0.0.1:${registryPort}\nlog:\n  level: error\n`,
  );
  registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  mkdirSync(join(sysroot, 'etc/containers/registries.conf.d'), { recursive: true });
  writeFileSync(
    join(sysroot, 'etc/containers/registries.conf.d/test.conf'),
    `[[registry]]\nlocation = "127.0.0.1:${registryPort}"\ninsecure = true\n`,
  );
});

after(() => {
  registry?.kill();
  // ostree makes each deployment's root immutable.
  spawnSync('sh', [
    '-c',
    'chattr -i "$1"/ostree/deploy/*/deploy/*.[0-9]* 2>/dev/null',
    'sh',
    sysroot,
  ]);
  rmSync(dir, { recursive: true, force: true });
});

test('client: switch to an OCI layout, upgrade fetches only the changed layer, status like bootc', {
  skip,
}, () => {
  const before = status();
  assert.equal(before.status.booted.image, null, 'the first deployment tracks no image');

  const layout = join(dir, 'layout');
  const one = image(layout, 'stable', '1.0', v1);
  const sw = client('switch', '--transport', 'oci', `${layout}:stable`);
  assert.equal(sw.status, 0, sw.stderr);
  assert.match(sw.stdout, /layers fetched|3 layers/);
  let s = status();
  assert.deepEqual(s.status.booted.image?.image, { image: `${layout}:stable`, transport: 'oci' });
  assert.equal(s.status.booted.image?.version, '1.0');
  assert.equal(s.status.booted.image?.imageDigest, one.manifest);
  assert.equal(deployed('usr/bin/tool'), 'one\n');
  assert.equal(deployed('usr/share/data/naïve-café.txt'), 'ü\n');
  // The image's /etc is the commit's /usr/etc (OSTree layout).
  assert.equal(deployed('usr/etc/os-release'), 'ID=debian\n');
  assert.equal(blobRefs().length, 3);
  const origin = readFileSync(
    join(sysroot, 'ostree/deploy/debian/deploy', `${s.status.booted.ostree.checksum}.0.origin`),
    'utf8',
  );
  assert.match(
    origin,
    new RegExp(`^container-image-reference=ostree-unverified-image:oci:${layout}:stable$`, 'm'),
  );

  assert.equal(client('upgrade', '--check').status, 0, 'no update yet');
  const two = image(layout, 'stable', '2.0', v2);
  const check = client('upgrade', '--check');
  assert.equal(check.status, 100, check.stderr);
  assert.match(check.stdout, /update available: .* version 2\.0/);
  const up = client('upgrade');
  assert.equal(up.status, 0, up.stderr);
  // One changed layer of three: the kernel layer and the 100 kB layer are already here.
  assert.match(
    up.stdout,
    /fetched \d+ bytes: 1 layers \(\d+ bytes, [\d.]+% of the image's \d+\) plus manifest and config; 2 layers already here/,
  );
  s = status();
  assert.equal(s.status.booted.image?.imageDigest, two.manifest);
  assert.equal(s.status.rollback?.image?.version, '1.0');
  assert.equal(deployed('usr/bin/tool'), 'two\n');
  assert.equal(blobRefs().length, 4, 'the rollback deployment keeps its layer');
  assert.equal(client('upgrade').status, 0);
  assert.match(client('upgrade').stdout, /no update/);
});

test('client: OCI archive and registry transports; layers no deployment needs are pruned', {
  skip,
}, () => {
  const layout = join(dir, 'layout3');
  image(layout, 'v3', '3.0', [
    base,
    { 'usr/bin/tool': 'three\n' },
    v1[2] as Record<string, string>,
  ]);
  // Named as container build names archives (NAME:VERSION); a tag alone finds it too, and a
  // second name for the same manifest (an index with NAME:latest as well) is no ambiguity.
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const [entry] = index.manifests;
  index.manifests = [...archiveNames('debian/13/x86_64/minimal', '3.0'), 'other:latest'].map(
    (name) => ({
      ...entry,
      annotations: { 'org.opencontainers.image.ref.name': name },
    }),
  );
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  const archive = join(dir, 'v3.ociarchive');
  sh(['tar', '-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  assert.equal(client('switch', '--transport', 'oci-archive', `${archive}:nosuchtag`).status, 2);
  const a = client('switch', '--transport', 'oci-archive', `${archive}:3.0`);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /1 layers .* 2 layers already here/);
  assert.equal(deployed('usr/bin/tool'), 'three\n');
  // Deployments now: 3.0 and 2.0; the layer only 1.0 had is gone.
  assert.equal(blobRefs().length, 4);

  const ref = `127.0.0.1:${registryPort}/debian-atomic/test:latest`;
  // skopeo finds the archive's image by the name container build gives it.
  sh([
    'skopeo',
    'copy',
    '--dest-tls-verify=false',
    `oci-archive:${archive}:debian/13/x86_64/minimal:3.0`,
    `docker://${ref}`,
  ]);
  const r = client('switch', ref);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /0 layers .* 3 layers already here/);
  const s = status();
  assert.deepEqual(s.status.booted.image?.image, { image: ref, transport: 'registry' });
  assert.equal(client('upgrade', '--check').status, 0);
  assert.equal(blobRefs().length, 3, 'only the layers of 3.0 are left');
});

test('client: tampered blobs, whiteouts that leave the tree and bad references are refused (exit 2), nothing deployed', {
  skip,
}, () => {
  const booted = status().status.booted.ostree.checksum;
  const layout = join(dir, 'bad');
  const img = image(layout, 'bad', '9.0', [base, { 'usr/bin/tool': 'evil\n' }]);
  const blob = join(layout, 'blobs/sha256', (img.layers[1] as string).slice(7));
  chmodSync(blob, 0o644);
  writeFileSync(blob, gzipSync(Buffer.from('not the layer')));
  const t = client('switch', '--transport', 'oci', `${layout}:bad`);
  assert.equal(t.status, 2);
  assert.match(t.stderr, /digest mismatch/);

  // A whiteout below a link of the layers below would delete through it (here: on the host).
  const hostDir = join(dir, 'host-dir');
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(join(hostDir, 'victim'), 'keep me\n');
  image(layout, 'wh-link', '9.1', [
    { ...base, 'usr/link': `symlink:${hostDir}` },
    { 'usr/link/.wh.victim': '' },
  ]);
  const w = client('switch', '--transport', 'oci', `${layout}:wh-link`);
  assert.equal(w.status, 2, w.stderr);
  assert.match(w.stderr, /whiteout below \/usr\/link, a symbolic link in the layers below/);
  assert.equal(readFileSync(join(hostDir, 'victim'), 'utf8'), 'keep me\n');
  // `.wh..` would name the directory above.
  image(layout, 'wh-dots', '9.2', [base, { 'usr/share/x/.wh..': '' }]);
  const d = client('switch', '--transport', 'oci', `${layout}:wh-dots`);
  assert.equal(d.status, 2, d.stderr);
  assert.match(d.stderr, /whiteout \/usr\/share\/x\/\.wh\.\. names no file/);

  for (const bad of [
    'host.example/x:tag\ncontainer-image-reference=evil',
    'no-host-part',
    '../relative',
    'plainword/path',
    'a.b/../../x',
  ]) {
    const b = client('switch', bad);
    assert.equal(b.status, 2, `${JSON.stringify(bad)}: ${b.stderr}`);
  }
  assert.equal(client('switch', '--transport', 'oci', 'relative/dir').status, 2);
  assert.equal(client('frobnicate').status, 2);
  assert.equal(status().status.booted.ostree.checksum, booted, 'still the same deployment');
});

test('client: whiteouts of a derived image delete files and empty directories of the layers below', {
  skip,
}, () => {
  const layout = join(dir, 'derived');
  // As `RUN rm /usr/bin/tool /usr/share/data/gone && rm -r /usr/share/opq/* && touch …/b`.
  image(layout, 'derived', '5.0', [
    base,
    { 'usr/bin/tool': 'one\n', 'usr/bin/other': 'other\n' },
    { 'usr/share/data/keep': 'k\n', 'usr/share/data/gone': 'g\n', 'usr/share/opq/a': 'a\n' },
    {
      'usr/bin/.wh.tool': '',
      'usr/share/data/.wh.gone': '',
      'usr/share/opq/.wh..wh..opq': '',
      'usr/share/opq/b': 'b\n',
    },
  ]);
  const r = client('switch', '--transport', 'oci', `${layout}:derived`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(status().status.booted.image?.version, '5.0');
  assert.equal(deployed('usr/bin/other'), 'other\n');
  assert.equal(deployed('usr/share/data/keep'), 'k\n');
  assert.equal(deployed('usr/share/opq/b'), 'b\n');
  const booted = status().status.booted.ostree.checksum;
  const files = sh(['ostree', `--repo=${sysroot}/ostree/repo`, 'ls', '-R', booted, '/usr']);
  for (const gone of ['/usr/bin/tool', '/usr/share/data/gone', '/usr/share/opq/a', '.wh.'])
    assert.ok(!files.includes(gone), `${gone} is not in the deployed tree`);
});

test('client: a private registry takes the credentials of /etc/ostree/auth.json, and only those', {
  skip,
}, async () => {
  const port = await freePort();
  const htpasswd = join(dir, 'htpasswd');
  // docker-registry's htpasswd takes bcrypt only; glibc's crypt makes it.
  const hash = sh([
    'python3',
    '-W',
    'ignore',
    '-c',
    'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))',
  ]);
  writeFileSync(htpasswd, `alice:${hash}\n`);
  const config = join(dir, 'private.yml');
  writeFileSync(
    config,
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/private\nhttp:\n  addr: 127.0.0.1:${port}\nauth:\n  htpasswd:\n    realm: private\n    path: ${htpasswd}\nlog:\n  level: error\n`,
  );
  const registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50; i++) {
      if (spawnSync('curl', ['-s', `http://127.0.0.1:${port}/v2/`]).status === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    writeFileSync(
      join(sysroot, 'etc/containers/registries.conf.d/private.conf'),
      `[[registry]]\nlocation = "127.0.0.1:${port}"\ninsecure = true\n`,
    );
    const layout = join(dir, 'layout-private');
    image(layout, 'p1', '7.0', [base, { 'usr/bin/tool': 'private\n' }]);
    const ref = `127.0.0.1:${port}/org/os:7.0`;
    sh([
      'skopeo',
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds=alice:s3cret',
      `oci:${layout}:p1`,
      `docker://${ref}`,
    ]);
    const auth = join(sysroot, 'etc/ostree/auth.json');
    rmSync(auth, { force: true });
    const none = client('switch', ref);
    assert.equal(none.status, 1, none.stderr);
    assert.match(
      none.stderr,
      /asks for a user and password: put them in \/etc\/ostree\/auth\.json/,
    );
    mkdirSync(join(sysroot, 'etc/ostree'), { recursive: true });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    // The most specific entry wins: the namespace's wrong password over the host's right one.
    writeFileSync(
      auth,
      JSON.stringify({
        auths: {
          [`127.0.0.1:${port}/org`]: { auth: b64('alice:wrong') },
          [`127.0.0.1:${port}`]: { auth: b64('alice:s3cret') },
        },
      }),
    );
    const wrong = client('switch', ref);
    assert.equal(wrong.status, 1, wrong.stderr);
    assert.match(
      wrong.stderr,
      /HTTP 401: the registry refused access with the credentials of \S+auth\.json/,
    );
    // A value that would add a header line of its own is refused.
    writeFileSync(
      auth,
      JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth: 'YQ==\nX-Evil: 1' } } }),
    );
    assert.equal(client('switch', ref).status, 2);
    writeFileSync(
      auth,
      JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth: b64('alice:s3cret') } } }),
    );
    const ok = client('switch', ref);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(deployed('usr/bin/tool'), 'private\n');
    assert.equal(client('upgrade', '--check').status, 0, 'upgrade --check with the credentials');
  } finally {
    registry.kill();
  }
});
