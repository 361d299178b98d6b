/**
 * The checks run inside the booted guest. They reach the guest as systemd credentials in
 * SMBIOS type 11 strings: a unit (systemd.extra-unit.*, picked up by systemd-debug-generator),
 * a drop-in that makes multi-user.target want it, and the check script. The shipped image is
 * never modified and needs no password or network for the test.
 * Each check prints one line `PARTICLE-CHECK <pass|fail> <name> <detail>` to the console (in
 * the name, % and space are written %25 and %20: a kernel argument's name may hold spaces);
 * the script ends with `PARTICLE-DONE` and powers the guest off.
 */
import { normalizeLocale } from '../core/locales.ts';
import { shq } from '../core/run.ts';
import { extraUnitCredential, smbiosCredential, unitDropinCredential } from '../vm/credentials.ts';
export interface GuestCheck {
  name: string;
  /** A POSIX sh snippet; exit status 0 means pass, its output is the detail. */
  script: string;
}

export interface Expectations {
  commit?: string;
  version?: string;
  hostname?: string;
  kargs?: string[];
  users?: { name: string; groups: string[]; sshKeys: number }[];
  timezone?: string;
  /** The system locale (LANG) the recipe set. */
  locale?: string;
  /** The user the display manager logs in at boot, and the process its desktop runs. */
  autologin?: { user: string; shell?: string };
  /** Filesystem type of the root partition (mounted at /sysroot). */
  rootFilesystem?: string;
  extra?: string[];
}

export const UNIT_NAME = 'particle-os-boot-check.service';
const SCRIPT_CREDENTIAL = 'particle-os.boot-check';

/**
 * A desktop image is up only when a person could log in: with graphical.target as the default
 * and a display manager enabled (the display-manager.service alias GDM, SDDM, LightDM and
 * greetd install), that unit must be active and, within a minute of
 * boot finishing, a session on a seat must be either a greeter's (logind class "greeter": each
 * of those display managers opens its greeter through PAM so; greetd's tuigreet is one on a
 * text console) or, with autologin, a user's of type x11 or wayland. A text login on tty1 is
 * neither. Images that boot to a console pass with the reason.
 */
export const GRAPHICAL_SESSION = [
  't=$(systemctl get-default)',
  'if [ "$t" != graphical.target ]; then echo "default target $t: no display manager expected"; exit 0; fi',
  // Debian's default.target is graphical.target even without a desktop: no display manager
  // enabled (no display-manager.service alias) means a console image.
  'l=$(systemctl show -P LoadState display-manager.service)',
  'if [ "$l" != loaded ]; then echo "default target $t without a display manager (display-manager.service $l)"; exit 0; fi',
  'dm=$(systemctl show -P Id display-manager.service)',
  'a=$(systemctl is-active display-manager.service)',
  'if [ "$a" != active ]; then echo "display-manager.service ($dm) is $a"; exit 1; fi',
  'i=0',
  'while [ $i -lt 60 ]; do',
  "  for s in $(loginctl list-sessions --no-legend | awk '{print $1}'); do",
  '    c=$(loginctl show-session "$s" -P Class); ty=$(loginctl show-session "$s" -P Type); seat=$(loginctl show-session "$s" -P Seat)',
  '    case "$c:$ty" in (greeter:*|user:x11|user:wayland)',
  '      [ -n "$seat" ] && { echo "$dm: $c session $s ($ty) of $(loginctl show-session "$s" -P Name) on $seat"; exit 0; };;',
  '    esac',
  '  done',
  '  i=$((i + 1)); sleep 1',
  'done',
  "echo \"$dm is active but no greeter or user session runs on a seat: $(loginctl list-sessions --no-legend | tr '\\n' ';')\"",
  'exit 1',
].join('\n');

