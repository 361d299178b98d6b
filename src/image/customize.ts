/**
 * Apply a recipe's settings to the deployment's /etc (which ostree keeps across upgrades with a
 * three-way merge) and to the shared /var (home directories): hostname, time zone, locale,
 * directories and files, groups, users with passwords and SSH keys, systemd services, the
 * display manager's autologin. The commit itself is never touched. The image may carry any
 * symlink in /etc (say `etc/shadow -> /etc/shadow`), so every path is resolved inside the
 * deployment or the stateroot's /var (core/tree.ts), never on the build host.
 *
 * Everything the image must allow (units, shells, owners, ids, parents, links out of /etc, what
 * is in the way of each file written, the time zone, the locale compiled into its /usr) is
 * checked first, without writing; every problem is
 * reported at once, located at the recipe key that asked for it (exit code 2), and the
 * deployment is left as it was. `autologin` is the exception: it is checked as it is written,
 * last, because it needs the users and the display manager the recipe adds.
 *
 * Files the recipe writes that nothing in the image reads (unread-files.ts: a vconsole.conf
 * without kbd, an sshd drop-in without sshd) are written all the same, each with a located
 * warning through the step's reporter.
 */
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { BuildError, formatIssue, InputError } from '../core/errors.ts';
import { localeFacts, localeProblem } from '../core/locales.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { recipeIssues } from '../recipe/load.ts';
import type { Recipe } from '../recipe/schema.ts';
import {
  AccountError,
  type AccountFiles,
  type AddedUser,
  addGroups,
  addUsers,
  isCryptHash,
} from './accounts.ts';
import { type AutologinResult, configureAutologin } from './autologin.ts';
import {
  collisions,
  etcFileProblem,
  type KeyProblem,
  planEtcNodes,
  settingFiles,
  writeEtcNodes,
} from './etc-nodes.ts';
import { applyLinkOps, planServices } from './services.ts';
import { unreadFiles } from './unread-files.ts';

export interface CustomizeResult {
  users: {
    name: string;
    uid: number;
    groups: string[];
    sshKeys: number;
    password: 'hash' | 'hashed-at-build' | 'none';
  }[];
  /** The recipe's groups with the gid each got. */
  groups: { name: string; gid: number }[];
  autologin?: AutologinResult;
}

const ACCOUNT_FILES = ['passwd', 'shadow', 'group', 'gshadow'] as const;

export async function customizeDeployment(
  sc: StepContext,
  deployDir: string,
  stateVar: string,
  recipe: Recipe,
): Promise<CustomizeResult> {
  const os = new Tree(deployDir);
  const varTree = new Tree(stateVar);

  // Plan: read the image, write nothing.
  const problems: KeyProblem[] = [];
  if (recipe.timezone && !os.isFile(`usr/share/zoneinfo/${recipe.timezone}`))
    problems.push({
      key: ['timezone'],
      message: `${recipe.timezone} is not a zone file in the image's /usr/share/zoneinfo (is tzdata installed?)`,
    });
  if (recipe.locale) {
    const why = localeProblem(recipe.locale, localeFacts(os));
    if (why) problems.push({ key: ['locale'], message: why });
  }
  const settings = settingFiles(os, recipe);
  for (const f of settings) {
    const why = etcFileProblem(os, f.path, f.link);
    if (why) problems.push({ key: [f.by], message: why });
  }
  const accounts = await planAccounts(sc, os, varTree, recipe, problems);
  const nodes = planEtcNodes(os, recipe, {
    passwd: accounts?.files.passwd ?? readOr(os, 'etc/passwd'),
    group: accounts?.files.group ?? readOr(os, 'etc/group'),
  });
  // After the files: a unit the recipe writes may be one it enables.
  const services = planServices(os, recipe.services, nodes.nodes);
  const links = services.ops.map((o) => ({ path: o.path, link: true, by: 'services' }));
  problems.push(
    ...nodes.problems,
    ...services.problems,
    ...collisions(os, nodes.nodes, [...settings, ...links]),
  );
  // Warnings go out first: with problems, they are part of what to fix.
  const unread = unreadFiles(os, recipe.files);
  if (unread.length)
    for (const w of recipeIssues(recipe.file, unread)) sc.reporter.warn(formatIssue(w));
  if (problems.length) throw new InputError(recipeIssues(recipe.file, problems));

  // Write, in an order where each step finds what it needs.
  if (recipe.hostname) os.write('etc/hostname', `${recipe.hostname}\n`);
  if (recipe.timezone) {
    os.symlink(`../usr/share/zoneinfo/${recipe.timezone}`, 'etc/localtime');
    os.write('etc/timezone', `${recipe.timezone}\n`);
  }
  if (recipe.locale) {
    os.write('etc/locale.conf', `LANG=${recipe.locale}\n`);
    // Debian reads /etc/default/locale; in trixie it is a link to locale.conf.
    if (!os.lstat('etc/default/locale')?.isSymbolicLink())
      os.write('etc/default/locale', `LANG=${recipe.locale}\n`);
  }
  // Files before the account files: a recipe's own /etc/passwd is the base users are added to.
  writeEtcNodes(os, nodes.nodes);
  const users = accounts ? writeAccounts(os, varTree, recipe, accounts) : [];
  applyLinkOps(os, services.ops);
  // After the users and services: the autologin user may be one the recipe adds, and the
  // display manager one it enables.
  const autologin =
    recipe.autologin &&
    configureAutologin(os, varTree, recipe.autologin, `${recipe.file}: autologin`);
  return { users, groups: accounts?.groups ?? [], autologin };
}

