/**
 * Postprocess scripts and the interpreter their `#!` line names. rpm-ostree writes each script
 * into the tree with mode 0755 and executes it, so the kernel reads the `#!` line; compose does
 * the same (compose/customize.ts), and a script without one runs with `/bin/sh -e` as before.
 * What the kernel will do with a `#!` line is decided here, once, for three users: the schema
 * (a line the kernel would misread is refused), the treefile check (the interpreter's package
 * must be listed or installed by the base) and the dry run (it must be in the resolved set).
 */
import type { InputIssue } from '../core/errors.ts';
import { hasDotDot } from '../core/values.ts';

/** A script's `#!` line as the kernel splits it (fs/binfmt_script.c). */
export interface Shebang {
  /** The whole first line, `#!` included. */
  line: string;
  interpreter: string;
  /** Everything after the interpreter, which the kernel passes as one argument. */
  arg?: string;
}

/**
 * The `#!` line of `script`, split as the kernel splits it: blanks after `#!` skipped, the
 * interpreter up to the next blank, the rest (trimmed) one argument. Undefined without `#!`.
 */
export function parseShebang(script: string): Shebang | undefined {
  if (!script.startsWith('#!')) return undefined;
  const end = script.indexOf('\n');
  const line = end < 0 ? script : script.slice(0, end);
  const rest = line
    .slice(2)
    .replace(/^[ \t]+/, '')
    .replace(/[ \t]+$/, '');
  const blank = rest.search(/[ \t]/);
  if (blank < 0) return { line, interpreter: rest };
  return { line, interpreter: rest.slice(0, blank), arg: rest.slice(blank).replace(/^[ \t]+/, '') };
}

/**
 * True when one of `scripts` starts with #!: compose then executes it instead of running it with
 * `/bin/sh -e` as before, so the same treefile may give another tree (an input of the compose
 * digest and the initramfs recipe, which leave it out otherwise to keep old digests).
 */
export function anyShebang(scripts: readonly (string | undefined)[]): boolean {
  return scripts.some((s) => s !== undefined && parseShebang(s) !== undefined);
}

/** The kernel reads the first 256 bytes of a script (BINPRM_BUF_SIZE); the line must fit. */
const SHEBANG_MAX_BYTES = 255;

/** A plain absolute path: "/"-separated names of letters, digits, ".", "_", "+", "-". */
const PLAIN_PATH_RE = /^(\/[A-Za-z0-9._+-]+)+$/;

/** Why the kernel would not run `script` as its `#!` line seems to say; undefined when it would. */
export function shebangProblem(script: string): string | undefined {
  const sb = parseShebang(script);
  if (!sb) return undefined;
  const shown = JSON.stringify(sb.line);
  if (Buffer.byteLength(sb.line) > SHEBANG_MAX_BYTES)
    return `the #! line is longer than the ${SHEBANG_MAX_BYTES} bytes the kernel reads`;
  if (/[\p{Cc}]/u.test(sb.line.replaceAll('\t', '')))
    return `the #! line ${shown} holds a control character (a CRLF line end leaves "\\r" in the interpreter's name)`;
  if (!sb.interpreter) return 'the #! line names no interpreter';
  if (!sb.interpreter.startsWith('/'))
    return `the #! interpreter "${sb.interpreter}" must be an absolute path (the kernel does not search PATH; #!/usr/bin/env NAME does)`;
  if (
    !PLAIN_PATH_RE.test(sb.interpreter) ||
    hasDotDot(sb.interpreter) ||
    /\/\.(\/|$)/.test(sb.interpreter)
  )
    return `the #! interpreter "${sb.interpreter}" must be a plain absolute path (letters, digits, ".", "_", "+", "-"; no "." or ".." parts)`;
  if (sb.arg !== undefined && /[ \t]/.test(sb.arg) && !isEnvSplit(sb))
    return `the kernel passes "${sb.arg}" to ${sb.interpreter} as one argument: give it at most one (set further options inside the script, or use #!/usr/bin/env -S)`;
  if (isEnv(sb.interpreter) && envCommand(sb) === undefined)
    return `${shown}: env needs the program to run (#!/usr/bin/env NAME, or #!/usr/bin/env -S NAME ARGS)`;
  return undefined;
}

/** Where one script was written, and the `#!` line it starts with (none: `/bin/sh -e`). */
export interface ScriptSite {
  /** The treefile entry that holds or names the script (a located issue without its message). */
  at: Omit<InputIssue, 'message'>;
  /** A script read from a file, that file as shown to people; undefined for inline scripts. */
  path?: string;
  shebang?: Shebang;
}

/** One interpreter the table knows: the package to add, and the packages that ship it. */
interface KnownInterpreter {
  add: string;
  /** Any one of these in the tree gives the file (the first ships it, the others depend on it). */
  providers: readonly string[];
}