/**
 * With the recipe's autologin, a person sees a desktop: within `seconds` of boot finishing the
 * user has an x11 or wayland session on a seat and, when the session is one we know, its
 * desktop process (gnome-shell, plasmashell, budgie-panel, sway) runs as that user and stays
 * up: the same process must reach an age of `settleSeconds`. A shell that crashes soon after it
 * starts (gnome-shell's software GL did, about a minute in, leaving the text console on screen)
 * is restarted with a new pid and fails the check. Processes are found through /proc, so the
 * image needs no procps.
 */
export function autologinSessionCheck(
  user: string,
  shell?: string,
  seconds = 300,
  settleSeconds = 90,
): string {
  return [
    `u=${shq(user)}; sh=${shq(shell ?? '')}; settle=${settleSeconds}`,
    'uid=$(id -u "$u") || exit 1',
    // A deadline in seconds of uptime: one pass over /proc can take seconds under emulation.
    `now() { read -r t _ </proc/uptime; echo "\${t%%.*}"; }`,
    'hz=$(getconf CLK_TCK)',
    // Seconds since process $1 started (stat's field 22, the 20th after the ")" ending comm);
    // fails once it is gone or a zombie (state Z).
    `age() { set -- $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null); [ $# -ge 20 ] && [ "$1" != Z ] && echo $(( $(now) - \${20} / hz )); }`,
    `end=$(( $(now) + ${seconds + settleSeconds} )); found=; pid=; seen=`,
    'while :; do',
    '  found=',
    "  for s in $(loginctl list-sessions --no-legend | awk '{print $1}'); do",
    '    [ "$(loginctl show-session "$s" -P Name)" = "$u" ] || continue',
    '    [ "$(loginctl show-session "$s" -P State)" != closing ] || continue',
    '    ty=$(loginctl show-session "$s" -P Type); seat=$(loginctl show-session "$s" -P Seat)',
    '    case "$ty" in (x11|wayland) [ -n "$seat" ] && found="session $s ($ty) on $seat";; esac',
    '  done',
    '  [ -n "$found" ] && [ -z "$sh" ] && { echo "$u: $found"; exit 0; }',
    '  if [ -n "$found" ]; then',
    '    pid=',
    '    for p in /proc/[0-9]*; do',
    '      read -r c 2>/dev/null <"$p/comm" || continue',
    '      [ "$c" = "$sh" ] || continue',
    // The real uid from status (stat of /proc/PID says root for undumpable processes).
    `      [ "$(awk '/^Uid:/ {print $2}' "$p/status" 2>/dev/null)" = "$uid" ] || continue`,
    `      a=$(age "\${p#/proc/}") && pid=\${p#/proc/} && break`,
    '    done',
    '    if [ -n "$pid" ]; then',
    `      case " $seen " in (*" $pid "*) ;; (*) seen="\${seen:+$seen }$pid";; esac`,
    `      [ "$a" -ge "$settle" ] && { echo "$u: $found and $sh runs as $u (pid $pid, up \${a}s)"; exit 0; }`,
    '    fi',
    '  fi',
    '  [ "$(now)" -lt "$end" ] || break',
    '  sleep 1',
    'done',
    'if [ -z "$found" ]; then',
    `  echo "no x11/wayland session of $u on a seat: $(loginctl list-sessions --no-legend | tr '\\n' ';')"`,
    'elif [ -z "$seen" ]; then echo "$u: $found but no $sh process of $u"',
    `else echo "$u: $found but $sh did not stay up \${settle}s (pids: $seen)"; fi`,
    'exit 1',
  ].join('\n');
}

/**
 * The recipe's locale is the system's and glibc can load it: systemd read LANG from
 * /etc/locale.conf into its manager environment (what services and logins inherit), `locale`
 * with that LANG prints no "Cannot set LC_…" warning (the warning glibc gives when the locale
 * is not compiled into the image), and `locale -a` lists it (as written, or with its codeset
 * normalized as glibc lists it: de_DE.utf8). The check script runs with LC_ALL=C, so each
 * `locale` runs in an environment of its own.
 */
