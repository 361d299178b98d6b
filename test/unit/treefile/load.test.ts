import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMPOSE_LOAD_OPTIONS } from '../../../src/compose/base-packages.ts';
import { InputError } from '../../../src/core/errors.ts';
import { type LoadOptions, loadTreefile } from '../../../src/treefile/load.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const dir = scratchDir('treefile-test');
function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function issuesOf(path: string): string[] {
  try {
    loadTreefile(path);
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    return e.message.split('\n');
  }
  assert.fail('expected the treefile to be rejected');
}

test('the shipped minimal treefile loads and resolves', () => {
  const tf = loadTreefile('treefiles/debian-minimal.yaml');
  assert.equal(tf.ref, 'debian/13/x86_64/minimal');
  assert.equal(tf.suite, 'trixie');
  assert.equal(tf.releasever, '13');
  assert.ok(tf.repo.endsWith('/build/repo'));
  assert.ok(tf.packages.includes('less'));
});

test('repo path is relative to the treefile and defaults to ./repo', () => {
  const p = write('norepo.yaml', 'ostree:\n  ref: a/b\nbase: debian:trixie\n');
  assert.equal(loadTreefile(p).repo, join(dir, 'repo'));
});

test('an unknown key is reported with file, line, column and key', () => {
  const p = write('unknown.yaml', 'ostree:\n  ref: a/b\nbase: debian:trixie\npackagez: [vim]\n');
  const [line] = issuesOf(p);
  assert.match(line ?? '', /unknown\.yaml:4:1 {2}packagez {2}/);
});

test('a wrong type points at the value', () => {
  const p = write('type.yaml', 'ostree:\n  ref: a/b\nbase: debian:trixie\npackages: vim\n');
  assert.match(issuesOf(p)[0] ?? '', /type\.yaml:4:11 {2}packages {2}.*array/i);
});

test('an invalid ref and an unknown suite are both reported', () => {
  const p = write('two.yaml', 'ostree:\n  ref: "debian//bad ref"\nbase: debian:jessiee\n');
  const issues = issuesOf(p);
  assert.equal(issues.length, 2);
  assert.match(issues.join('\n'), /two\.yaml:2:8 {2}ostree\.ref {2}not a valid OSTree ref/);
  assert.match(
    issues.join('\n'),
    /two\.yaml:3:7 {2}base {2}unknown or not yet supported Debian suite/,
  );
});

test('YAML syntax errors carry a position', () => {
  const p = write('syntax.yaml', 'ostree:\n  ref: [a\nbase: debian:trixie\n');
  assert.match(issuesOf(p)[0] ?? '', /syntax\.yaml:\d+:\d+ {2}\(root\) {2}YAML: /);
});

test('a missing treefile is a usage error, not a crash', () => {
  assert.throws(() => loadTreefile(join(dir, 'nope.yaml')), /cannot read treefile/);
});

test('includes: scalars override, lists concatenate, paths relative to each file', () => {
  const sub = join(dir, 'inc');
  mkdirSync(join(sub, 'files'), { recursive: true });
  writeFileSync(join(sub, 'files/motd'), 'hello\n');
  writeFileSync(
    join(sub, 'base.yaml'),
    'base: debian:trixie\npackages: [less]\nunits: [a.service]\nrecommends: true\nadd-files:\n  - [files/motd, /etc/motd]\n',
  );
  const top = join(dir, 'top.yaml');
  writeFileSync(
    top,
    'include: inc/base.yaml\nref: debian/${releasever}/${basearch}/${flavour}\nvariables:\n  flavour: test\npackages: [vim-tiny]\nsystem:\n  services: [b.service]\nrecommends: false\n',
  );
  const tf = loadTreefile(top);
  assert.equal(tf.ref, 'debian/13/x86_64/test');
  assert.deepEqual(tf.packages, ['less', 'vim-tiny']);
  assert.deepEqual(tf.units, ['a.service', 'b.service']);
  assert.equal(tf.recommends, false, 'the including file overrides');
  assert.deepEqual(tf.addFiles, [[join(sub, 'files/motd'), '/etc/motd']]);
  assert.deepEqual(tf.files, [top, join(sub, 'base.yaml')]);
});

