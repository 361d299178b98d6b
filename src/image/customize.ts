/**
 * Apply a recipe's settings to the deployment's /etc (which ostree keeps across upgrades with a
 * three-way merge) and to the shared /var (home directories): hostname, users with passwords
 * and SSH keys, time zone, locale, extra files. The commit itself is never touched.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { addUsers, isCryptHash } from './accounts.ts';
import type { Recipe } from './recipe.ts';

export interface CustomizeResult {
  users: {
    name: string;
    uid: number;
    groups: string[];
    sshKeys: number;
    password: 'hash' | 'hashed-at-build' | 'none';
  }[];
}

export async function customizeDeployment(
  sc: StepContext,
  deployDir: string,
  stateVar: string,
  recipe: Recipe,
): Promise<CustomizeResult> {
  const etc = join(deployDir, 'etc');
  if (recipe.hostname) writeFileSync(join(etc, 'hostname'), `${recipe.hostname}\n`);
  if (recipe.timezone) setTimezone(deployDir, recipe.timezone, recipe.file);
  if (recipe.locale) {
    writeFileSync(join(etc, 'locale.conf'), `LANG=${recipe.locale}\n`);
    // Debian reads /etc/default/locale; in trixie it is a link to locale.conf.
    const legacy = join(etc, 'default/locale');
    if (!existsSync(legacy) || !lstatSync(legacy).isSymbolicLink())
      writeFileSync(legacy, `LANG=${recipe.locale}\n`);
  }
  for (const f of recipe.files) {
    const dest = join(deployDir, f.path);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, f.content);
    chmodSync(dest, Number.parseInt(f.mode, 8));
  }
  return { users: await addRecipeUsers(sc, etc, stateVar, recipe) };
}

function setTimezone(deployDir: string, tz: string, recipeFile: string): void {
  if (!existsSync(join(deployDir, 'usr/share/zoneinfo', tz))) {
    throw new UsageError(
      `${recipeFile}: timezone ${tz}: not in the image's /usr/share/zoneinfo (is tzdata installed?)`,
    );
  }
  const localtime = join(deployDir, 'etc/localtime');
  rmSync(localtime, { force: true });
  symlinkSync(`../usr/share/zoneinfo/${tz}`, localtime);
  writeFileSync(join(deployDir, 'etc/timezone'), `${tz}\n`);
}

async function addRecipeUsers(
  sc: StepContext,
  etc: string,
  stateVar: string,
  recipe: Recipe,
): Promise<CustomizeResult['users']> {
  if (recipe.users.length === 0) return [];
  const read = (f: string) => readFileSync(join(etc, f), 'utf8');
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
  for (const [f, text] of Object.entries(result.files)) writeFileSync(join(etc, f), text);
  chmodSync(join(etc, 'shadow'), 0o640);
  chmodSync(join(etc, 'gshadow'), 0o640);
  // Home directories live in the shared /var (home -> var/home), created from /etc/skel.
  const homeRoot = join(stateVar, 'home');
  mkdirSync(homeRoot, { recursive: true, mode: 0o755 });
  return recipe.users.map((u, i) => {
    const { uid, gid } = result.added[i] as { uid: number; gid: number };
    const home = join(homeRoot, u.name);
    if (existsSync(join(etc, 'skel'))) cpSync(join(etc, 'skel'), home, { recursive: true });
    else mkdirSync(home);
    if (u['ssh-keys'].length) {
      mkdirSync(join(home, '.ssh'), { mode: 0o700 });
      writeFileSync(join(home, '.ssh/authorized_keys'), `${u['ssh-keys'].join('\n')}\n`, {
        mode: 0o600,
      });
    }
    chownTree(home, uid, gid);
    chmodSync(home, 0o700);
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
  return r.stdout.trim();
}

function chownTree(path: string, uid: number, gid: number): void {
  lchownSync(path, uid, gid);
  if (lstatSync(path).isDirectory())
    for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}