export function localeCheck(name: string): string {
  return [
    `n=${shq(name)}; nn=${shq(normalizeLocale(name))}`,
    `m=$(systemctl show-environment | grep '^LANG=')`,
    'w=$(env -i PATH="$PATH" LANG="$n" locale 2>&1 >/dev/null)',
    'a=$(locale -a | grep -xF -e "$n" -e "$nn" | head -n 1)',
    'echo "manager ${m:-has no LANG}; locale -a: ${a:-no $n}${w:+; $w}"',
    '[ "$m" = "LANG=$n" ] && [ -z "$w" ] && [ -n "$a" ]',
  ].join('\n');
}

/**
 * /proc/cmdline one argument per line as the kernel reads it (lib/cmdline.c's next_arg): split
 * at spaces outside double quotes, the quotes dropped. GRUB re-quotes an argument holding
 * spaces as a whole, so the BLS entry's `dyndbg="file a +p"` reaches /proc/cmdline as
 * `"dyndbg=file a +p"`: both are the one argument `dyndbg=file a +p`. awk is mawk (Priority:
 * required).
 */
const CMDLINE_ARGS = `awk '{ a = ""; q = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1); if (c == "\\"") { q = !q; continue } if (c == " " && !q) { if (a != "") print a; a = "" } else a = a c } if (a != "") print a }' /proc/cmdline`;

export function guestChecks(e: Expectations): GuestCheck[] {
  const checks: GuestCheck[] = [
    { name: 'cmdline-has-ostree', script: `grep -o 'ostree=[^ ]*' /proc/cmdline` },
    {
      name: 'root-is-deployment',
      script: `test -e /run/ostree-booted && d=$(findmnt -no SOURCE /) && echo "/ from $d" && ostree admin status | grep -q '^\\* '`,
    },
    {
      name: 'usr-read-only',
      script: `opts=$(findmnt -no OPTIONS -T /usr) && echo "$opts" && case ",$opts," in *,ro,*) ! touch /usr/.particle-os-write-test 2>/dev/null;; *) false;; esac`,
    },
    {
      name: 'system-running',
      script: `s=$(systemctl is-system-running); echo "$s $(systemctl --failed --no-legend --plain | cut -d' ' -f1 | tr '\\n' ' ')"; test "$s" = running`,
    },
    { name: 'graphical-session', script: GRAPHICAL_SESSION },
    {
      name: 'dpkg-database',
      script: `n=$(dpkg-query -W -f='\${db:Status-Abbrev}\\n' | grep -c '^ii'); echo "$n packages"; test "$n" -gt 0`,
    },
  ];
  if (e.commit) {
    checks.push({
      name: 'booted-commit',
      script: `ostree admin status | grep -E '^\\* ' ; ostree admin status | grep -qE '^\\* [^ ]+ ${e.commit}\\.[0-9]+'`,
    });
  }
  if (e.version) {
    checks.push({
      name: 'booted-version',
      script: `ostree admin status | grep -F 'Version: ${shq(e.version)}'`,
    });
  }
  if (e.hostname)
    checks.push({
      name: 'hostname',
      script: `h=$(hostname); echo "$h"; test "$h" = ${shq(e.hostname)}`,
    });
  for (const k of e.kargs ?? []) {
    checks.push({
      name: `karg:${k}`,
      // The kernel's own splitting: spaces inside double quotes do not end an argument.
      script: `${CMDLINE_ARGS} | grep -qxF -- ${shq(k.replaceAll('"', ''))}`,
    });
  }
  for (const u of e.users ?? []) {
    const groups = u.groups.map((g) => `id -nG ${shq(u.name)} | tr ' ' '\\n' | grep -qx ${shq(g)}`);
    const keys = u.sshKeys ? [`test -s ~${u.name}/.ssh/authorized_keys`] : [];
    checks.push({
      name: `user:${u.name}`,
      script: [
        `id ${shq(u.name)}`,
        `test -O ~${u.name} || test "$(stat -c %U ~${u.name})" = ${shq(u.name)}`,
        ...groups,
        ...keys,
      ].join(' && '),
    });
  }
  if (e.timezone) {
    checks.push({
      name: 'timezone',
      script: `t=$(readlink /etc/localtime); echo "$t"; case "$t" in */${e.timezone}) true;; *) false;; esac`,
    });
  }
  if (e.locale) checks.push({ name: `locale:${e.locale}`, script: localeCheck(e.locale) });
  if (e.autologin)
    checks.push({
      name: `autologin:${e.autologin.user}`,
      script: autologinSessionCheck(e.autologin.user, e.autologin.shell),
    });
  if (e.rootFilesystem) {
    checks.push({
      name: 'root-filesystem',
      script: `t=$(findmnt -no FSTYPE /sysroot); echo "$t"; test "$t" = ${shq(e.rootFilesystem)}`,
    });
  }
  for (const [i, c] of (e.extra ?? []).entries())
    checks.push({ name: `custom-${i + 1}`, script: c });
  return checks;
}

