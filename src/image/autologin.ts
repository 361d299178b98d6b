/**
 * The recipe's `autologin`: the display manager the image enables logs a user straight into a
 * desktop session, without a greeter (kiosks, and the desktop tests). Written into the
 * deployment's /etc only, in each display manager's own configuration:
 *
 * | display manager | file | keys |
 * |---|---|---|
 * | GDM (gdm3) | /etc/gdm3/daemon.conf, section [daemon] | AutomaticLoginEnable, AutomaticLogin |
 * | LightDM | /etc/lightdm/lightdm.conf.d/99-particle-os-autologin.conf, [Seat:*] | autologin-user, autologin-user-timeout, autologin-session |
 * | SDDM | /etc/sddm.conf.d/99-particle-os-autologin.conf, [Autologin] | User, Session |
 * | greetd | /etc/greetd/config.toml, section [initial_session] | user, command |
 *
 * The drop-ins sort last in their directories; LightDM's lightdm.conf and SDDM's sddm.conf are
 * read after them, so an image whose file sets the same keys is refused rather than silently
 * winning. greetd starts no X server: it takes Wayland sessions only, and its command sets
 * XDG_SESSION_TYPE=wayland, which the compositor's libseat hands on to logind (greetd itself
 * opens a tty session).
 *
 * The display manager is the one the image enabled as display-manager.service (each of these
 * units declares that alias). The session is the recipe's, or the image's only Wayland session,
 * or its only X11 session (session files in /usr/share/{wayland-sessions,xsessions}); GDM picks
 * its own default when the recipe names none. Sources: gdm3's daemon.conf, LightDM's
 * lightdm.conf, sddm.conf(5), greetd(5) as Debian trixie ships them.
 */
import { basename } from 'node:path';
import { UsageError } from '../core/errors.ts';
import type { Tree } from '../core/tree.ts';
import { uidOf } from './accounts.ts';

export type DisplayManager = 'gdm' | 'lightdm' | 'sddm' | 'greetd';

/** What the build did, as the build plan records it for boot-test. */
export interface AutologinResult {
  user: string;
  displayManager: DisplayManager;
  /** Session file name without .desktop; undefined: the display manager's default (GDM). */
  session?: string;
  /**
   * The process that shows the session's desktop is up (gnome-shell, plasmashell,
   * budgie-panel, sway), when the session is one we know; boot-test waits for it.
   */
  shell?: string;
}

/** display-manager.service's target unit → the display manager. gdm3's unit is gdm.service. */
const UNITS: Record<string, DisplayManager> = {
  'gdm.service': 'gdm',
  'gdm3.service': 'gdm',
  'lightdm.service': 'lightdm',
  'sddm.service': 'sddm',
  'greetd.service': 'greetd',
};

/**
 * The process each known session runs once its desktop is drawn (what a person sees): GNOME's
 * compositor and shell, Plasma's desktop shell, Budgie's panel, Sway itself.
 */
const SESSION_SHELLS: [RegExp, string][] = [
  [/^gnome(-wayland|-xorg|-classic.*)?$/, 'gnome-shell'],
  [/^plasma(x11|wayland)?$/, 'plasmashell'],
  [/^budgie-desktop$/, 'budgie-panel'],
  [/^sway$/, 'sway'],
];

/** Session files that only start "the user's default" and name no desktop. */
const GENERIC_SESSIONS = new Set(['lightdm-xsession', 'default']);

/** What a session name may be: it lands in a config line (the recipe's schema says the same). */
export const SESSION_NAME_RE = /^[A-Za-z0-9_.+-]+$/;

const WAYLAND_DIR = 'usr/share/wayland-sessions';
const X11_DIR = 'usr/share/xsessions';

/** The display manager the deployment enables, from its display-manager.service link. */
export function enabledDisplayManager(os: Tree): { unit: string; dm?: DisplayManager } | undefined {
  const link = 'etc/systemd/system/display-manager.service';
  if (!os.lstat(link)?.isSymbolicLink()) return undefined;
  const unit = basename(os.readlink(link));
  return { unit, dm: UNITS[unit] };
}

/**
 * Session names (file names without .desktop) in one of the session directories. The image
 * names them, so one that could not stand in a config line is an error naming the file.
 */
function sessionsIn(os: Tree, dir: string): string[] {
  const names = os
    .readdir(dir)
    .filter((f) => f.endsWith('.desktop'))
    .map((f) => f.slice(0, -'.desktop'.length));
  for (const n of names)
    if (!SESSION_NAME_RE.test(n))
      throw new UsageError(
        `/${dir}/${JSON.stringify(n).slice(1, -1)}.desktop: a session file name that is not letters, digits and . _ + -`,
      );
  return names.filter((s) => !GENERIC_SESSIONS.has(s)).sort();
}

