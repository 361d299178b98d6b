/**
 * Schema pieces for values that end up inside system files (passwd, authorized_keys, apt
 * sources, tmpfiles.d, kargs.d, BLS entries) and paths that name places inside a tree. Such a
 * value must not carry a line break or another control character (it would add a line or a
 * field to the file it lands in), and a tree path written in an input must not climb with `..`.
 */
import { z } from 'zod';

/** No C0 control character (newline, carriage return, tab, NUL, …) and no DEL. */
export const CONTROL_RE = /[\p{Cc}]/u;

export function hasControl(s: string): boolean {
  return CONTROL_RE.test(s);
}

/** A string that stays on one line of the file it is written into. */
export function oneLine(): z.ZodString {
  return z
    .string()
    .refine((s) => !hasControl(s), 'must not contain line breaks or control characters');
}

/** True when a path names `..` as one of its segments. */
export function hasDotDot(path: string): boolean {
  return path.split('/').includes('..');
}

/** A path inside the tree as written in an input: no `..`, no control characters. */
export function treePath(): z.ZodString {
  return oneLine().refine(
    (p) => !hasDotDot(p),
    'must not contain ".." (paths name places inside the tree)',
  );
}

/**
 * A URL taken as written: zod's url() normalizes (it drops a line break rather than refusing
 * it), so the text is checked first and must also parse. `schemes` limits the protocol.
 */
export function verbatimUrl(schemes?: readonly string[]): z.ZodString {
  return z
    .string()
    .regex(/^[^\s\p{Cc}[\]]+$/u, 'must not contain whitespace, brackets or control characters')
    .refine((s) => URL.canParse(s), 'not a URL')
    .refine(
      (s) => !schemes || schemes.includes(new URL(s).protocol.slice(0, -1)),
      `must be a ${schemes?.join(' or ')} URL`,
    );
}