type RecipeUser = Recipe['users'][number];
/** The groups a recipe user joins: its own list, and sudo for an admin. */
const memberOf = (u: RecipeUser) => [...u.groups, ...(u.admin ? ['sudo'] : [])];
/** A recipe user's home as passwd has it (useradd's default /home/NAME). */
const homeOf = (u: RecipeUser) => u.home ?? `/home/${u.name}`;

/** A text file of the image, or "" when it has none. */
function readOr(os: Tree, path: string): string {
  return os.isFile(path) ? os.readText(path) : '';
}

interface AccountPlan {
  files: AccountFiles;
  added: AddedUser[];
  groups: { name: string; gid: number }[];
  /** Each user's home in the stateroot's /var ("home/alice"). */
  homes: string[];
}

/**
 * The account files with the recipe's groups and users added (in memory), their homes, and
 * the problems that keep them from being added. Undefined when the recipe adds nobody.
 */
async function planAccounts(
  sc: StepContext,
  os: Tree,
  stateVar: Tree,
  recipe: Recipe,
  problems: KeyProblem[],
): Promise<AccountPlan | undefined> {
  if (recipe.users.length === 0 && recipe.groups.length === 0) return undefined;
  const key = recipe.users.length ? 'users' : 'groups';
  const unwritable = ACCOUNT_FILES.flatMap((f) => etcFileProblem(os, `etc/${f}`) ?? []);
  if (unwritable.length) {
    problems.push(...unwritable.map((message) => ({ key: [key], message })));
    return undefined;
  }
  // A recipe file that replaces an account file (at its path, or through a link of the image)
  // is the base the users are added to.
  const read = (f: string) => {
    const at = os.resolve(`etc/${f}`).inTree;
    const mine = recipe.files.find((r) => os.resolve(r.path).inTree === at);
    return mine?.content ?? os.readText(`etc/${f}`);
  };
  const base = Object.fromEntries(
    ACCOUNT_FILES.map((f) => [f, read(f)]),
  ) as unknown as AccountFiles;
  const hashes: (string | undefined)[] = [];
  for (const u of recipe.users)
    hashes.push(
      u.password === undefined
        ? undefined
        : isCryptHash(u.password)
          ? u.password
          : await cryptPassword(sc, u.password),
    );
  const homes = recipe.users.map((u) => homeOf(u).replace(/^\/(var\/)?/, ''));
  // Homes are copies of /etc/skel, and a fifo, socket or device cannot be copied: found now,
  // not after /etc is written.
  const special = os
    .walk('etc/skel')
    .find((e) => !e.stats.isFile() && !e.stats.isDirectory() && !e.stats.isSymbolicLink());
  if (recipe.users.length && special)
    problems.push({
      key: ['users'],
      message: `/etc/skel/${special.path} is not a file, directory or link; homes are copied from /etc/skel`,
    });
  for (const [i, u] of recipe.users.entries()) {
    const shell = os.stat(u.shell);
    if (!shell?.isFile() || (shell.mode & 0o111) === 0)
      problems.push({
        key: ['users', i, 'shell'],
        message: `${u.shell} is not a program in the image (install its package in the treefile, or choose another shell)`,
      });
    const home = homes[i] as string;
    const blocker = stateVar.blockingAncestor(home);
    if (stateVar.lstat(home) || blocker)
      problems.push({
        key: ['users', i, 'home'],
        message: blocker
          ? `/var${blocker} exists in the stateroot and is not a directory`
          : `/var/${home} already exists in the stateroot`,
      });
  }
  try {
    const withGroups = addGroups(base, recipe.groups);
    const { files, added } = addUsers(
      withGroups.files,
      recipe.users.map((u, i) => ({
        name: u.name,
        hash: hashes[i],
        groups: memberOf(u),
        shell: u.shell,
        home: homeOf(u),
        uid: u.uid,
        gid: u.gid,
        description: u.description,
        expireDate: u['expire-date'],
        forcePasswordReset: u['force-password-reset'],
      })),
      Math.floor(Date.now() / 86_400_000),
    );
    return { files, added, groups: withGroups.added, homes };
  } catch (e) {
    if (!(e instanceof AccountError)) throw e;
    const user = e.key[0] === 'users' ? recipe.users[e.key[1] as number] : undefined;
    const hint =
      e.key.at(-1) === 'groups' && user?.admin
        ? ' (admin: true needs the sudo package in the image)'
        : '';
    problems.push({ key: e.key, message: `${e.message}${hint}` });
    return undefined;
  }
}

/** Write the planned account files and make each new user's home from the image's skel. */
function writeAccounts(
  os: Tree,
  stateVar: Tree,
  recipe: Recipe,
  plan: AccountPlan,
): CustomizeResult['users'] {
  for (const [f, text] of Object.entries(plan.files)) os.write(`etc/${f}`, text);
  os.chmod('etc/shadow', 0o640);
  os.chmod('etc/gshadow', 0o640);
  if (recipe.users.length === 0) return [];
  // Home directories live in the shared /var (home -> var/home), created from /etc/skel.
  stateVar.mkdir('home', 0o755);
  return recipe.users.map((u, i) => {
    const { uid, gid } = plan.added[i] as AddedUser;
    const home = plan.homes[i] as string;
    if (stateVar.lstat(home)) throw new BuildError(`/var/${home} already exists in the stateroot`);
    // Parents of a nested home (/home/team/alice) are plain directories, as useradd makes them.
    const parent = home.slice(0, home.lastIndexOf('/'));
    if (!stateVar.isDir(parent)) stateVar.mkdir(parent, 0o755);
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
      groups: memberOf(u),
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