/**
 * The session to log into: the recipe's (it must exist in the image), else the only Wayland
 * session, else the only X11 one. Undefined for GDM without a choice (GDM's default is GNOME).
 * Throws UsageError naming the recipe key when the choice is missing or ambiguous.
 */
export function chooseSession(
  os: Tree,
  dm: DisplayManager,
  wanted: string | undefined,
  where: string,
): { name: string; wayland: boolean } | undefined {
  const wayland = sessionsIn(os, WAYLAND_DIR);
  const imageX11 = sessionsIn(os, X11_DIR);
  // greetd starts no X server, so an X11 session cannot run under it.
  const x11 = dm === 'greetd' ? [] : imageX11;
  if (wanted) {
    if (wayland.includes(wanted)) return { name: wanted, wayland: true };
    if (x11.includes(wanted)) return { name: wanted, wayland: false };
    if (imageX11.includes(wanted))
      throw new UsageError(
        `${where}.session: ${wanted} is an X11 session; greetd starts no X server (Wayland sessions: ${wayland.join(', ') || 'none'})`,
      );
    throw new UsageError(
      `${where}.session: ${wanted}: no such session in the image (${describe(wayland, x11)})`,
    );
  }
  if (dm === 'gdm') return undefined;
  if (wayland.length === 1) return { name: wayland[0] as string, wayland: true };
  if (wayland.length === 0 && x11.length === 1) return { name: x11[0] as string, wayland: false };
  throw new UsageError(
    `${where}: the image has ${wayland.length + x11.length === 0 ? 'no desktop session' : 'several sessions'} (${describe(wayland, x11)}); name one with ${where}.session`,
  );
}

function describe(wayland: string[], x11: string[]): string {
  return `Wayland: ${wayland.join(', ') || 'none'}; X11: ${x11.join(', ') || 'none'}`;
}

/** The process that shows a session is up, when the session is one we know. */
export function sessionShell(session: string | undefined): string | undefined {
  return session === undefined ? undefined : SESSION_SHELLS.find(([re]) => re.test(session))?.[1];
}

/**
 * Set `keys` in `[section]` of an INI text (GLib key files, as gdm3's daemon.conf). GLib merges
 * repeated sections and the last of repeated keys wins, so every uncommented occurrence of a key
 * in every such section is dropped and the keys are set once, right after the first section
 * header (a missing section is appended). Comments and other keys stay.
 */
