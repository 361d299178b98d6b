/**
 * Locales as glibc finds them in a tree: the compiled locale archive
 * (/usr/lib/locale/locale-archive, what locale-gen writes) and one directory per locale under
 * /usr/lib/locale (what Debian's locales-all ships). The archive is read here, on the host,
 * without glibc's tools: the host's localedef may be older or missing, and a unit test can
 * feed it any file.
 *
 * The archive's layout (glibc's locarchive.h): a header of 32-bit words in the byte order of
 * the machine that wrote it (little-endian on x86_64), starting with the magic 0xde020109, then
 * a serial number, then the offset, used count and size of the name hash table. The table has
 * `size` entries of three words each (hash value, offset of the name, offset of the locale
 * record); an entry whose record offset is 0 is free, and a name is a NUL-terminated string at
 * its offset from the start of the file.
 *
 * Names are compared as glibc does: a locale is found by its name as written, or with its
 * codeset normalized (`de_DE.UTF-8` is stored and found as `de_DE.utf8`).
 */
import type { Tree } from './tree.ts';

/** A locale name as /usr/share/i18n/SUPPORTED writes them: language[_territory][.codeset][@modifier]. */
export const LOCALE_NAME_RE = /^[A-Za-z]+(?:_[A-Za-z0-9]+)?(?:\.[A-Za-z0-9-]+)?(?:@[A-Za-z0-9]+)?$/;

/** Locales glibc has built in: no package or generated data is needed for them. */
const BUILTIN = new Set(['C', 'POSIX', 'C.utf8']);

/** True for C, POSIX and C.UTF-8 (any spelling of its codeset), which glibc always has. */
export function isBuiltinLocale(name: string): boolean {
  return BUILTIN.has(normalizeLocale(name));
}

/**
 * A codeset as glibc compares them: letters lowercased, digits kept, everything else dropped;
 * one of digits only gets "iso" in front (`UTF-8` → `utf8`, `ISO-8859-1` → `iso88591`).
 */
export function normalizeCodeset(codeset: string): string {
  const kept = codeset.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  return /^[0-9]+$/.test(kept) ? `iso${kept}` : kept;
}

/** The parts of a locale name: `sr_RS.UTF-8@latin` → sr_RS, UTF-8, latin. */
function parts(name: string): { base: string; codeset?: string; modifier?: string } {
  const at = name.indexOf('@');
  const modifier = at >= 0 ? name.slice(at + 1) : undefined;
  const rest = at >= 0 ? name.slice(0, at) : name;
  const dot = rest.indexOf('.');
  return dot >= 0
    ? { base: rest.slice(0, dot), codeset: rest.slice(dot + 1), modifier }
    : { base: rest, modifier };
}

/** The name with its codeset normalized (`de_DE.UTF-8` → `de_DE.utf8`); others unchanged. */
export function normalizeLocale(name: string): string {
  const p = parts(name);
  if (p.codeset === undefined) return name;
  return `${p.base}.${normalizeCodeset(p.codeset)}${p.modifier === undefined ? '' : `@${p.modifier}`}`;
}

/** The name as a treefile's `locales` would best write it: a UTF-8 codeset as `UTF-8`. */
export function displayLocale(name: string): string {
  const p = parts(name);
  if (p.codeset === undefined || normalizeCodeset(p.codeset) !== 'utf8') return name;
  return `${p.base}.UTF-8${p.modifier === undefined ? '' : `@${p.modifier}`}`;
}

const ARCHIVE_MAGIC = 0xde020109;
const HEADER_WORDS = 14;
const ENTRY_BYTES = 12;

/**
 * The names of the locales in a locale archive, sorted.
 *
 * @throws Error when `data` is not a locale archive (wrong magic, tables outside the file).
 */
export function readLocaleArchive(data: Uint8Array): string[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < HEADER_WORDS * 4) throw new Error('too short for a locale archive');
  const magic = buf.readUInt32LE(0);
  if (magic !== ARCHIVE_MAGIC)
    throw new Error(
      buf.readUInt32BE(0) === ARCHIVE_MAGIC
        ? 'a big-endian locale archive (not written for this architecture)'
        : `not a locale archive (magic 0x${magic.toString(16)})`,
    );
  const offset = buf.readUInt32LE(8);
  const size = buf.readUInt32LE(16);
  if (offset + size * ENTRY_BYTES > buf.length)
    throw new Error('its name table lies beyond the end of the file');
  const names = new Set<string>();
  for (let i = 0; i < size; i++) {
    const e = offset + i * ENTRY_BYTES;
    const nameOffset = buf.readUInt32LE(e + 4);
    const record = buf.readUInt32LE(e + 8);
    if (record === 0) continue;
    const end = buf.indexOf(0, nameOffset);
    if (nameOffset >= buf.length || end < 0)
      throw new Error('a name lies beyond the end of the file');
    names.add(buf.toString('latin1', nameOffset, end));
  }
  return [...names].sort();
}