/**
 * Where Debian ships common script interpreters, by their path under /usr (every supported
 * suite has a merged /usr, so /bin/bash is /usr/bin/bash). bash, dash, perl-base and coreutils
 * are Essential: the base always installs them. /bin/sh is dash's (bash ships /bin/bash only).
 */
const INTERPRETERS: Readonly<Record<string, KnownInterpreter>> = {
  '/usr/bin/sh': { add: 'dash', providers: ['dash'] },
  '/usr/bin/dash': { add: 'dash', providers: ['dash'] },
  '/usr/bin/bash': { add: 'bash', providers: ['bash'] },
  '/usr/bin/rbash': { add: 'bash', providers: ['bash'] },
  '/usr/bin/env': { add: 'coreutils', providers: ['coreutils'] },
  '/usr/bin/perl': { add: 'perl-base', providers: ['perl-base', 'perl'] },
  '/usr/bin/python3': { add: 'python3', providers: ['python3-minimal', 'python3'] },
  '/usr/bin/zsh': { add: 'zsh', providers: ['zsh'] },
};

/** The directories of the sandbox's PATH that `env NAME` can find a table entry in. */
const PATH_DIRS = ['/usr/sbin', '/usr/bin'];

const usrPath = (p: string) => p.replace(/^\/(bin|sbin|lib)\//, '/usr/$1/');
const isEnv = (interpreter: string) => usrPath(interpreter) === '/usr/bin/env';
const isEnvSplit = (sb: Shebang) => isEnv(sb.interpreter) && /^-S[ \t]/.test(sb.arg ?? '');

/** The program `#!/usr/bin/env [-S] NAME …` runs; undefined when there is none to see. */
function envCommand(sb: Shebang): string | undefined {
  if (sb.arg === undefined) return undefined;
  const words = sb.arg.split(/[ \t]+/);
  const name = words[0] === '-S' ? words[1] : words[0];
  return name === undefined || name.startsWith('-') ? undefined : name;
}

/** The paths one script needs in the tree: its interpreter, and for env the program it runs. */
function neededPaths(sb: Shebang): { path: string; known?: KnownInterpreter }[] {
  const own = { path: sb.interpreter, known: INTERPRETERS[usrPath(sb.interpreter)] };
  const name = isEnv(sb.interpreter) ? envCommand(sb) : undefined;
  if (name === undefined) return [own];
  if (name.includes('/')) return [own, { path: name, known: INTERPRETERS[usrPath(name)] }];
  const dir = PATH_DIRS.find((d) => INTERPRETERS[`${d}/${name}`]);
  return [
    own,
    dir ? { path: `${dir}/${name}`, known: INTERPRETERS[`${dir}/${name}`] } : { path: name },
  ];
}

/** The errors and warnings of an interpreter check. */
export interface InterpreterCheck {
  errors: InputIssue[];
  warnings: InputIssue[];
}

/**
 * Each script's interpreter against the packages `installed` holds. One the table knows whose
 * packages are all absent is an error naming the package to add (`absent` completes "no
 * package that provides it is …": where it was looked for; `fix` says what to do about the
 * package, by default add it to packages); one the table does not know is a warning naming
 * it, since nothing here can say which package ships it.
 *
 * With `excluded` (a check before resolving, where a dependency may still bring a package in),
 * only an interpreter whose packages are all excluded is an error; an absent one is a warning.
 */
export function interpreterIssues(
  sites: readonly ScriptSite[],
  installed: ReadonlySet<string>,
  absent: string,
  fix: (pkg: string) => string = (pkg) => `add ${pkg} to packages`,
  excluded?: ReadonlySet<string>,
): InterpreterCheck {
  const out: InterpreterCheck = { errors: [], warnings: [] };
  for (const site of sites) {
    if (!site.shebang) continue;
    const what = `${site.path ? `${site.path}: ` : ''}${site.shebang.line}`;
    for (const { path, known } of neededPaths(site.shebang)) {
      const missing = (where: string, todo: string) => ({
        ...site.at,
        message: `${what}: no package that provides ${path} (${known?.providers.join(', ')}) is ${where}: ${todo}`,
      });
      if (!known) {
        out.warnings.push({
          ...site.at,
          message: `${what}: particle-os does not know which Debian package ships ${path}; make sure one in the package set does, or the script cannot start`,
        });
      } else if (excluded && known.providers.every((p) => excluded.has(p))) {
        out.errors.push(
          missing(
            'allowed: exclude-packages removes every one',
            `remove ${known.add} from exclude-packages`,
          ),
        );
      } else if (!known.providers.some((p) => installed.has(p))) {
        (excluded ? out.warnings : out.errors).push(missing(absent, fix(known.add)));
      }
    }
  }
  return out;
}