export function setIniKeys(text: string, section: string, keys: Record<string, string>): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = `[${section}]`;
  const set = Object.entries(keys).map(([k, v]) => `${k}=${v}`);
  const out: string[] = [];
  let inSection = false;
  let placed = false;
  for (const l of lines) {
    if (/^\s*\[/.test(l)) {
      inSection = l.trim() === header;
      out.push(l);
      if (inSection && !placed) {
        out.push(...set);
        placed = true;
      }
      continue;
    }
    const key = l.split('=')[0]?.trim() ?? '';
    if (inSection && l.includes('=') && !/^\s*[#;]/.test(l) && key in keys) continue;
    out.push(l);
  }
  if (!placed) out.push(...(out.length ? [''] : []), header, ...set);
  return `${out.join('\n')}\n`;
}

/**
 * greetd's config with `[initial_session]` replaced: greetd reads its own INI-like format
 * (TOML-looking, but `vt = next` is fine there), so the file is edited by lines. The values
 * are checked plain (no quotes or backslashes) before they get here.
 */
export function setGreetdInitialSession(text: string, command: string, user: string): string {
  const out: string[] = [];
  let skip = false;
  for (const l of text.split('\n')) {
    if (/^\s*\[/.test(l)) skip = l.trim() === '[initial_session]';
    if (!skip) out.push(l);
  }
  while (out.length && out.at(-1)?.trim() === '') out.pop();
  return `${[...out, ...(out.length ? [''] : []), '[initial_session]', `command = "${command}"`, `user = "${user}"`].join('\n')}\n`;
}

/**
 * Write a file of /etc, refusing one that the image links elsewhere (into /usr, where a write
 * would change a file hard-linked to the OSTree repo's object, or out of /etc altogether).
 */
function writeEtc(os: Tree, path: string, text: string, where: string): void {
  const at = os.resolve(path).inTree;
  if (!at.startsWith('/etc/'))
    throw new UsageError(
      `${where}: the image links /${path} to ${at}, outside /etc; not writing through it`,
    );
  os.write(path, text);
}

/** Refuse an image file read after our drop-in that sets one of its keys (it would win). */
function refuseOverride(os: Tree, file: string, keys: string[], where: string): void {
  if (!os.isFile(file)) return;
  const set = os
    .readText(file)
    .split('\n')
    .filter((l) => !/^\s*[#;]/.test(l) && keys.includes(l.split('=')[0]?.trim() ?? ''));
  if (set.length)
    throw new UsageError(
      `${where}: the image's /${file} sets ${set.map((l) => l.trim()).join(', ')} and is read after the autologin drop-in; remove it from the image`,
    );
}

/** The plain command a session file's Exec line runs (greetd hands it to /bin/sh -c). */
function sessionCommand(os: Tree, session: { name: string; wayland: boolean }): string {
  const file = `${session.wayland ? WAYLAND_DIR : X11_DIR}/${session.name}.desktop`;
  const exec = os
    .readText(file)
    .split('\n')
    .find((l) => l.startsWith('Exec='))
    ?.slice('Exec='.length)
    .trim();
  if (!exec || !/^[A-Za-z0-9_./ -]+$/.test(exec))
    throw new UsageError(`/${file}: Exec line is not a plain command greetd can run`);
  return exec;
}

/**
 * Configure the enabled display manager to log `user` in at boot. `where` names the recipe key
 * for errors (`recipes/kiosk.yml: autologin`). Throws UsageError when the image has no display
 * manager we know, the user does not exist in the deployment's passwd, or the session is
 * unknown or ambiguous.
 */
export function configureAutologin(
  os: Tree,
  stateVar: Tree,
  want: { user: string; session?: string },
  where: string,
): AutologinResult {
  const enabled = enabledDisplayManager(os);
  if (!enabled)
    throw new UsageError(
      `${where}: the image enables no display manager (no display-manager.service): autologin needs GDM, LightDM, SDDM or greetd`,
    );
  const dm = enabled.dm;
  if (!dm)
    throw new UsageError(
      `${where}: display-manager.service is ${enabled.unit}; autologin knows GDM, LightDM, SDDM and greetd`,
    );
  const uid = uidOf(os.readText('etc/passwd'), want.user);
  if (uid === undefined)
    throw new UsageError(
      `${where}: user ${want.user} is neither in the recipe's users nor the image`,
    );
  if (uid === 0)
    throw new UsageError(`${where}: ${want.user} is root; display managers refuse to log root in`);
  const session = chooseSession(os, dm, want.session, where);
  const header = "# Written by particle-os from the recipe's autologin.";
  switch (dm) {
    case 'gdm': {
      const file = 'etc/gdm3/daemon.conf';
      const text = os.isFile(file) ? os.readText(file) : '';
      const keys = { AutomaticLoginEnable: 'true', AutomaticLogin: want.user };
      writeEtc(os, file, setIniKeys(text, 'daemon', keys), where);
      if (session) {
        // GDM takes a user's session from AccountsService (in the shared /var), not from
        // daemon.conf; XSession is the key for an X11 one.
        stateVar.mkdir('lib/AccountsService', 0o755);
        stateVar.mkdir('lib/AccountsService/users', 0o700);
        const key = session.wayland ? 'Session' : 'XSession';
        stateVar.write(
          `lib/AccountsService/users/${want.user}`,
          `[User]\n${key}=${session.name}\n`,
          0o600,
        );
      }
      break;
    }
    case 'lightdm':
      refuseOverride(
        os,
        'etc/lightdm/lightdm.conf',
        ['autologin-user', 'autologin-session'],
        where,
      );
      writeEtc(
        os,
        'etc/lightdm/lightdm.conf.d/99-particle-os-autologin.conf',
        `${header}\n[Seat:*]\nautologin-user=${want.user}\nautologin-user-timeout=0\nautologin-session=${session?.name}\n`,
        where,
      );
      break;
    case 'sddm':
      refuseOverride(os, 'etc/sddm.conf', ['User', 'Session'], where);
      writeEtc(
        os,
        'etc/sddm.conf.d/99-particle-os-autologin.conf',
        `${header}\n[Autologin]\nUser=${want.user}\nSession=${session?.name}.desktop\n`,
        where,
      );
      break;
    case 'greetd': {
      const file = 'etc/greetd/config.toml';
      const text = os.isFile(file) ? os.readText(file) : '';
      const command = `env XDG_SESSION_TYPE=wayland ${sessionCommand(os, session as { name: string; wayland: boolean })}`;
      writeEtc(os, file, setGreetdInitialSession(text, command, want.user), where);
      break;
    }
  }
  // Without a session named, GDM starts GNOME's when GNOME is there.
  const shell =
    sessionShell(session?.name) ??
    (dm === 'gdm' && !session && os.exists('usr/bin/gnome-shell') ? 'gnome-shell' : undefined);
  return {
    user: want.user,
    displayManager: dm,
    session: session?.name,
    shell,
  };
}
