/**
 * Apply a recipe's settings to the deployment's /etc (which ostree keeps across upgrades with a
 * three-way merge) and to the shared /var (home directories): hostname, users with passwords
 * and SSH keys, time zone, locale, extra files, the display manager's autologin. The commit itself is never touched. The image
 * may carry any symlink in /etc (say `etc/shadow -> /etc/shadow`), so every path is resolved
 * inside the deployment or the stateroot's /var (core/tree.ts), never on the build host.
 */
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { BuildError, UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import type { Recipe } from '../recipe/schema.ts';
import { addUsers, isCryptHash } from './accounts.ts';
import { type AutologinResult, configureAutologin } from './autologin.ts';

export interface CustomizeResult {
  users: {
    name: string;
    uid: number;
    groups: string[];
    sshKeys: number;
    password: 'hash' | 'hashed-at-build' | 'none';
  }[];
  autologin?: AutologinResult;
}

export async function customizeDeployment(
  sc: StepContext,
  deployDir: string,
  stateVar: string,
  recipe: Recipe,
): Promise<CustomizeResult> {
  const os = new Tree(deployDir);
  if (recipe.hostname) os.write('etc/hostname', `${recipe.hostname}\n`);
  if (recipe.timezone) setTimezone(os, recipe.timezone, recipe.file);
  if (recipe.locale) {
    os.write('etc/locale.conf', `LANG=${recipe.locale}\n`);
    // Debian reads /etc/default/locale; in trixie it is a link to locale.conf.
    if (!os.lstat('etc/default/locale')?.isSymbolicLink())
      os.write('etc/default/locale', `LANG=${recipe.locale}\n`);
  }
  for (const f of recipe.files) os.write(f.path, f.content, Number.parseInt(f.mode, 8));
  const varTree = new Tree(stateVar);
  const users = await addRecipeUsers(sc, os, varTree, recipe);
  // After the users: the autologin user may be one the recipe adds.
  const autologin =
    recipe.autologin &&
    configureAutologin(os, varTree, recipe.autologin, `${recipe.file}: autologin`);
  return { users, autologin };
}

function setTimezone(os: Tree, tz: string, recipeFile: string): void {
  if (!os.exists(`usr/share/zoneinfo/${tz}`)) {
    throw new UsageError(
      `${recipeFile}: timezone ${tz}: not in the image's /usr/share/zoneinfo (is tzdata installed?)`,
    );
  }
  os.symlink(`../usr/share/zoneinfo/${tz}`, 'etc/localtime');
  os.write('etc/timezone', `${tz}\n`);
}

async function addRecipeUsers(
  sc: StepContext,
  os: Tree,
  stateVar: Tree,
  recipe: Recipe,
): Promise<CustomizeResult['users']> {
  if (recipe.users.length === 0) return [];
  const read = (f: string) => os.readText(`etc/${f}`);
  const users = [];
  for (const u of recipe.users) {
    const groups = [...u.groups, ...(u.admin ? ['sudo'] : [])];
    const hash =
      u.password === undefined
        ? undefined
        : isCryptHash(u.password)
          ? u.password
          : await cryptPassword(sc, u.password);
    users.push({ name: u.name, hash, groups, shell: u.shell, home: `/home/${u.name}` });
  }
  let result: ReturnType<typeof addUsers>;
  try {
    result = addUsers(
      {
        passwd: read('passwd'),
        shadow: read('shadow'),
        group: read('group'),
        gshadow: read('gshadow'),
      },
      users,
      Math.floor(Date.now() / 86_400_000),
    );
  } catch (e) {
    const hint = recipe.users.some((u) => u.admin)
      ? ' (admin: true needs the sudo package in the image)'
      : '';
    throw new UsageError(`${recipe.file}: users: ${(e as Error).message}${hint}`);
  }
  for (const [f, text] of Object.entries(result.files)) os.write(`etc/${f}`, text);
  os.chmod('etc/shadow', 0o640);
  os.chmod('etc/gshadow', 0o640);
  // Home directories live in the shared /var (home -> var/home), created from /etc/skel.
  stateVar.mkdir('home', 0o755);
  return recipe.users.map((u, i) => {
    const { uid, gid } = result.added[i] as { uid: number; gid: number };
    const home = `home/${u.name}`;
    if (stateVar.lstat(home)) throw new BuildError(`/var/${home} already exists in the stateroot`);
    // Symlinks in the image's skel are copied as links, never followed.
    if (os.isDir('etc/skel')) os.copyTo('etc/skel', stateVar, home);
    else stateVar.mkdir(home);
    if (u['ssh-keys'].length) {
      // A .ssh from skel that is not a plain directory (a link) is replaced, not followed.
      if (!stateVar.lstat(`${home}/.ssh`)?.isDirectory()) stateVar.emptyDir(`${home}/.ssh`);
      stateVar.chmod(`${home}/.ssh`, 0o700);
      stateVar.write(`${home}/.ssh/authorized_keys`, `${u['ssh-keys'].join('\n')}\n`, 0o600);
    }
    chownTree(stateVar.path(home), uid, gid);
    stateVar.chmod(home, 0o700);
    return {
      name: u.name,
      uid,
      groups: [...u.groups, ...(u.admin ? ['sudo'] : [])],
      sshKeys: u['ssh-keys'].length,
      password:
        u.password === undefined ? 'none' : isCryptHash(u.password) ? 'hash' : 'hashed-at-build',
    };
  });
}

/** SHA-512 crypt of a plain-text password; it goes over stdin, so it never reaches a log. */
async function cryptPassword(sc: StepContext, plain: string): Promise<string> {
  const r = await run(sc, ['openssl', 'passwd', '-6', '-stdin'], {
    input: `${plain}\n`,
    quietStdout: true,
  });
  // One line in, one hash out: anything else must not reach /etc/shadow.
  const hash = r.stdout.trim();
  if (!isCryptHash(hash)) throw new BuildError('openssl passwd did not print one crypt hash');
  return hash;
}

function chownTree(path: string, uid: number, gid: number): void {
  lchownSync(path, uid, gid);
  if (lstatSync(path).isDirectory())
    for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}