test('exclude-packages and seed and rpm-ostree keys map to one model', () => {
  const p = write(
    'dialects.yaml',
    'ostree:\n  ref: x/y\nbase: debian:trixie\npackages: [a1]\nexclude-packages: [b2]\npostinstall: ["echo hi"]\nsystem:\n  directories: [/var/lib/x, /opt2]\n',
  );
  const tf = loadTreefile(p);
  assert.deepEqual(tf.packages, ['a1']);
  assert.deepEqual(tf.excludePackages, ['b2']);
  assert.deepEqual(tf.postprocess, ['echo hi']);
  assert.deepEqual(tf.directories, ['/var/lib/x', '/opt2']);
  assert.equal(tf.versionPrefix, '13');
});

test('the five shipped variants load', () => {
  for (const v of ['minimal', 'gnome-atomic', 'kde-atomic', 'sway-atomic', 'budgie-atomic']) {
    const tf = loadTreefile(`treefiles/debian-${v}.yaml`);
    assert.equal(tf.ref, `debian/13/x86_64/${v}`);
    assert.equal(tf.suite, 'trixie');
    if (v !== 'minimal') {
      assert.equal(tf.defaultTarget, 'graphical.target', v);
      assert.ok(tf.packages.includes('firefox-esr') && tf.packages.includes('network-manager'), v);
    }
  }
});

test('an rpm-ostree treefile ports: underscore keys, several packages per entry, <date:…>', () => {
  const tf = loadTreefile('test/fixtures/treefiles/rpm-ostree-port.yaml');
  assert.equal(tf.versionPrefix, '13.<date:%Y%m%d>', 'expanded at compose (compose/version.ts)');
  assert.equal(tf.defaultTarget, 'graphical.target');
  assert.deepEqual(tf.packages, ['curl', 'wget']);
  assert.deepEqual(tf.warnings, []);
});

test('every underscore spelling is the dashed key; both spellings at once are refused', () => {
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'files/motd'), 'hi\n');
  const p = write(
    'underscores.yaml',
    [
      'ref: a/b',
      'base: debian:trixie',
      'packages_x86_64: ["a1 a2"]',
      'exclude_packages: ["b1  b2"]',
      'add_files: [[files/motd, /etc/motd]]',
      'remove_files: [usr/share/x]',
      'add_commit_metadata: {k: v}',
      'initramfs_args: [--x]',
      'initramfs_profile: vm',
      'machineid_compat: false',
      'container_cmd: [/bin/sh]',
      'kernel_args: [quiet]',
      'particle_os_client: false',
      '',
    ].join('\n'),
  );
  const tf = loadTreefile(p);
  assert.deepEqual(tf.packages, ['a1', 'a2']);
  assert.deepEqual(tf.excludePackages, ['b1', 'b2']);
  assert.deepEqual(tf.addFiles, [[join(dir, 'files/motd'), '/etc/motd']]);
  assert.deepEqual(tf.removeFiles, ['usr/share/x']);
  assert.deepEqual(tf.commitMetadata, { k: 'v' });
  assert.deepEqual(tf.initramfsArgs, ['--x']);
  assert.equal(tf.initramfsProfile, 'vm');
  assert.equal(tf.machineidCompat, false);
  assert.deepEqual(tf.containerCmd, ['/bin/sh']);
  assert.deepEqual(tf.kernelArgs, ['quiet']);
  assert.equal(tf.particleOsClient, false);
  const both = write('both.yaml', 'ref: a/b\nbase: debian:trixie\nadd-files: []\nadd_files: []\n');
  assert.match(
    issuesOf(both).join('\n'),
    /both\.yaml:4:1 {2}add_files {2}both add_files and add-files/,
  );
  const out = write(
    'out.yaml',
    'ref: a/b\nbase: debian:trixie\nadd_files: [[/etc/shadow, /etc/x]]\n',
  );
  assert.match(issuesOf(out).join('\n'), /out\.yaml:3:\d+ {2}add_files\[0\]\[0\] {2}/);
});

test('rpm-ostree keys without meaning on Debian are warnings with the reason, not errors', () => {
  const tf = loadTreefile('test/fixtures/treefiles/rpm-ostree-inapplicable.yaml');
  const keys = tf.warnings.map((w) => w.key);
  assert.deepEqual(keys, [
    'selinux',
    'boot-location',
    'tmp-is-dir',
    'etc-group-members',
    'check-passwd',
    'check-groups',
    'ignore-removed-users',
    'ignore-removed-groups',
    'rpmdb',
    'cliwrap',
    'readonly_executables',
  ]);
  for (const w of tf.warnings) {
    assert.match(w.file, /rpm-ostree-inapplicable\.yaml$/);
    assert.match(w.message, /^ignored: \S.{20,}/, `${w.key}: says why`);
  }
  assert.equal(tf.warnings[0]?.line, 5);
  assert.deepEqual(tf.packages, ['vim-tiny']);
  // An error elsewhere in the file keeps the warnings for the report (treefile validate).
  const p = write(
    'warn-and-err.yaml',
    'ref: a/b\nbase: debian:trixie\nselinux: true\nunits: [x]\n',
  );
  try {
    loadTreefile(p);
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof InputError);
    assert.deepEqual(
      e.warnings.map((w) => w.key),
      ['selinux'],
    );
  }
});