/** The script run in the guest: wait for boot to finish, run every check, report, power off. */
export function checkScript(
  checks: readonly GuestCheck[],
  opts: { holdSeconds?: number; analyze?: boolean } = {},
): string {
  const lines = [
    '#!/bin/sh',
    'export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C',
    'systemctl is-system-running --wait >/dev/null 2>&1',
    'report() { printf "PARTICLE-CHECK %s %s %s\\n" "$1" "$2" "$(printf %s "$3" | tr "\\n" " " | cut -c1-300)"; }',
  ];
  for (const c of checks) {
    lines.push(
      `out=$( ( ${c.script} ) 2>&1 ) && report pass ${shq(wireName(c.name))} "$out" || report fail ${shq(wireName(c.name))} "$out"`,
    );
  }
  if (opts.analyze) lines.push(...ANALYZE_SCRIPT);
  // Keep the screen up for a moment (for a screenshot) before powering off.
  if (opts.holdSeconds) lines.push('echo PARTICLE-HOLD', `sleep ${opts.holdSeconds}`);
  lines.push('echo PARTICLE-DONE', 'systemctl poweroff --no-block', '');
  return lines.join('\n');
}

/** The unit that runs the script. Type=exec so boot can finish while it waits for that. */
export function checkUnit(): string {
  return [
    '[Unit]',
    'Description=particle-os boot test checks',
    'After=multi-user.target',
    '[Service]',
    'Type=exec',
    `LoadCredential=${SCRIPT_CREDENTIAL}`,
    `ExecStart=/bin/sh \${CREDENTIALS_DIRECTORY}/${SCRIPT_CREDENTIAL}`,
    'StandardOutput=journal+console',
    'StandardError=journal+console',
    '',
  ].join('\n');
}

/** SMBIOS type 11 strings carrying the unit, the drop-in that starts it and the script. */
export function credentialStrings(script: string): string[] {
  return [
    extraUnitCredential(UNIT_NAME, checkUnit()),
    unitDropinCredential('multi-user.target', 'particle-os', `[Unit]\nWants=${UNIT_NAME}\n`),
    smbiosCredential(SCRIPT_CREDENTIAL, script),
  ];
}

/** The manager's own timestamps (µs since boot) that systemd-analyze does not print. */
const MANAGER_TIMESTAMPS = [
  'InitRDGeneratorsStartTimestampMonotonic',
  'InitRDGeneratorsFinishTimestampMonotonic',
  'InitRDUnitsLoadStartTimestampMonotonic',
  'InitRDUnitsLoadFinishTimestampMonotonic',
  'UserspaceTimestampMonotonic',
  'GeneratorsStartTimestampMonotonic',
  'GeneratorsFinishTimestampMonotonic',
  'UnitsLoadStartTimestampMonotonic',
  'UnitsLoadFinishTimestampMonotonic',
  'FinishTimestampMonotonic',
];

