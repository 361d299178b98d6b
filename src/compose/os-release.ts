/**
 * rpm-ostree's `mutate-os-release` on Debian: the commit's version goes into os-release, so
 * `VERSION` and `PRETTY_NAME` name the build (`13 (trixie)` → `13.20260101.0 (trixie)`) and
 * `OSTREE_VERSION` carries it alone. Pure text in, text out; compose (treefile-steps.ts) reads
 * and writes /usr/lib/os-release through the tree.
 */

/** What a version may hold: nextVersion gives less; anything else is refused, not quoted. */
const VERSION_RE = /^[0-9A-Za-z._~+-]+$/;

/** The fields rpm-ostree rewrites. */
const MUTATED_FIELD_RE = /^(VERSION|PRETTY_NAME)=(.*)$/;

/**
 * `text` (an os-release file) with every occurrence of `mutate` in the values of VERSION and
 * PRETTY_NAME replaced with `version`, any OSTREE_VERSION line dropped and
 * `OSTREE_VERSION='<version>'` appended. A rewritten field is written double-quoted with
 * os-release's escapes (`"`, `\`, `$`, backquote), so no value can end the quoting or the line;
 * every other line is kept byte for byte, as is a field whose quoting cannot be read. When
 * `mutate` appears in neither field, only OSTREE_VERSION is added (as rpm-ostree does).
 *
 * @throws Error when `version` is not a plain version string (letters, digits, `.`, `_`, `~`,
 *   `+`, `-`) or `mutate` is empty or holds a line break or another control character.
 */
export function mutateOsRelease(text: string, mutate: string, version: string): string {
  if (!VERSION_RE.test(version))
    throw new Error(`not a version string: ${JSON.stringify(version)}`);
  if (mutate === '' || /\p{Cc}/u.test(mutate))
    throw new Error(`mutate-os-release must be one non-empty line: ${JSON.stringify(mutate)}`);
  const lines = text
    .split('\n')
    .filter((l) => !l.startsWith('OSTREE_VERSION='))
    .map((l) => mutateLine(l, mutate, version));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return `${[...lines, `OSTREE_VERSION='${version}'`].join('\n')}\n`;
}

function mutateLine(line: string, mutate: string, version: string): string {
  const m = MUTATED_FIELD_RE.exec(line);
  if (!m) return line;
  const [, key, raw] = m as unknown as [string, string, string];
  const value = unquote(raw);
  if (value === undefined || !value.includes(mutate)) return line;
  return `${key}=${quote(value.split(mutate).join(version))}`;
}

/** The characters a backslash escapes inside double quotes (os-release(5), as in sh). */
const ESCAPED = /\\([\\"$`])/g;

/**
 * The value of an os-release assignment: `"…"` with backslash escapes, `'…'` literally, or
 * unquoted with backslash escapes. undefined when a quote is not closed at the end.
 */
export function unquote(raw: string): string | undefined {
  const q = raw[0];
  if (q === '"' || q === "'") {
    if (raw.length < 2 || raw[raw.length - 1] !== q) return undefined;
    const inner = raw.slice(1, -1);
    return q === "'" ? inner : inner.replace(ESCAPED, '$1');
  }
  return raw.replace(/\\(.)/g, '$1');
}

/** Double-quoted, with the characters sh and os-release(5) give meaning inside escaped. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"$`]/g, '\\$&')}"`;
}