test('the same whitespace split cannot smuggle anything but package names', () => {
  const p = write(
    'smuggle.yaml',
    'ref: a/b\nbase: debian:trixie\npackages: ["vim\\n-o APT::x=1"]\n',
  );
  assert.match(issuesOf(p)[0] ?? '', /smuggle\.yaml:3:\d+ {2}packages\[0\] {2}not a valid/);
});

test('a package both listed and excluded is an error naming both places, across includes and variables', () => {
  write('lists.yaml', 'packages: [vim]\n');
  const p = write(
    'excludes.yaml',
    'include: lists.yaml\nref: x/y\nbase: debian:trixie\nvariables:\n  ed: nano\npackages-x86_64: ["curl ${ed}"]\nexclude-packages: [nano, vim, less]\n',
  );
  const issues = issuesOf(p);
  assert.equal(issues.length, 2, issues.join('\n'));
  assert.match(
    issues[0] as string,
    /excludes\.yaml:7:20 {2}exclude-packages\[0\] {2}nano is excluded here and listed in \S*excludes\.yaml:6:19 \(packages-x86_64\[0\]\); keep one/,
  );
  assert.match(
    issues[1] as string,
    /excludes\.yaml:7:26 {2}exclude-packages\[1\] {2}vim is excluded here and listed in \S*lists\.yaml:1:12 \(packages\[0\]\)/,
  );
});

test('excluding what the consumer needs is an error naming the key and the package', () => {
  const p = write(
    'needs.yaml',
    'ref: x/y\nbase: debian:trixie\nexclude_packages: [nano, "ostree  dracut"]\nadd-files: [[no-such, /etc/x]]\n',
  );
  const needed = () => ({ ostree: 'the tree is an OSTree deployment', dracut: 'the initramfs' });
  let message = '';
  try {
    loadTreefile(p, { needed });
  } catch (e) {
    message = (e as Error).message;
  }
  // Every error in one run: the missing file and both exclusions.
  assert.match(message, /needs\.yaml:4:\d+ {2}add-files\[0\]\[0\] {2}\S*no-such does not exist/);
  assert.match(
    message,
    /needs\.yaml:3:26 {2}exclude_packages\[1\] {2}ostree cannot be excluded: the tree is an OSTree deployment/,
  );
  assert.match(message, /exclude_packages\[1\] {2}dracut cannot be excluded: the initramfs/);
  assert.doesNotMatch(message, /nano/);
  // Without `needed` (a consumer that needs nothing) only the missing file is left.
  assert.deepEqual(
    issuesOf(p).map((i) => i.split('  ')[1]),
    ['add-files[0][0]'],
  );
});

test('apt.components: default main, set for the default archive, refused with apt.replace', () => {
  assert.deepEqual(
    loadTreefile(write('c0.yaml', 'ref: x/y\nbase: debian:trixie\n')).aptComponents,
    ['main'],
  );
  const p = write(
    'c1.yaml',
    'ref: x/y\nbase: debian:trixie\napt:\n  components: [main, non-free-firmware]\n',
  );
  assert.deepEqual(loadTreefile(p).aptComponents, ['main', 'non-free-firmware']);
  assert.match(
    issuesOf(
      write(
        'c2.yaml',
        'ref: x/y\nbase: debian:trixie\napt:\n  components: ["main\\ndeb http://evil/ x main"]\n',
      ),
    )[0] as string,
    /c2\.yaml:4:\d+ {2}apt\.components\[0\] {2}letters, digits/,
  );
  // replace in an included file, components in the including one: still refused.
  write('c3-inc.yaml', 'apt:\n  replace: true\n  sources:\n    - uris: http://deb.example/d\n');
  assert.match(
    issuesOf(
      write(
        'c3.yaml',
        'include: c3-inc.yaml\nref: x/y\nbase: debian:trixie\napt:\n  components: [contrib]\n',
      ),
    ).join('\n'),
    /apt\.components {2}apt\.components sets the default archive/,
  );
});

