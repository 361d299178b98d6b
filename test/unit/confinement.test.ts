/**
 * Nothing a treefile, recipe or image says may touch the build host. Each test plants canary
 * files outside the tree and a hostile symlink (or path) inside it, runs the real code path of
 * one host-side operation, and checks that the canaries are as planted and that an error, where
 * there is one, names the key or file at fault.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inRootArgv } from '../../src/compose/chroot.ts';
import { readLockfile } from '../../src/compose/lockfile.ts';
import { ostreeify } from '../../src/compose/ostreeify.ts';
import { sysusersLines } from '../../src/compose/sysusers.ts';
import { applyTreefileSettings } from '../../src/compose/treefile-steps.ts';
import { varTmpfilesLines } from '../../src/compose/var-tmpfiles.ts';
import { lintTree } from '../../src/container/lint.ts';
import { ToolError } from '../../src/core/errors.ts';
import { hostReadOnlyArgv } from '../../src/core/sandbox.ts';
import { Tree } from '../../src/core/tree.ts';
import { customizeDeployment } from '../../src/image/customize.ts';
import { applyWhiteouts, openImage, unpackLayers } from '../../src/oci/read.ts';
import { readImageKargs } from '../../src/ostree/kargs.ts';
import { type Recipe, RecipeSchema } from '../../src/recipe/schema.ts';
import { loadTreefile, type ResolvedTreefile } from '../../src/treefile/load.ts';
import { canary } from '../helpers/canary.ts';
import { testContext } from '../helpers/context.ts';

function treefile(over: Partial<ResolvedTreefile>): ResolvedTreefile {
  return {
    ...loadTreefile('treefiles/debian-minimal.yaml'),
    units: [],
    directories: [],
    removeFiles: [],
    kernelArgs: [],
    ...over,
    file: 'hostile.yaml',
  };
}

test('compose remove-files through a link the postprocess made: error names the key, host intact', async () => {
  const c = canary();
  c.link('usr/lib/x', c.host); // what `ln -s /some/host/dir /usr/lib/x` leaves
  const tf = treefile({ removeFiles: ['usr/lib/x/canary'] });
  await assert.rejects(
    applyTreefileSettings(testContext(), tf, c.tree),
    (e: Error) =>
      /hostile\.yaml: remove-files\[0\]: usr\/lib\/x\/canary does not exist in the tree/.test(
        e.message,
      ) && e.message.includes(`/usr/lib/x -> ${c.host}`),
  );
  c.assertIntact();
});

test('compose directories, var directories and kernel-args through links land in the tree', async () => {
  const c = canary();
  c.link('usr/lib/x', c.host);
  c.link('usr/lib/bootc', c.host);
  c.link('usr/lib/tmpfiles.d', `../../../../../../../../..${c.host}`);
  const tf = treefile({
    directories: ['/usr/lib/x/made', '/var/lib/with space\nR /'],
    kernelArgs: ['quiet'],
  });
  await applyTreefileSettings(testContext(), tf, c.tree);
  c.assertIntact();
  const t = new Tree(c.tree);
  assert.ok(t.isDir('usr/lib/x/made'));
  assert.ok(t.isFile('usr/lib/bootc/kargs.d/10-treefile.toml'));
  const conf = t.readText('usr/lib/tmpfiles.d/particle-os-treefile.conf');
  assert.equal(conf, 'd /var/lib/with\\x20space\\x0aR\\x20/ 0755 root root - -\n', 'one line');
});

test('ostreeify: links to the host in var, boot, tmp, etc/ssh and /etc files change nothing there', () => {
  const c = canary();
  const kver = '6.12.0-test-amd64';
  c.file(`usr/lib/modules/${kver}/vmlinuz`, 'kernel');
  c.file(`usr/lib/modules/${kver}/initramfs.img`, 'initramfs');
  c.file('var/lib/dpkg/status', 'Package: base-files\n');
  c.file('etc/os-release', 'ID=debian\n');
  c.link('var/cache', c.host);
  c.link('var/log', c.host);
  c.link('var/lib/apt/lists', c.host);
  c.link('boot', c.host);
  c.link('run', c.host);
  c.link('etc/ssh', c.host);
  c.link('etc/passwd', `${c.host}/passwd`);
  c.link('etc/group', `${c.host}/passwd`);
  c.link('etc/hostname', `${c.host}/canary`);
  c.link('home', c.host);
  c.link('usr/share/factory', c.host);
  ostreeify(c.tree);
  c.assertIntact();
  const t = new Tree(c.tree);
  assert.ok(t.isFile(`usr/lib/modules/${kver}/vmlinuz`));
  assert.ok(
    !t.exists('usr/lib/sysusers.d/00-particle-os-image.conf'),
    'the host passwd was not read',
  );
});

test('image customization: hostile links in the image /etc and skel stay inside the deployment', async () => {
  const c = canary();
  const deploy = join(c.tree, 'deploy');
  const stateVar = join(c.tree, 'var');
  const accounts = {
    passwd: 'root:x:0:0:root:/root:/bin/bash\n',
    group: 'root:x:0:\nsudo:x:27:\n',
    gshadow: 'root:*::\nsudo:*::\n',
  };
  for (const [f, text] of Object.entries(accounts)) c.file(`deploy/etc/${f}`, text);
  c.link('deploy/etc/shadow', `${c.host}/shadow`);
  c.link('deploy/etc/hostname', `${c.host}/canary`);
  c.link('deploy/etc/locale.conf', `${c.host}/canary`);
  c.link('deploy/etc/x', c.host);
  c.link('deploy/etc/skel/.ssh', c.host);
  c.file('deploy/usr/share/zoneinfo/Europe/Berlin', 'TZif');
  c.link('deploy/etc/timezone', `${c.host}/canary`);
  const recipe = (over: object): Recipe => ({
    ...RecipeSchema.parse({ name: 'x', ...over }),
    file: 'hostile.yml',
  });
  await customizeDeployment(
    testContext(),
    deploy,
    stateVar,
    recipe({
      hostname: 'box',
      locale: 'C.UTF-8',
      timezone: 'Europe/Berlin',
      files: [{ path: '/etc/x/canary', content: 'overwritten' }],
    }),
  );
  c.assertIntact();
  // The shadow link dangles inside the image: adding users fails, naming the file.
  await assert.rejects(
    customizeDeployment(testContext(), deploy, stateVar, recipe({ users: [{ name: 'tux' }] })),
    /\/etc\/shadow: does not exist in the tree/,
  );
  c.assertIntact();
  // With a real shadow, the skel's .ssh link is replaced by a directory, not written through.
  c.file('deploy/etc/shadow-real', 'root:*:19000:0:99999:7:::\n');
  new Tree(deploy).rename('etc/shadow-real', 'etc/shadow');
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxxx tux@laptop';
  await customizeDeployment(
    testContext(),
    deploy,
    stateVar,
    recipe({ users: [{ name: 'tux', 'ssh-keys': [key] }] }),
  );
  c.assertIntact();
  assert.equal(readFileSync(join(stateVar, 'home/tux/.ssh/authorized_keys'), 'utf8'), `${key}\n`);
});

test('recipe values cannot add lines to authorized_keys, shadow, passwd or the BLS entry', () => {
  const bad = (over: object) => RecipeSchema.safeParse({ name: 'x', ...over }).success;
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxxx';
  assert.equal(bad({ users: [{ name: 'u', 'ssh-keys': [key] }] }), true);
  assert.equal(
    bad({ users: [{ name: 'u', 'ssh-keys': [`${key}\ncommand="rm -rf /" ${key}`] }] }),
    false,
  );
  assert.equal(bad({ users: [{ name: 'u', password: 'a\n$6$x$y' }] }), false);
  assert.equal(bad({ users: [{ name: 'u', shell: '/bin/sh:0:0' }] }), false);
  assert.equal(bad({ kernel: { append: ['quiet\ninitrd /evil'] } }), false);
  assert.equal(bad({ files: [{ path: '/etc/../root/x', content: '' }] }), false);
  assert.equal(bad({ update: { url: 'http://a/\nurl=http://evil/' } }), false);
});

test('treefile values and paths: static "..", line breaks and deb-line fields are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-tf-'));
  const issues = (yaml: string) => {
    const f = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, `ref: a/b\nbase: debian:trixie\n${yaml}`);
    try {
      loadTreefile(f);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(
    issues('remove-files: ["usr/../../../../x"]\n'),
    /remove-files\[0\] {2}must not contain "\.\."/,
  );
  assert.match(
    issues('add-files: [[a, /usr/../../etc/x]]\n'),
    /add-files\[0\]\[1\] {2}must not contain/,
  );
  assert.match(issues('system:\n  directories: [/var/../../x]\n'), /system\.directories\[0\]/);
  assert.match(
    issues('kernel-args: ["a\\ninitrd /x"]\n'),
    /kernel-args\[0\] {2}must not contain line breaks/,
  );
  assert.match(
    issues('variables:\n  v: "a\\nb"\npackages: ["${v}"]\n'),
    /variables\.v {2}must not contain line breaks/,
  );
  assert.match(
    issues(
      'apt:\n  sources:\n    - uris: http://deb.example/debian\n      suites: ["trixie main\\ndeb http://evil/ x"]\n',
    ),
    /apt\.sources\[0\]\.suites\[0\]/,
  );
  assert.match(
    issues(
      'apt:\n  sources:\n    - uris: http://deb.example/debian\n      signed-by: "k] [trusted=yes"\n',
    ),
    /signed-by/,
  );
});

test('treefile host paths stay inside the context: add-files sources, include, repo, signed-by', () => {
  const c = canary();
  const dir = join(c.tree, 'checkout');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ok.txt'), 'ok\n');
  spawnSync('ln', ['-s', `${c.host}/shadow`, join(dir, 'innocent.txt')]);
  const load = (yaml: string) => {
    const f = join(dir, 't.yaml');
    writeFileSync(f, `ref: a/b\nbase: debian:trixie\n${yaml}`);
    try {
      loadTreefile(f, { context: [dir] });
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.equal(load('add-files: [[ok.txt, /etc/ok]]\n'), '');
  assert.match(
    load(`add-files: [[${c.host}/shadow, /etc/x]]\n`),
    /t\.yaml:3:\d+ {2}add-files\[0\]\[0\] {2}.*outside the treefile context/,
  );
  assert.match(
    load('add-files: [[innocent.txt, /etc/x]]\n'),
    /add-files\[0\]\[0\] {2}.*really .*shadow.*outside/,
  );
  assert.match(load('add-files: [[../../host/passwd, /etc/x]]\n'), /outside the treefile context/);
  assert.match(load(`include: ${c.host}/passwd\n`), /include {2}.*outside the treefile context/);
  assert.match(load('ostree:\n  repo: /var/lib/x\n'), /ostree\.repo {2}.*outside/);
  assert.match(
    load(`apt:\n  sources:\n    - uris: http://deb.example/d\n      signed-by: ${c.host}/x.toml\n`),
    /signed-by {2}.*outside/,
  );
  assert.equal(
    load(
      'apt:\n  sources:\n    - uris: http://deb.example/d\n      signed-by: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    ),
    '',
  );
  c.assertIntact();
});

test('system files built from tree content: a hostile /var link or passwd entry cannot add lines', () => {
  assert.throws(
    () =>
      varTmpfilesLines([
        { path: 'x', type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'a\nR / - - - -' },
      ]),
    /\/var\/x: symlink target .* cannot be recreated/,
  );
  assert.throws(
    () => sysusersLines('evil:x:100:100::/home/a b:/bin/sh\n', 'evil:x:100:\n'),
    /cannot express/,
  );
  assert.deepEqual(sysusersLines('d:x:1:1:"a\\"b:/:/bin/sh\n', 'd:x:1:\n'), [
    'g d 1',
    'u d 1:1 "ab" / /bin/sh',
  ]);
});

test('image kargs.d and lint read inside the image only', () => {
  const c = canary();
  c.link('usr/lib/bootc/kargs.d', c.host);
  c.link('etc/passwd', `${c.host}/passwd`);
  assert.deepEqual(readImageKargs(new Tree(c.tree)), []);
  const text = JSON.stringify(lintTree(c.tree));
  assert.doesNotMatch(text, /hostonlyuser|host\.karg/);
  const other = canary();
  other.file('usr/lib/bootc/kargs.d/evil.toml', 'kargs = ["quiet\\ninitrd /evil"]\n');
  assert.throws(
    () => readImageKargs(new Tree(other.tree)),
    /kargs\.d\/evil\.toml: kernel argument/,
  );
});

test("OCI whiteouts through a lower layer's link remove nothing on the host", () => {
  const c = canary();
  c.link('a', c.host);
  applyWhiteouts(['a/.wh.canary', 'a/.wh..wh..opq', 'a/dir/.wh.file'], c.tree);
  c.assertIntact();
});

test('OCI layers: a link to the host then a file through it fails in the sandbox, host intact', async (t) => {
  if (spawnSync('bwrap', ['--version']).status !== 0) return t.skip('bubblewrap is not installed');
  const c = canary();
  const layout = ociLayout(c.host);
  const sc = testContext();
  const image = await openImage(sc, { transport: 'oci', path: layout, tag: 'latest' }, layout);
  const rootfs = join(c.tree, 'rootfs');
  await assert.rejects(
    unpackLayers(sc, image, rootfs),
    (e: Error) => e instanceof ToolError && /bwrap|tar/.test(e.message),
  );
  c.assertIntact();
});

test('OCI digests that climb out of blobs/ or do not match their content are refused', async () => {
  const c = canary();
  const layout = ociLayout(c.host);
  const sc = testContext();
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  index.manifests[0].digest = `sha256:../../../../../../../..${c.host}/canary`;
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  await assert.rejects(
    openImage(sc, { transport: 'oci', path: layout, tag: 'latest' }, layout),
    /not a sha256\/sha512 digest/,
  );
  const other = ociLayout(c.host);
  const blobs = join(other, 'blobs/sha256');
  const manifest = JSON.parse(readFileSync(join(other, 'index.json'), 'utf8')).manifests[0].digest;
  writeFileSync(join(blobs, manifest.slice(7)), '{"tampered": true}');
  await assert.rejects(
    openImage(sc, { transport: 'oci', path: other, tag: 'latest' }, other),
    /does not match its digest|descriptor says/,
  );
  c.assertIntact();
});

test('the sandbox for host tools: the host is read-only, devices cannot be made', (t) => {
  if (spawnSync('bwrap', ['--version']).status !== 0) return t.skip('bubblewrap is not installed');
  const c = canary();
  const argv = hostReadOnlyArgv(
    [c.tree],
    ['sh', '-c', `echo x > ${c.host}/canary; mknod ${c.tree}/sda b 8 0; echo ok > ${c.tree}/f`],
  );
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  assert.match(r.stderr, /Read-only file system/);
  assert.match(r.stderr, /Operation not permitted/);
  assert.ok(!existsSync(join(c.tree, 'sda')));
  assert.equal(readFileSync(join(c.tree, 'f'), 'utf8'), 'ok\n');
  c.assertIntact();
  const sysctl = hostReadOnlyArgv([c.tree], ['sh', '-c', 'echo evil > /proc/sys/kernel/hostname']);
  const s = spawnSync(sysctl[0] as string, sysctl.slice(1), { encoding: 'utf8' });
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /Read-only file system/);
});

test('scripts inside a tree keep no capability to mount, make devices or read by handle', () => {
  const argv = inRootArgv('/x', ['true']);
  const added = argv.flatMap((a, i) => (argv[i - 1] === '--cap-add' ? [a] : []));
  assert.ok(argv.includes('--cap-drop') && argv[argv.indexOf('--cap-drop') + 1] === 'ALL');
  for (const cap of ['CAP_SYS_ADMIN', 'CAP_MKNOD', 'CAP_DAC_READ_SEARCH', 'CAP_SYS_MODULE'])
    assert.ok(!added.includes(cap), cap);
  assert.ok(added.includes('CAP_SETFCAP'), 'setcap in postprocess still works');
});

/**
 * An OCI layout with two uncompressed layers: the first has `etc -> HOST`, the second writes
 * `etc/canary`, so applying them in order writes the host's canary unless confined.
 */
