/**
 * Editing passwd/shadow/group/gshadow text (pure, unit-tested). Users are added to the
 * deployment's /etc, so they are local state that survives upgrades.
 */
export interface AccountFiles {
  passwd: string;
  shadow: string;
  group: string;
  gshadow: string;
}

export interface NewUser {
  name: string;
  /** crypt(3) hash, or undefined for a locked password (SSH keys only). */
  hash?: string;
  groups: string[];
  shell: string;
  home: string;
}

export interface AddedUser {
  name: string;
  uid: number;
  gid: number;
}

const FIRST_UID = 1000;
const LAST_UID = 59999;

function entries(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function nextFreeId(used: Set<number>): number {
  for (let id = FIRST_UID; id <= LAST_UID; id++) if (!used.has(id)) return id;
  throw new Error('no free uid/gid left');
}

function withLine(text: string, line: string): string {
  return `${text.replace(/\n*$/, '\n')}${line}\n`;
}

/** Add users with their own group each; returns the new files and the ids chosen. */
export function addUsers(
  files: AccountFiles,
  users: NewUser[],
  today: number,
): { files: AccountFiles; added: AddedUser[] } {
  let { passwd, shadow, group, gshadow } = files;
  const added: AddedUser[] = [];
  for (const u of users) {
    const pw = entries(passwd);
    const gr = entries(group);
    if (pw.some((e) => e[0] === u.name))
      throw new Error(`user ${u.name} already exists in the image`);
    if (gr.some((e) => e[0] === u.name))
      throw new Error(`group ${u.name} already exists in the image`);
    const missing = u.groups.filter((g) => !gr.some((e) => e[0] === g));
    if (missing.length)
      throw new Error(`user ${u.name}: group(s) ${missing.join(', ')} do not exist in the image`);
    const uid = nextFreeId(new Set(pw.map((e) => Number(e[2]))));
    const gid = nextFreeId(new Set(gr.map((e) => Number(e[2]))));
    passwd = withLine(passwd, `${u.name}:x:${uid}:${gid}::${u.home}:${u.shell}`);
    shadow = withLine(shadow, `${u.name}:${u.hash ?? '!'}:${today}:0:99999:7:::`);
    group = withLine(group, `${u.name}:x:${gid}:`);
    gshadow = withLine(gshadow, `${u.name}:!::`);
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

/** A crypt(3) hash as stored in /etc/shadow ($id$…), as opposed to a plain-text password. */
export function isCryptHash(p: string): boolean {
  return /^\$(1|2[abxy]|5|6|y|gy|7)\$[^:\n]+$/.test(p);
}