test('a file reached through two includes is merged once, where the depth-first walk first reaches it; siblings merge in rpm-ostree’s order', () => {
  const tf = loadTreefile('test/fixtures/treefiles/includes/diamond.yaml');
  const inc = (f: string) => join(process.cwd(), 'test/fixtures/treefiles/includes', f);
  // D comes in under B (the first branch): its script runs once, its file is copied once. In
  // rpm-ostree's order a later include's scripts run first (C's, then B's with D's under it),
  // the including file's last.
  assert.deepEqual(tf.postprocess, ['echo c', 'echo d', 'echo b', 'echo a']);
  assert.deepEqual(tf.addFiles, [[inc('files/motd'), '/etc/motd']]);
  assert.deepEqual(tf.packages, ['vim-tiny', 'curl', 'less']);
  assert.equal(
    tf.recommends,
    false,
    'the earlier include (B, with D) wins over C, as in rpm-ostree',
  );
  assert.deepEqual(
    tf.files,
    ['diamond.yaml', 'diamond-b.yaml', 'diamond-d.yaml', 'diamond-c.yaml'].map(inc),
  );
});

test('postprocess scripts of sibling includes run as rpm-ostree documents: the later include first, the including file last', () => {
  // rpm-ostree's docs/treefile.md example: include [kernel, bootupd] echoes baz, bar, foo.
  write('order-kernel.yaml', 'postprocess: ["echo bar"]\nrecommends: true\n');
  write('order-bootupd.yaml', 'postprocess: ["echo baz"]\nrecommends: false\n');
  const tf = loadTreefile(
    write(
      'order.yaml',
      'include: [order-kernel.yaml, order-bootupd.yaml]\nref: a/b\nbase: debian:trixie\npostprocess: ["echo foo"]\n',
    ),
  );
  assert.deepEqual(tf.postprocess, ['echo baz', 'echo bar', 'echo foo']);
  assert.equal(tf.recommends, true, 'the earlier include wins a setting both set');
});

test('the same file under another name (a link) is the same file: merged once; a cycle through it is still a cycle', () => {
  const sub = join(dir, 'alias');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, 'd.yaml'), 'postprocess: ["echo d"]\n');
  symlinkSync('d.yaml', join(sub, 'd-link.yaml'));
  writeFileSync(
    join(sub, 'top.yaml'),
    'include: [d.yaml, d-link.yaml]\nref: a/b\nbase: debian:trixie\n',
  );
  assert.deepEqual(loadTreefile(join(sub, 'top.yaml')).postprocess, ['echo d']);
  writeFileSync(join(sub, 'c1.yaml'), 'include: c2.yaml\nref: a/b\nbase: debian:trixie\n');
  writeFileSync(join(sub, 'c2.yaml'), 'include: c1-link.yaml\n');
  symlinkSync('c1.yaml', join(sub, 'c1-link.yaml'));
  assert.match(
    issuesOf(join(sub, 'c1.yaml')).join('\n'),
    /c2\.yaml:1:10 {2}include {2}include cycle: \S*c1\.yaml → \S*c2\.yaml → \S*c1-link\.yaml/,
  );
});

test('arch-include (x86_64 or amd64 only) and conditional-include follow include, in rpm-ostree’s order', () => {
  const tf = loadTreefile('test/fixtures/treefiles/includes/conditional.yaml');
  // include, then arch-include x86_64, then the conditional entries that hold (cond-trixie,
  // whose own condition sees the including file's variables, then cond-x86; cond-common is
  // already merged). The aarch64 and dev files are never read (they do not exist). Lists hold
  // a later include's entries first, as rpm-ostree merges them.
  assert.deepEqual(tf.packages, ['curl', 'htop', 'vim-tiny', 'intel-microcode', 'less']);
  assert.deepEqual(
    tf.files.map((f) => f.split('/').pop()),
    [
      'conditional.yaml',
      'cond-common.yaml',
      'arch-x86_64.yaml',
      'cond-trixie.yaml',
      'cond-stable.yaml',
      'cond-x86.yaml',
    ],
  );
  // Debian's name, and rpm-ostree's underscore spelling of the key.
  write('arch-inc.yaml', 'packages: [curl]\n');
  const p = write(
    'arch-debian.yaml',
    'ref: a/b\nbase: debian:sid\narch_include:\n  amd64: [arch-inc.yaml]\n  arm64: nope.yaml\n',
  );
  assert.deepEqual(loadTreefile(p).packages, ['curl']);
});