function ociLayout(host: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-oci-'));
  const blobs = join(dir, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  // Members named one by one: no directory entry for etc/ that would replace the link.
  const layer = (member: string, setup: (root: string) => void) => {
    const root = mkdtempSync(join(tmpdir(), 'layer-'));
    setup(root);
    const tar = spawnSync('tar', ['--create', '--no-recursion', '--directory', root, member], {
      maxBuffer: 2 ** 26,
    });
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(tar.stdout) };
  };
  const l1 = layer('etc', (r) => spawnSync('ln', ['-s', host, join(r, 'etc')]));
  const l2 = layer('etc/canary', (r) => {
    mkdirSync(join(r, 'etc'));
    writeFileSync(join(r, 'etc/canary'), 'pwned\n');
  });
  const config = put(
    Buffer.from(JSON.stringify({ config: { Labels: { 'containers.bootc': '1' } }, rootfs: {} })),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [l1, l2],
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  return dir;
}

test('a lockfile cannot smuggle packages into --include or a path into the .deb cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-lock-'));
  const lock = (p: object) => {
    const f = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    const pkg = {
      name: 'bash',
      version: '5.2-1',
      architecture: 'amd64',
      sha256: 'a'.repeat(64),
      size: 1,
    };
    writeFileSync(
      f,
      JSON.stringify({
        lockfileVersion: 1,
        ref: 'a/b',
        suite: 'trixie',
        packages: [{ ...pkg, ...p }],
      }),
    );
    return f;
  };
  assert.equal(readLockfile(lock({})).packages[0]?.version, '5.2-1');
  assert.equal(readLockfile(lock({ version: '1:2.38.1-5+deb12u1~bpo1' })).packages.length, 1);
  assert.throws(
    () => readLockfile(lock({ version: '1.0,evil-package' })),
    /packages\.0\.version: not a Debian version/,
  );
  assert.throws(() => readLockfile(lock({ version: '../../../../etc/x' })), /not a Debian version/);
  assert.throws(
    () => readLockfile(lock({ architecture: 'amd64/../../x' })),
    /not a Debian architecture/,
  );
});