/** Where glibc looks for compiled locales, relative to the tree's root. */
export const LOCALE_DIR = 'usr/lib/locale';
export const LOCALE_ARCHIVE = `${LOCALE_DIR}/locale-archive`;

/** What a tree holds of compiled locales, as read by `localeFacts`. */
export interface LocaleFacts {
  /** The names in the locale archive; empty when there is none. */
  archive: string[];
  /** Why the archive could not be read, when there is one that could not. */
  archiveProblem?: string;
  /** Directories of /usr/lib/locale holding a locale (an LC_CTYPE in them). */
  dirs: string[];
  /** Which of the locale packages dpkg has installed in the tree. */
  packages: { locales: boolean; localesAll: boolean };
}

/** Where dpkg's file lists are: the OSTree layout, and a tree not yet made OSTree-ready. */
const DPKG_INFO_DIRS = ['usr/lib/sysimage/dpkg/info', 'var/lib/dpkg/info'];

/** Read what `tree` holds of compiled locales (every path resolved inside it). */
export function localeFacts(tree: Tree): LocaleFacts {
  let archive: string[] = [];
  let archiveProblem: string | undefined;
  if (tree.isFile(LOCALE_ARCHIVE)) {
    try {
      archive = readLocaleArchive(tree.read(LOCALE_ARCHIVE));
    } catch (e) {
      archiveProblem = `/${LOCALE_ARCHIVE}: ${(e as Error).message}`;
    }
  }
  const dirs = tree.isDir(LOCALE_DIR)
    ? tree
        .readdir(LOCALE_DIR)
        .filter((d) => tree.isFile(`${LOCALE_DIR}/${d}/LC_CTYPE`))
        .sort()
    : [];
  const installed = (p: string) => DPKG_INFO_DIRS.some((d) => tree.isFile(`${d}/${p}.list`));
  return {
    archive,
    archiveProblem,
    dirs,
    packages: { locales: installed('locales'), localesAll: installed('locales-all') },
  };
}

/** True when glibc finds `name` in the tree: built in, in the archive or a directory of its own. */
export function localeAvailable(name: string, facts: LocaleFacts): boolean {
  if (isBuiltinLocale(name)) return true;
  const candidates = [name, normalizeLocale(name)];
  return candidates.some((c) => facts.archive.includes(c) || facts.dirs.includes(c));
}

/**
 * Why the tree cannot give `name` to a system that sets it (LANG), or undefined when it can.
 * The message says what to add to the treefile.
 */
export function localeProblem(name: string, facts: LocaleFacts): string | undefined {
  if (localeAvailable(name, facts)) return undefined;
  const fix = `add \`locales: [${displayLocale(name)}]\` to the treefile (or the package locales-all)`;
  if (facts.packages.localesAll)
    return `${name} is not a locale of the image: locales-all is installed and has no ${normalizeLocale(name)} (is it a locale glibc supports? /usr/share/i18n/SUPPORTED of the locales package lists them)`;
  const has = [...new Set([...facts.archive, ...facts.dirs])].filter((n) => !isBuiltinLocale(n));
  const holds = facts.archiveProblem
    ? `its locale archive cannot be read (${facts.archiveProblem})`
    : has.length
      ? `it has ${has.slice(0, 6).join(', ')}${has.length > 6 ? ` and ${has.length - 6} more` : ''}`
      : 'it has no locales besides C and C.UTF-8';
  return `${name} is not a locale of the image (${holds}): ${fix}`;
}

/** One line of /usr/share/i18n/SUPPORTED: a locale name and its charset. */
export interface SupportedLocale {
  name: string;
  charset: string;
}

/** The locales of a SUPPORTED file, by normalized name (comments and blank lines skipped). */
export function parseSupported(text: string): Map<string, SupportedLocale> {
  const out = new Map<string, SupportedLocale>();
  for (const line of text.split('\n')) {
    const [name, charset] = line.trim().split(/\s+/);
    if (!name || !charset || name.startsWith('#')) continue;
    const key = normalizeLocale(name);
    if (!out.has(key)) out.set(key, { name, charset });
  }
  return out;
}