test('conditions: sid’s releasever is a string; a variable wins over a predefined one; errors are located', () => {
  write('cond-inc.yaml', 'packages: [curl]\n');
  const sid = write(
    'cond-sid.yaml',
    'ref: a/b\nbase: debian:sid\nconditional-include:\n  - if: releasever == "sid"\n    include: cond-inc.yaml\n',
  );
  assert.deepEqual(loadTreefile(sid).packages, ['curl']);
  const over = write(
    'cond-over.yaml',
    'ref: a/b\nbase: debian:trixie\nvariables:\n  releasever: 99\nconditional-include:\n  - if: releasever > 13\n    include: cond-inc.yaml\n',
  );
  assert.deepEqual(loadTreefile(over).packages, ['curl']);
  const bad = write(
    'cond-bad.yaml',
    'ref: a/b\nbase: debian:sid\nconditional-include:\n  - if: [releasever >= 13, nope == 1]\n    include: cond-inc.yaml\n',
  );
  const issues = issuesOf(bad);
  assert.equal(issues.length, 2, issues.join('\n'));
  assert.match(
    issues[0] as string,
    /cond-bad\.yaml:4:10 {2}conditional-include\[0\]\.if\[0\] {2}cannot decide releasever >= 13: releasever is a string \("sid"\)/,
  );
  assert.match(
    issues[1] as string,
    /cond-bad\.yaml:4:28 {2}conditional-include\[0\]\.if\[1\] {2}cannot decide nope == 1: unknown variable nope/,
  );
});

test('mutate-os-release: read, substituted, re-checked', () => {
  const p = write(
    'mutate.yaml',
    'ref: a/b\nbase: debian:trixie\nmutate_os_release: "${releasever}"\n',
  );
  assert.equal(loadTreefile(p).mutateOsRelease, '13');
  assert.equal(
    loadTreefile(write('nomutate.yaml', 'ref: a/b\nbase: debian:trixie\n')).mutateOsRelease,
    undefined,
  );
});