/**
 * systemd's own account of the boot, each line tagged `PARTICLE-ANALYZE <part> ` so it can be
 * picked out of the console: `time` (firmware, loader, kernel, initrd, userspace), `blame`
 * (the 30 slowest units but devices), `chain` (the critical chain to the default target) and `manager`
 * (when generators and unit loading ran, in the initrd and after switching root).
 */
const ANALYZE_SCRIPT = [
  'tag() { part=$1; shift; "$@" 2>&1 | while IFS= read -r l; do printf "PARTICLE-ANALYZE %s %s\\n" "$part" "$l"; done; }',
  'tag time systemd-analyze --no-pager time',
  // Device units "take" as long as udev needs to see them: not work the boot waits for.
  "tag blame systemd-analyze --no-pager blame | grep -v '\\.device$' | head -n 30",
  'tag chain systemd-analyze --no-pager critical-chain',
  `tag manager systemctl show --property=${MANAGER_TIMESTAMPS.join(',')}`,
];

/** The boot as systemd-analyze saw it inside the guest. */
export interface BootAnalysis {
  /** `systemd-analyze time`: "Startup finished in …" and the target it reached. */
  time: string[];
  /** That first line as ms per phase (firmware, loader, kernel, initrd, userspace) and total. */
  startup: Record<string, number>;
  /** The slowest units, slowest first, with how long each took to start (ms). */
  blame: { unit: string; ms: number }[];
  /** `systemd-analyze critical-chain`, one unit per line, "@start +duration" as printed. */
  criticalChain: string[];
  /**
   * The manager's timestamps in ms since boot, named without `TimestampMonotonic`
   * (GeneratorsStart, UnitsLoadFinish, InitRDGeneratorsStart, …); 0 means never.
   */
  manager: Record<string, number>;
}

/** Milliseconds per unit of a systemd time span. */
const SPAN_UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  min: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
};

/** "1min 2.345s", "2.345s", "123ms", "45us" → milliseconds. */
export function parseSystemdSpan(s: string): number {
  let ms = 0;
  for (const m of s.matchAll(/([\d.]+)(min|ms|us|µs|s|h)/g))
    ms += Number(m[1]) * (SPAN_UNIT_MS[m[2] as string] ?? 0);
  return Math.round(ms * 1000) / 1000;
}

/** Pick the PARTICLE-ANALYZE lines out of the console; undefined when there are none. */
export function parseAnalysis(serial: string): BootAnalysis | undefined {
  const parts = {
    time: [] as string[],
    blame: [] as string[],
    chain: [] as string[],
    manager: [] as string[],
  };
  for (const m of serial.matchAll(/PARTICLE-ANALYZE (time|blame|chain|manager) ([^\r\n]*)/g))
    parts[m[1] as keyof typeof parts].push((m[2] as string).trimEnd());
  if (!parts.time.length && !parts.blame.length) return undefined;
  const blame = parts.blame.flatMap((l) => {
    const m = /^\s*((?:[\d.]+(?:h|min|ms|us|µs|s)\s*)+)\s+(\S+)$/.exec(l);
    return m ? [{ unit: m[2] as string, ms: parseSystemdSpan(m[1] as string) }] : [];
  });
  const manager: Record<string, number> = {};
  for (const l of parts.manager) {
    const m = /^(\w+)TimestampMonotonic=(\d+)$/.exec(l);
    if (m) manager[m[1] as string] = Number(m[2]) / 1000;
  }
  return {
    time: parts.time,
    startup: parseStartup(parts.time[0] ?? ''),
    blame,
    criticalChain: parts.chain,
    manager,
  };
}

