/**
 * Editing passwd/shadow/group/gshadow text (pure, unit-tested). Users and groups are added to
 * the deployment's /etc, so they are local state that survives upgrades. Ids a recipe chooses
 * must be free in the image; ids it leaves open are the first free ones that no other entry of
 * the recipe asked for.
 */
import { FIRST_ID, LAST_ID } from '../recipe/etc-schema.ts';

export interface AccountFiles {
  passwd: string;
  shadow: string;
  group: string;
  gshadow: string;
}

export interface NewGroup {
  name: string;
  gid?: number;
}

export interface NewUser {
  name: string;
  /** crypt(3) hash, or undefined for a locked password (SSH keys only). */
  hash?: string;
  groups: string[];
  shell: string;
  home: string;
  uid?: number;
  /** An existing group's gid (the primary group), else the gid of the user's own new group. */
  gid?: number;
  /** The GECOS field. */
  description?: string;
  /** Days since 1970-01-01 on which the account expires. */
  expireDate?: number;
  /** Last password change 0: the password must be changed at the first login. */
  forcePasswordReset?: boolean;
}

export interface AddedUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * A user or group that cannot be added; `key` is the recipe key at fault (`users[1].uid`), so
 * the caller can point at the line that set it.
 */
export class AccountError extends Error {
  constructor(
    readonly key: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function entries(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function nextFreeId(used: Set<number>): number {
  for (let id = FIRST_ID; id <= LAST_ID; id++) if (!used.has(id)) return id;
  throw new Error('no free uid/gid left');
}

function withLine(text: string, line: string): string {
  return `${text.replace(/\n*$/, '\n')}${line}\n`;
}

/** Add groups (before the users, who may join them); returns the new files and the gids. */
export function addGroups(
  files: AccountFiles,
  groups: NewGroup[],
): { files: AccountFiles; added: { name: string; gid: number }[] } {
  let { group, gshadow } = files;
  const reserved = groups.flatMap((g) => (g.gid === undefined ? [] : [g.gid]));
  const added: { name: string; gid: number }[] = [];
  for (const [i, g] of groups.entries()) {
    const gr = entries(group);
    if (gr.some((e) => e[0] === g.name))
      throw new AccountError(['groups', i, 'name'], `group ${g.name} already exists in the image`);
    const owner = g.gid === undefined ? undefined : gr.find((e) => Number(e[2]) === g.gid);
    if (owner)
      throw new AccountError(
        ['groups', i, 'gid'],
        `gid ${g.gid} is already used by group ${owner[0]} in the image`,
      );
    const gid = g.gid ?? nextFreeId(new Set([...gr.map((e) => Number(e[2])), ...reserved]));
    group = withLine(group, `${g.name}:x:${gid}:`);
    gshadow = withLine(gshadow, `${g.name}:!::`);
    added.push({ name: g.name, gid });
  }
  return { files: { ...files, group, gshadow }, added };
}

/**
 * Add users, each with its own group unless `gid` names an existing group; returns the new
 * files and the ids chosen. Throws AccountError naming the user's key at fault.
 */
export function addUsers(
  files: AccountFiles,
  users: NewUser[],
  today: number,
): { files: AccountFiles; added: AddedUser[] } {
  let { passwd, shadow, group, gshadow } = files;
  // Ids the recipe chose are not handed out to the users that leave theirs open.
  const reservedUids = users.flatMap((u) => (u.uid === undefined ? [] : [u.uid]));
  const reservedGids = users.flatMap((u) => (u.gid === undefined ? [] : [u.gid]));
  const added: AddedUser[] = [];
  for (const [i, u] of users.entries()) {
    const at = (key?: string) => ['users', i, ...(key ? [key] : [])];
    const pw = entries(passwd);
    const gr = entries(group);
    if (pw.some((e) => e[0] === u.name))
      throw new AccountError(at('name'), `user ${u.name} already exists in the image`);
    const uidOwner = u.uid === undefined ? undefined : pw.find((e) => Number(e[2]) === u.uid);
    if (uidOwner)
      throw new AccountError(at('uid'), `uid ${u.uid} is already used by user ${uidOwner[0]}`);
    const missing = u.groups.filter((g) => !gr.some((e) => e[0] === g));
    if (missing.length)
      throw new AccountError(
        at('groups'),
        `user ${u.name}: group(s) ${missing.join(', ')} do not exist in the image (nor in groups:)`,
      );
    const primary = u.gid === undefined ? undefined : gr.find((e) => Number(e[2]) === u.gid);
    const ownGroup = !primary;
    if (ownGroup && gr.some((e) => e[0] === u.name))
      throw new AccountError(
        at('name'),
        `group ${u.name} already exists (in the image or groups:); give the user its gid to make it the primary group`,
      );
    if (ownGroup && u.gid !== undefined && u.gid < FIRST_ID)
      throw new AccountError(
        at('gid'),
        `no group has gid ${u.gid}, and a new group's gid must be ${FIRST_ID}–${LAST_ID}`,
      );
    const uid = u.uid ?? nextFreeId(new Set([...pw.map((e) => Number(e[2])), ...reservedUids]));
    const gid = u.gid ?? nextFreeId(new Set([...gr.map((e) => Number(e[2])), ...reservedGids]));
    passwd = withLine(
      passwd,
      `${u.name}:x:${uid}:${gid}:${u.description ?? ''}:${u.home}:${u.shell}`,
    );
    const lastChange = u.forcePasswordReset ? 0 : today;
    shadow = withLine(
      shadow,
      `${u.name}:${u.hash ?? '!'}:${lastChange}:0:99999:7::${u.expireDate ?? ''}:`,
    );
    if (ownGroup) {
      group = withLine(group, `${u.name}:x:${gid}:`);
      gshadow = withLine(gshadow, `${u.name}:!::`);
    }
    for (const g of u.groups) {
      group = addMember(group, g, u.name, 3);
      gshadow = addMember(gshadow, g, u.name, 3);
    }
    added.push({ name: u.name, uid, gid });
  }
  return { files: { passwd, shadow, group, gshadow }, added };
}

/** Append `user` to the member list (field `field`) of group `name`. */
function addMember(text: string, name: string, user: string, field: number): string {
  return text
    .split('\n')
    .map((line) => {
      const f = line.split(':');
      if (f[0] !== name || f.length <= field) return line;
      const members = (f[field] ?? '').split(',').filter(Boolean);
      if (!members.includes(user)) members.push(user);
      f[field] = members.join(',');
      return f.join(':');
    })
    .join('\n');
}

/** The uid of user `name` in a passwd text, or undefined. */
export function uidOf(passwd: string, name: string): number | undefined {
  const e = entries(passwd).find((f) => f[0] === name);
  return e ? Number(e[2]) : undefined;
}

/** The gid of group `name` in a group text, or undefined. */
export function gidOf(group: string, name: string): number | undefined {
  const e = entries(group).find((f) => f[0] === name);
  return e ? Number(e[2]) : undefined;
}

/** A crypt(3) hash as stored in /etc/shadow ($id$…), as opposed to a plain-text password. */
export function isCryptHash(p: string): boolean {
  return /^\$(1|2[abxy]|5|6|y|gy|7)\$[^:\n]+$/.test(p);
}
