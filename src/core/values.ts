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

/**
 * A kernel command line split into arguments the way the kernel splits it: at whitespace,
 * except inside double quotes, which stay part of the argument (`dyndbg="file a/* +p"` is one
 * argument). Undefined when a quote is left open.
 */
export function splitKernelArgs(cmdline: string): string[] | undefined {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of cmdline) {
    if (c === '"') quoted = !quoted;
    if (!quoted && /\s/.test(c)) {
      if (current) args.push(current);
      current = '';
    } else current += c;
  }
  if (quoted) return undefined;
  if (current) args.push(current);
  return args;
}

/**
 * Kernel arguments as a list, or as one command line (bootc-image-builder's form) split by
 * splitKernelArgs. Either way no argument can carry a line break into the BLS entry.
 */
export function kernelArgs(): z.ZodType<string[]> {
  return z.union([z.array(oneLine().min(1)), kernelCommandLine()]);
}

/** One kernel command line → its arguments (splitKernelArgs); an open quote is an error. */
export function kernelCommandLine(): z.ZodType<string[], string> {
  return oneLine().transform((s, ctx) => {
    const args = splitKernelArgs(s);
    if (args) return args;
    ctx.addIssue({ code: 'custom', message: 'a double quote is not closed' });
    return z.NEVER;
  });
}
