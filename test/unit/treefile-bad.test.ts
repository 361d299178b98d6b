/**
 * Every broken treefile in test/fixtures/treefiles/bad is rejected by the CLI with exit 2, a
 * located message (file:line:col  key  message), no stack trace, and nothing written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchDir } from '../helpers/scratch.ts';

const DIR = 'test/fixtures/treefiles/bad';
const CLI = join(process.cwd(), 'bib/particle-os');
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

function compose(file: string, repo: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(CLI, ['compose', 'tree', join(DIR, file), '--repo', repo], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, XDG_STATE_HOME: scratchDir('state') },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('at least 15 broken treefiles are shipped', () => {
  assert.ok(fixtures.length >= 15, `${fixtures.length} fixtures`);
});

test('each broken treefile: exit 2, file:line:col message, no stack trace, nothing written', async () => {
  const results = await Promise.all(
    fixtures.map(async (f) => {
      const repo = join(scratchDir('bad-repo'), 'repo');
      return { f, repo, ...(await compose(f, repo)) };
    }),
  );
  for (const { f, repo, code, stderr } of results) {
    assert.equal(code, 2, `${f}: exit ${code}\n${stderr}`);
    assert.match(
      stderr,
      /^error: \S+\.yaml:\d+:\d+ {2}\S+ {2}\S/m,
      `${f}: located message\n${stderr}`,
    );
    assert.ok(stderr.includes(f.replace(/-[ab]\.yaml$/, '')), `${f}: names the file`);
    assert.doesNotMatch(stderr, /\n\s+at \S+ \(/, `${f}: no stack trace`);
    assert.ok(!existsSync(repo), `${f}: nothing written`);
  }
});

test('did-you-mean for unknown keys', async () => {
  const r = await compose('unknown-key.yaml', join(scratchDir('r'), 'repo'));
  assert.match(
    r.stderr,
    /unknown-key\.yaml:3:1 {2}packagess {2}unknown key "packagess"; did you mean "packages"\?/,
  );
});

function validate(...files: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(CLI, ['treefile', 'validate', ...files.map((f) => join(DIR, f))], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, XDG_STATE_HOME: scratchDir('state') },
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

test('validate reports every unknown key of a mapping and every file’s errors in one run', async () => {
  const r = await validate('unknown-keys-many.yaml', 'include-bad-too.yaml', 'wrong-type.yaml');
  assert.equal(r.code, 2);
  // rpm-ostree keys that cannot work here say why and what to write instead.
  for (const [line, key] of [
    [4, 'repos'],
    [5, 'gpg-key'],
    [6, 'lockfile-repos'],
    [7, 'install-langs'],
  ] as const)
    assert.match(
      r.stdout,
      new RegExp(
        `unknown-keys-many\\.yaml:${line}:1 {2}${key} {2}rpm-ostree's ${key} is not supported: \\S`,
      ),
    );
  assert.match(r.stdout, /unknown-keys-many\.yaml:8:1 {2}packagess {2}unknown key/);
  // The including file is broken, and what it includes is still read and checked.
  assert.match(r.stdout, /include-bad-too\.yaml:5:1 {2}frobnicate {2}unknown key/);
  assert.match(r.stdout, /include-bad-too-inc\.yaml:1:9 {2}units\[0\] {2}not a systemd unit/);
  assert.match(r.stdout, /wrong-type\.yaml:3:11 {2}packages {2}/);
});

test('validate checks what a compose needs before building: files, exclusions, the base', async () => {
  const r = await validate(
    'add-files-source-missing.yaml',
    'add-files-source-directory.yaml',
    'signed-by-missing.yaml',
    'exclude-listed.yaml',
    'exclude-included-a.yaml',
    'exclude-needed.yaml',
  );
  assert.equal(r.code, 2);
  for (const line of [
    /add-files-source-missing\.yaml:5:6 {2}add-files\[0\]\[0\] {2}\S*no-such-motd does not exist/,
    /add-files-source-directory\.yaml:5:6 {2}add-files\[0\]\[0\] {2}\S* is not a regular file/,
    /signed-by-missing\.yaml:7:18 {2}apt\.sources\[0\]\.signed-by {2}\S*no-such-keyring\.gpg does not exist/,
    /exclude-listed\.yaml:5:20 {2}exclude-packages\[0\] {2}less is excluded here and listed in \S*exclude-listed\.yaml:4:18 \(packages\[1\]\); keep one/,
    /exclude-included-a\.yaml:5:20 {2}exclude_packages\[0\] {2}vim is excluded here and listed in \S*exclude-included-b\.yaml:1:12 \(packages\[0\]\)/,
    /exclude-needed\.yaml:4:26 {2}exclude-packages\[1\] {2}systemd cannot be excluded: /,
    /exclude-needed\.yaml:4:35 {2}exclude-packages\[2\] {2}linux-image-amd64 cannot be excluded: .*kernel/,
  ])
    assert.match(r.stdout, line);
  assert.doesNotMatch(r.stdout, /nano/);
});

test('validate checks scripts: the #! line, its interpreter’s package, the postprocess-script file', async () => {
  const r = await validate(
    'script-shebang-relative.yaml',
    'script-shebang-two-args.yaml',
    'script-interpreter-excluded.yaml',
    'postprocess-script-link-outside.yaml',
    'postprocess-script-twice-a.yaml',
  );
  assert.equal(r.code, 2);
  for (const line of [
    /script-shebang-relative\.yaml:5:5 {2}postprocess\[0\] {2}the #! interpreter "bash" must be an absolute path/,
    /script-shebang-two-args\.yaml:6:5 {2}postprocess\[0\] {2}the kernel passes "-e -x" to \/bin\/bash as one argument/,
    /script-interpreter-excluded\.yaml:6:5 {2}postprocess\[0\] {2}#!\/usr\/bin\/env zsh: no package that provides \/usr\/bin\/zsh \(zsh\) is allowed: exclude-packages removes every one: remove zsh from exclude-packages/,
    /postprocess-script-link-outside\.yaml:5:21 {2}postprocess-script {2}\S*shadow-link\.sh \(really \/etc\/shadow\) is outside the treefile context/,
    /postprocess-script-twice-b\.yaml:2:21 {2}postprocess-script {2}set here and in \S*postprocess-script-twice-a\.yaml:6:21 \(postprocess-script\)/,
  ])
    assert.match(r.stdout, line);
  // Neither listed nor in the base, an interpreter may still come as a dependency: a warning
  // naming the package, not an error (the compose decides on the resolved set).
  const warn = await validate(
    '../scripts/warn/interpreter-not-listed.yaml',
    '../scripts/warn/postprocess-script-not-listed.yaml',
  );
  assert.equal(warn.code, 0, warn.stdout);
  for (const line of [
    /interpreter-not-listed\.yaml:7:5 {2}postprocess\[0\] {2}warning: #!\/usr\/bin\/python3: no package that provides \/usr\/bin\/python3 \(python3-minimal, python3\) is listed in packages or installed by the base \(a dependency may still bring one in: the compose checks the resolved set\): add python3 to packages/,
    /postprocess-script-not-listed\.yaml:5:21 {2}postprocess-script {2}warning: \S*warn\/python\.py: #!\/usr\/bin\/python3: .*add python3 to packages/,
  ])
    assert.match(warn.stdout, line);
});

test('validate checks package versions, suites and the kernel: the source to add, both kernels', async () => {
  const r = await validate(
    'package-suite-without-source.yaml',
    'kernel-second.yaml',
    'package-version-twice.yaml',
    'package-version-bad.yaml',
  );
  assert.equal(r.code, 2);
  for (const line of [
    /package-suite-without-source\.yaml:5:18 {2}packages\[1\] {2}linux-image-amd64\/trixie-backports: no configured apt source provides suite trixie-backports .*Add one to apt\.sources: \{uris: <a Debian mirror: backports are part of the Debian archive>, suites: \[trixie-backports\]\}/,
    /kernel-second\.yaml:6:18 {2}packages\[1\] {2}linux-image-amd64 and linux-image-rt-amd64 would be two kernels \(kernel-flavour: rt installs linux-image-rt-amd64\)/,
    /package-version-twice\.yaml:4:29 {2}packages\[2\] {2}less=661-3 here and less=668-1 in \S*package-version-twice\.yaml:4:12 \(packages\[0\]\)/,
    /package-version-bad\.yaml:4:18 {2}packages\[1\] {2}not a valid package entry "vim=--force": "--force" is not a Debian version/,
  ])
    assert.match(r.stdout, line);
});

test('validate reports schema errors and every later check of a file in one run', async () => {
  const r = await validate('all-faults-at-once.yaml');
  assert.equal(r.code, 2);
  const lines = [
    /all-faults-at-once\.yaml:6:1 {2}packagess {2}unknown key "packagess"; did you mean "packages"\?/,
    /all-faults-at-once\.yaml:7:1 {2}repo-packages {2}rpm-ostree's repo-packages is not supported/,
    /all-faults-at-once\.yaml:9:20 {2}exclude-packages\[0\] {2}vim is excluded here and listed in \S*all-faults-at-once\.yaml:8:12 \(packages\[0\]\); keep one/,
    /all-faults-at-once\.yaml:9:25 {2}exclude-packages\[1\] {2}systemd cannot be excluded: /,
    /all-faults-at-once\.yaml:10:13 {2}recommends {2}/,
    /all-faults-at-once\.yaml:12:6 {2}add-files\[0\]\[0\] {2}\S*no-such-motd does not exist/,
    /all-faults-at-once\.yaml:13:8 {2}units {2}/,
  ];
  for (const line of lines) assert.match(r.stdout, line);
  // In file order, and nothing about the keys that failed their schema beyond their own error.
  const found = lines.map((line) => r.stdout.search(line));
  assert.deepEqual(
    found,
    [...found].sort((a, b) => a - b),
  );
  assert.equal(r.stdout.match(/all-faults-at-once\.yaml:\d+:\d+ {2}/g)?.length, lines.length);
});

test('each refused rpm-ostree key says why, all in one run', async () => {
  const r = await validate('refused-rpm-ostree-keys.yaml');
  assert.equal(r.code, 2);
  for (const [line, key] of [
    [4, 'releasever'],
    [5, 'repo-packages'],
    [6, 'bootstrap_packages'],
    [7, 'ostree-layers'],
    [8, 'ostree-override-layers'],
    [9, 'remove-from-packages'],
    [10, 'automatic-version-suffix'],
    [11, 'container'],
    [12, 'repovars'],
    [13, 'no-initramfs'],
    [14, 'gpg_key'],
  ] as const)
    assert.match(
      r.stdout,
      new RegExp(
        `refused-rpm-ostree-keys\\.yaml:${line}:1 {2}${key} {2}rpm-ostree's ${key} is not supported: \\S`,
      ),
    );
});