test('scripts: inline ones, then the postprocess-script file beside the treefile, each located with its #! line', () => {
  const fixture = 'test/fixtures/treefiles/scripts';
  const tf = loadTreefile(`${fixture}/scripts.yaml`);
  assert.equal(tf.postprocess.length, 3);
  assert.match(tf.postprocess[0] ?? '', /^#!\/usr\/bin\/env bash\n/, 'the included file’s first');
  assert.match(tf.postprocess[1] ?? '', /^#!\/usr\/bin\/python3\n/);
  assert.equal(
    tf.postprocessScript,
    readFileSync(`${fixture}/postprocess.sh`, 'utf8'),
    'the file’s text, read when loading',
  );
  assert.deepEqual(
    tf.scriptSites.map((s) => [s.at.file, s.at.line, s.at.key, s.path, s.shebang?.interpreter]),
    [
      [`${fixture}/scripts.yaml`, 10, 'postprocess[0]', undefined, '/usr/bin/python3'],
      [`${fixture}/scripts.yaml`, 15, 'postprocess[1]', undefined, undefined],
      [
        `${fixture}/scripts.yaml`,
        17,
        'postprocess-script',
        `${fixture}/postprocess.sh`,
        '/bin/bash',
      ],
      [`${fixture}/common.yaml`, 3, 'postprocess[0]', undefined, '/usr/bin/env'],
    ],
  );
  assert.equal(loadTreefile('treefiles/debian-minimal.yaml').postprocessScript, undefined);
});

test('with the packages the consumer installs: an excluded interpreter is an error, an unlisted one a warning', () => {
  const provided: LoadOptions = { provided: () => ['bash', 'coreutils', 'dash'] };
  const issues = (yaml: string) => {
    const p = write('interp.yaml', `ref: a/b\nbase: debian:trixie\n${yaml}`);
    try {
      return loadTreefile(p, provided).warnings.map((w) => `warning: ${w.message}`);
    } catch (e) {
      return (e as Error).message.split('\n');
    }
  };
  const py = 'postprocess:\n  - |\n    #!/usr/bin/python3\n    print(1)\n';
  // Neither listed nor in the base: a dependency may still bring python3 (the compose decides).
  assert.deepEqual(issues(py), [
    'warning: #!/usr/bin/python3: no package that provides /usr/bin/python3 (python3-minimal, python3) is listed in packages or installed by the base (a dependency may still bring one in: the compose checks the resolved set): add python3 to packages',
  ]);
  assert.deepEqual(issues(`packages: [python3]\n${py}`), []);
  const excluded = issues(
    `packages: [python3]\nexclude-packages: [bash]\npostprocess: ["#!/bin/bash"]\n`,
  );
  assert.equal(excluded.length, 1, excluded.join('\n'));
  assert.match(
    excluded[0] ?? '',
    /interp\.yaml:\d+:\d+ {2}postprocess\[0\] {2}#!\/bin\/bash: no package that provides \/bin\/bash \(bash\) is allowed: exclude-packages removes every one: remove bash from exclude-packages$/,
    'an excluded package provides nothing: an error, reported once',
  );
  assert.deepEqual(issues('postprocess: ["#!/bin/sh -e\\necho", "echo plain"]\n'), []);
  assert.deepEqual(issues('postprocess: "#!/opt/x/run"\n'), [
    'warning: #!/opt/x/run: particle-os does not know which Debian package ships /opt/x/run; make sure one in the package set does, or the script cannot start',
  ]);
  // Without `provided` the consumer checks nothing about packages (the #! line itself, always).
  assert.equal(
    loadTreefile(write('interp2.yaml', `ref: a/b\nbase: debian:trixie\n${py}`)).ref,
    'a/b',
  );
});

test('postprocess-script: one per treefile with its includes; a second is an error naming both', () => {
  const sub = join(dir, 'script-twice');
  mkdirSync(join(sub, 'inc'), { recursive: true });
  writeFileSync(join(sub, 'top.sh'), '#!/bin/sh\necho top\n');
  writeFileSync(join(sub, 'inc/inc.sh'), 'echo inc\n');
  writeFileSync(join(sub, 'inc/inc.yaml'), 'postprocess_script: inc.sh\n');
  writeFileSync(
    join(sub, 'top.yaml'),
    'include: inc/inc.yaml\nref: a/b\nbase: debian:trixie\npostprocess-script: top.sh\n',
  );
  assert.match(
    issuesOf(join(sub, 'top.yaml')).join('\n'),
    /inc\/inc\.yaml:1:21 {2}postprocess_script {2}set here and in \S*top\.yaml:4:21 \(postprocess-script\): a treefile with its includes runs one script file/,
  );
  // Only in the included file: relative to it, and read.
  writeFileSync(join(sub, 'one.yaml'), 'include: inc/inc.yaml\nref: a/b\nbase: debian:trixie\n');
  assert.equal(loadTreefile(join(sub, 'one.yaml')).postprocessScript, 'echo inc\n');
  // A file reached twice is merged once: its script is one script.
  writeFileSync(
    join(sub, 'two.yaml'),
    'include: [inc/inc.yaml, inc/inc.yaml]\nref: a/b\nbase: debian:trixie\n',
  );
  assert.equal(loadTreefile(join(sub, 'two.yaml')).postprocessScript, 'echo inc\n');
});

test('package versions and suites: kept as written, one per package, compared by name', () => {
  write('pins-inc.yaml', 'packages: [less, vim, "curl=8.14.1-2"]\n');
  const p = write(
    'pins.yaml',
    'include: pins-inc.yaml\nref: x/y\nbase: debian:trixie\napt:\n  sources:\n    - uris: https://apt.example.com/debian\n      suites: [trixie-backports]\npackages: ["less/${suite}-backports", curl]\nexclude-packages: [nano]\n',
  );
  const tf = loadTreefile(p);
  // The included bare `less` gives way to the including file's suite; `curl` keeps its version.
  assert.deepEqual(tf.packages, ['less/trixie-backports', 'vim', 'curl=8.14.1-2']);
  // A name excluded here is matched by name against a listed entry with a version.
  const q = write(
    'pins-excluded.yaml',
    'ref: x/y\nbase: debian:trixie\npackages: ["nano=8.4-1"]\nexclude-packages: [nano]\n',
  );
  assert.match(
    issuesOf(q).join('\n'),
    /pins-excluded\.yaml:4:20 {2}exclude-packages\[0\] {2}nano is excluded here and listed in \S*pins-excluded\.yaml:3:12 \(packages\[0\]\)/,
  );
  // exclude-packages takes names only.
  const r = write(
    'exclude-version.yaml',
    'ref: x/y\nbase: debian:trixie\nexclude-packages: ["nano=8.4-1"]\n',
  );
  assert.match(issuesOf(r)[0] ?? '', /exclude-packages\[0\] {2}.*without =VERSION or \/SUITE/);
});

test('name/SUITE: the suite must come from a configured source, else a located error naming the source to add', () => {
  const noSource = write(
    'suite-none.yaml',
    'ref: x/y\nbase: debian:trixie\npackages:\n  - less\n  - linux-image-amd64/trixie-backports\n',
  );
  const [issue, ...more] = issuesOf(noSource);
  assert.equal(more.length, 0);
  assert.match(
    issue ?? '',
    /suite-none\.yaml:5:5 {2}packages\[1\] {2}linux-image-amd64\/trixie-backports: no configured apt source provides suite trixie-backports \(the default archive has trixie, trixie-updates, trixie-security; apt\.sources: none\)\. Add one to apt\.sources: \{uris: <a Debian mirror: backports are part of the Debian archive>, suites: \[trixie-backports\]\}/,
  );
  // The default archive's own suites need no source; testing has no -updates or -security.
  const ok = write(
    'suite-default.yaml',
    'ref: x/y\nbase: debian:trixie\npackages: [firefox-esr/trixie-security, less/trixie-updates]\n',
  );
  assert.deepEqual(loadTreefile(ok).packages, [
    'firefox-esr/trixie-security',
    'less/trixie-updates',
  ]);
  const forky = write(
    'suite-forky.yaml',
    'ref: x/y\nbase: debian:forky\npackages: [less/forky-security]\n',
  );
  assert.match(issuesOf(forky)[0] ?? '', /the default archive has forky;/);
  // With apt.replace, only apt.sources count.
  const replaced = write(
    'suite-replace.yaml',
    'ref: x/y\nbase: debian:trixie\napt:\n  replace: true\n  sources:\n    - uris: https://apt.example.com/debian\npackages: [less/trixie-updates, vim/trixie]\n',
  );
  const issues = issuesOf(replaced);
  assert.equal(issues.length, 1, issues.join('\n'));
  assert.match(
    issues[0] ?? '',
    /packages\[0\] {2}less\/trixie-updates: .*\(no default archive \(apt\.replace: true\); apt\.sources have trixie\)/,
  );
});

test('two different versions or suites for one package are an error naming both places', () => {
  write('twice-inc.yaml', 'packages: ["less=668-1"]\n');
  const p = write(
    'twice.yaml',
    'include: twice-inc.yaml\nref: x/y\nbase: debian:trixie\npackages: [less, "less=668-1", "less=661-3"]\n',
  );
  const issues = issuesOf(p);
  assert.equal(issues.length, 1, issues.join('\n'));
  assert.match(
    issues[0] ?? '',
    /twice\.yaml:4:32 {2}packages\[2\] {2}less=661-3 here and less=668-1 in \S*twice\.yaml:4:18 \(packages\[1\]\): one version or suite per package; keep one/,
  );
});

test('versions and suites are checked again after substitution', () => {
  const p = write(
    'pins-sub.yaml',
    'ref: x/y\nbase: debian:trixie\nvariables:\n  v: "--force"\npackages: ["less=${v}"]\n',
  );
  assert.match(
    issuesOf(p).join('\n'),
    /packages {2}not a valid package entry "less=--force": "--force" is not a Debian version .*\(after substitution\)/,
  );
});

test('kernel-flavour replaces the kernel; another kernel listed is an error naming both', () => {
  const cloud = write(
    'flavour-cloud.yaml',
    'ref: x/y\nbase: debian:trixie\nkernel-flavour: cloud\npackages: ["linux-image-cloud-amd64=6.12.48-1", less]\n',
  );
  const tf = loadTreefile(cloud);
  assert.equal(tf.kernelFlavour, 'cloud');
  assert.deepEqual(tf.packages, ['linux-image-cloud-amd64=6.12.48-1', 'less']);
  // `default` is the same as unset (and the model says so by leaving it out).
  write('flavour-rt.yaml', 'ref: x/y\nbase: debian:trixie\nkernel-flavour: rt\n');
  const dflt = write('flavour-default.yaml', 'include: flavour-rt.yaml\nkernel-flavour: default\n');
  assert.equal(loadTreefile(dflt).kernelFlavour, undefined);
  // The including file's flavour wins, and what is listed is checked against it.
  const over = write('flavour-over.yaml', 'include: flavour-cloud.yaml\nkernel-flavour: rt\n');
  assert.match(
    issuesOf(over)[0] ?? '',
    /linux-image-cloud-amd64 and linux-image-rt-amd64 would be two kernels/,
  );
  const second = write(
    'flavour-second.yaml',
    'ref: x/y\nbase: debian:trixie\nkernel_flavour: rt\npackages: [linux-image-amd64, "linux-image-6.12.48+deb13-rt-amd64"]\n',
  );
  const issues = issuesOf(second);
  assert.equal(issues.length, 2, issues.join('\n'));
  assert.match(
    issues[0] ?? '',
    /flavour-second\.yaml:4:12 {2}packages\[0\] {2}linux-image-amd64 and linux-image-rt-amd64 would be two kernels \(kernel-flavour: rt installs linux-image-rt-amd64\), and a tree boots one: drop it, or set kernel-flavour: default/,
  );
  assert.match(
    issues[1] ?? '',
    /packages\[1\] {2}linux-image-6\.12\.48\+deb13-rt-amd64 and linux-image-rt-amd64 .*to pin the kernel, list linux-image-rt-amd64=VERSION/,
  );
  // Without a flavour, a flavour's kernel listed is a second kernel too: the key is the way.
  const noFlavour = write(
    'flavour-listed.yaml',
    'ref: x/y\nbase: debian:trixie\npackages: [linux-image-cloud-amd64, linux-image-amd64-dbg]\n',
  );
  assert.deepEqual(
    issuesOf(noFlavour).map((i) => i.replace(/^.*packages/, 'packages')),
    [
      'packages[0]  linux-image-cloud-amd64 and linux-image-amd64 would be two kernels (the base installs linux-image-amd64), and a tree boots one: drop it, or set kernel-flavour: cloud to have linux-image-cloud-amd64 instead',
    ],
  );
  // An unknown flavour names the known ones.
  const bad = write(
    'flavour-bad.yaml',
    'ref: x/y\nbase: debian:trixie\nkernel-flavour: lowlatency\n',
  );
  assert.match(
    issuesOf(bad)[0] ?? '',
    /kernel-flavour {2}.*"default"\|"cloud"\|"rt"|kernel-flavour {2}.*default.*cloud.*rt/,
  );
});

test('with the compose’s needs, the flavour’s kernel cannot be excluded and the default one can', () => {
  const p = write(
    'flavour-exclude.yaml',
    'ref: x/y\nbase: debian:trixie\nkernel-flavour: cloud\nexclude-packages: [linux-image-amd64, linux-image-cloud-amd64]\n',
  );
  let message = '';
  try {
    loadTreefile(p, COMPOSE_LOAD_OPTIONS);
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(
    message,
    /exclude-packages\[1\] {2}linux-image-cloud-amd64 cannot be excluded: the base installs it \(the kernel, kernel-flavour: cloud\)/,
  );
  assert.doesNotMatch(message, /exclude-packages\[0\]/);
});

test('the kernel example treefiles under test/fixtures load', () => {
  const cloud = loadTreefile(
    'test/fixtures/treefiles/kernel/cloud-pinned.yaml',
    COMPOSE_LOAD_OPTIONS,
  );
  assert.equal(cloud.kernelFlavour, 'cloud');
  assert.ok(cloud.packages.some((p) => p.startsWith('linux-image-cloud-amd64=')));
  const bpo = loadTreefile('test/fixtures/treefiles/kernel/backports.yaml', COMPOSE_LOAD_OPTIONS);
  assert.ok(bpo.packages.includes('linux-image-amd64/trixie-backports'));
});

test('locales: names checked, concatenated across includes, each once', () => {
  write('loc-base.yaml', 'ref: a/b\nbase: debian:trixie\nlocales: [en_US.UTF-8]\n');
  const p = write(
    'loc.yaml',
    'include: loc-base.yaml\nlocales: [de_DE.UTF-8, en_US.utf8, sr_RS@latin]\n',
  );
  assert.deepEqual(loadTreefile(p).locales, ['en_US.UTF-8', 'de_DE.UTF-8', 'sr_RS@latin']);
  assert.equal(
    loadTreefile(write('noloc.yaml', 'ref: a/b\nbase: debian:trixie\n')).locales,
    undefined,
  );
  const issues = issuesOf(
    write(
      'badloc.yaml',
      'ref: a/b\nbase: debian:trixie\nlocales: [de_DE.UTF-8, "de_DE UTF-8", ../x]\n',
    ),
  );
  assert.ok(
    issues.some((l) =>
      /badloc\.yaml:3:\d+ {2}locales\[1\] {2}not a locale name like de_DE\.UTF-8/.test(l),
    ),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((l) => /locales\[2\] {2}not a locale name/.test(l)),
    issues.join('\n'),
  );
});