/** "Startup finished in 7.6s (kernel) + 15.1s (initrd) + 50.2s (userspace) = 1min 12.9s" → ms. */
export function parseStartup(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  const m = /Startup finished in (.*?) = (.*)$/.exec(line);
  if (!m) return out;
  for (const part of (m[1] as string).split(' + ')) {
    const p = /^(.*) \((\w+)\)$/.exec(part.trim());
    if (p) out[p[2] as string] = parseSystemdSpan(p[1] as string);
  }
  out.total = parseSystemdSpan(m[2] as string);
  return out;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Parse the check lines from the serial console (console noise may surround them). */
/** A check's name as its console line carries it: one word (see the header). */
const wireName = (name: string) => name.replace(/%/g, '%25').replace(/ /g, '%20');

export function parseCheckLines(serial: string): { results: CheckResult[]; done: boolean } {
  const results: CheckResult[] = [];
  for (const m of serial.matchAll(/PARTICLE-CHECK (pass|fail) (\S+) ?([^\r\n]*)/g)) {
    const name = (m[2] as string).replace(/%20/g, ' ').replace(/%25/g, '%');
    results.push({ name, ok: m[1] === 'pass', detail: (m[3] ?? '').trim() });
  }
  return { results, done: /PARTICLE-DONE/.test(serial) };
}

/**
 * A step that runs `cmd`, passes when it exits 0 and reports the last lines of its output.
 * (No pipe after the command: dash has no pipefail, the pipe's status would hide a failure.)
 */
export function command(name: string, cmd: string, timed = false): GuestCheck {
  const [start, took] = timed
    ? ['s=$(date +%s); ', `printf 'took %s s: ' "$(( $(date +%s) - s ))"; `]
    : ['', ''];
  return {
    name,
    script: `${start}out=$(${cmd} 2>&1); rc=$?; ${took}printf '%s\\n' "$out" | tail -n 3; exit $rc`,
  };
}

/** As command, with the wall time it took first in the report: `took N s: …`. */
export const timedCommand = (name: string, cmd: string): GuestCheck => command(name, cmd, true);

/** Steps and checks used by the upgrade test (run in order inside the guest). */
export const upgradeSteps = {
  /**
   * The image brings its own network up (DHCP from QEMU's user network; the host serving the
   * repo is 10.0.2.2): wait up to 90 s for a default route, nothing is configured by hand.
   */
  networkUp: (): GuestCheck => ({
    name: 'network-up',
    script: `i=0; while ! ip route show default | grep -q .; do i=$((i+1)); [ $i -le 90 ] || break; sleep 1; done; ip -brief -4 address show scope global; ip route show default; ip route show default | grep -q .`,
  }),
  writeEtc: (file: string, content: string): GuestCheck => ({
    name: 'etc-change',
    script: `printf '%s\\n' ${shq(content)} > ${shq(file)} && cat ${shq(file)}`,
  }),
  etcKept: (file: string, content: string): GuestCheck => ({
    name: 'etc-change-kept',
    script: `c=$(cat ${shq(file)}) && echo "$c" && test "$c" = ${shq(content)}`,
  }),
  upgrade: (): GuestCheck => command('ostree-admin-upgrade', 'ostree admin upgrade'),
  pendingCommit: (commit: string): GuestCheck => ({
    name: 'upgrade-is-default',
    // The first deployment listed is the default for the next boot.
    script: `first=$(ostree admin status | grep -E '^[* ] ' | head -n1) && echo "$first" && case "$first" in *" ${commit}."*) true;; *) false;; esac`,
  }),
  packageInstalled: (pkg: string, installed: boolean): GuestCheck => ({
    name: `${installed ? 'has' : 'lacks'}-package:${pkg}`,
    script: installed
      ? `dpkg-query -W -f='\${Package} \${Version} \${db:Status-Abbrev}' ${shq(pkg)} | grep 'ii'`
      : `! dpkg-query -W -f='\${db:Status-Abbrev}' ${shq(pkg)} 2>/dev/null | grep -q ii && echo absent`,
  }),
  /** A locally added user: /etc/passwd now differs from the image's, so ostree keeps it. */
  localUser: (name: string): GuestCheck =>
    command('local-user', `useradd --create-home ${shq(name)}`),
  /**
   * Every user and group of the booted image (its /usr/etc) exists, although /etc/passwd was
   * changed locally before the upgrade: the image's sysusers.d entries added the new ones.
   */
  imageUsers: (): GuestCheck => ({
    name: 'image-users-present',
    script: [
      'missing=""',
      'for u in $(cut -d: -f1 /usr/etc/passwd); do getent passwd "$u" >/dev/null || missing="$missing user:$u"; done',
      'for g in $(cut -d: -f1 /usr/etc/group); do getent group "$g" >/dev/null || missing="$missing group:$g"; done',
      'echo "$(wc -l </usr/etc/passwd) users, $(wc -l </usr/etc/group) groups${missing:+; missing:$missing}"',
      'test -z "$missing"',
    ].join('\n'),
  }),
  rollback: (): GuestCheck => ({
    name: 'rollback',
    // set-default came with ostree 2023.6: bookworm's 2022.7 has none, say so plainly.
    script:
      'ostree admin set-default --help >/dev/null 2>&1 || { echo "this ostree has no admin set-default (ostree 2023.6 or newer needed)"; exit 1; }; ostree admin set-default 1 && ostree admin status | head -n 4',
  }),
};

/** Steps of the upgrade test when the system follows a container image (particle-os client). */
export const clientSteps = {
  /** `particle-os status --json` (bootc's BootcHost): the booted deployment follows `image`. */
  follows: (image: string, transport = 'registry'): GuestCheck => ({
    name: `client-status-${transport}`,
    script: `particle-os status; particle-os status --json | jq -e --arg i ${shq(image)} --arg t ${shq(transport)} '.kind == "BootcHost" and .status.booted.image.image == {image: $i, transport: $t}'`,
  }),
  /** Mount the read-only "USB stick" (/dev/vdb) and switch to the archive on it. */
  switchFromStick: (archive: string): GuestCheck =>
    command(
      'client-switch-oci-archive',
      `mkdir -p /mnt/usb && mount -o ro /dev/vdb /mnt/usb && particle-os switch --transport oci-archive /mnt/usb/${archive}`,
    ),
  /** `upgrade --check` fetches the manifest only and exits 100: an update is there. */
  updateAvailable: (): GuestCheck => ({
    name: 'client-upgrade-check',
    script: 'particle-os upgrade --check; rc=$?; echo "exit $rc"; test $rc = 100',
  }),
  /**
   * `upgrade` fetches the new layers and stages the image; its last line counts the bytes, and
   * the report starts with the seconds it took.
   */
  upgrade: (): GuestCheck => timedCommand('client-upgrade', 'particle-os upgrade'),
  /** The deployment with `role` (staged, booted) is the image with this manifest digest. */
  imageDigest: (role: 'staged' | 'booted', digest: string): GuestCheck => ({
    name: `client-${role}-digest`,
    script: `d=$(particle-os status --json | jq -r '.status.${role}.image.imageDigest') && echo "$d" && test "$d" = ${shq(digest)}`,
  }),
  rollback: (): GuestCheck => command('client-rollback', 'particle-os rollback'),
  /**
   * bootc's rollback with an update staged: `upgrade` stages one, `rollback` drops it and makes
   * the rollback deployment the next boot; status then lists nothing staged.
   */
  rollbackDropsStaged: (): GuestCheck => ({
    name: 'client-rollback-drops-staged',
    script: [
      'particle-os upgrade',
      `particle-os status --json | jq -e '.status.staged != null' >/dev/null`,
      'particle-os rollback',
      `particle-os status --json | jq -e '.status.staged == null'`,
    ].join(' && '),
  }),
  /**
   * The device's merge of the layers kept what tar carries beyond content: sudo is still
   * setuid root (owner and mode bits through layer tar → ostree commit → deployment).
   */
  setuidKept: (): GuestCheck => ({
    name: 'setuid-kept',
    script: `p=/usr/bin/sudo; stat -c '%A %U' $p; [ -u $p ] && [ "$(stat -c %u $p)" = 0 ]`,
  }),
};
