/**
 * The recipe keys that edit the deployment's /etc: users, groups, files, directories and
 * systemd services. Part of the one recipe schema (schema.ts composes them); kept apart so
 * each file stays readable. Every value here lands in a line of passwd, group, shadow or in a
 * path inside the image, so each is checked for what could add a line, a field or leave the
 * tree.
 */
import { z } from 'zod';
import { hasDotDot, oneLine, treePath } from '../core/values.ts';

/** Debian's range for accounts made by hand (adduser.conf FIRST_UID..LAST_UID). */
export const FIRST_ID = 1000;
export const LAST_ID = 59999;
/** The largest id the kernel takes ((uid_t)-1 is "no id"). */
const MAX_ID = 4294967294;

export const UserName = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'not a valid user name (lowercase letters, digits, "_", "-")');

const GroupName = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_-]{0,31}$/,
    'not a valid group name (lowercase letters, digits, "_", "-")',
  );

/** An id chosen in the recipe: in the range for accounts made by hand, never a system id. */
const AccountId = (what: string) =>
  z
    .number()
    .int(`${what} must be a whole number`)
    .min(
      FIRST_ID,
      `${what} must be ${FIRST_ID}–${LAST_ID} (ids below ${FIRST_ID} belong to packages)`,
    )
    .max(LAST_ID, `${what} must be ${FIRST_ID}–${LAST_ID}`);

/** Owner of a file or directory: a name (looked up in the image after users are added) or an id. */
const Owner = (what: 'user' | 'group') =>
  z
    .union([
      (what === 'user' ? UserName : GroupName).describe(`A ${what} name`),
      z.number().int().min(0).max(MAX_ID).describe(`A numeric ${what} id`),
    ])
    .optional()
    .describe(`Owning ${what}: a name (of the image or this recipe) or a numeric id; default root`);

/** Permission bits as an octal string; bootc-image-builder writes them the same way. */
const Mode = (fallback: string) =>
  z
    .string()
    .regex(/^0?[0-7]{3,4}$/, 'octal mode like "0644"')
    .default(fallback)
    .describe('Octal permission bits');

/** Where files and directories of a recipe may go, and why nowhere else. */
const ETC_ONLY =
  'only below /etc: /usr is the read-only OS, and /var is state the image does not carry (make /var paths at boot with a file in /etc/tmpfiles.d)';

const EtcPath = treePath()
  .regex(/^\/etc\/./, ETC_ONLY)
  .refine((p) => !p.split('/').includes('.'), 'must not contain "." segments');

/** A home directory: below /home (on an OSTree system /home is /var/home, shared by deployments). */
const HomePath = treePath()
  .regex(
    /^\/(var\/)?home(\/[A-Za-z0-9._-]+)+$/,
    'a directory below /home (or /var/home) like /home/alice, of letters, digits, ".", "_", "-"',
  )
  .refine((p) => !p.split('/').includes('.'), 'must not contain "." segments');

export const UserSchema = z
  .strictObject({
    name: UserName.describe('Login name'),
    password: oneLine()
      .min(1)
      .optional()
      .describe(
        'A crypt(3) hash ($6$…, $y$…) or plain text, hashed at build time and never logged',
      ),
    'ssh-keys': z
      .array(
        z
          .string()
          .regex(
            /^(ssh|ecdsa|sk)-[!-~]+ [A-Za-z0-9+/=]+( [^\p{Cc}]*)?$/u,
            'not one SSH public key line (type, base64 key, optional comment; no line breaks)',
          ),
      )
      .default([])
      .describe('Authorized SSH public keys'),
    groups: z
      .array(z.string().regex(/^[a-z_][a-z0-9_-]*$/, 'not a group name'))
      .default([])
      .describe('Supplementary groups (must exist in the image or in groups:)'),
    admin: z
      .boolean()
      .default(false)
      .describe('Member of the sudo group (needs sudo in the image)'),
    shell: z
      .string()
      .regex(/^\/[A-Za-z0-9._+/-]*$/, 'an absolute path of letters, digits and . _ + / -')
      .refine((p) => !hasDotDot(p), 'must not contain ".."')
      .default('/bin/bash')
      .describe('Login shell (must exist in the image)'),
    uid: AccountId('uid')
      .optional()
      .describe(`User id, ${FIRST_ID}–${LAST_ID}; default: the first free one`),
    gid: z
      .number()
      .int('gid must be a whole number')
      .min(0, 'gid must not be negative')
      .max(LAST_ID, `gid must be at most ${LAST_ID}`)
      .optional()
      .describe(
        `Primary group id: a group of the image or of groups: with this gid, else the user's own new group gets it (${FIRST_ID}–${LAST_ID}); default: an own group with the first free gid`,
      ),
    home: HomePath.optional().describe(
      'Home directory, below /home (/home is /var/home, kept across upgrades); default /home/NAME',
    ),
    description: oneLine()
      .max(255)
      .regex(/^[^:]*$/, 'must not contain ":" (it separates the fields of /etc/passwd)')
      .optional()
      .describe('Full name or comment (the GECOS field of /etc/passwd)'),
    'expire-date': z
      .number()
      .int()
      .min(1, 'days since 1970-01-01, at least 1')
      .max(2 ** 31 - 1)
      .optional()
      .describe('Day the account expires, in days since 1970-01-01 (/etc/shadow)'),
    'force-password-reset': z
      .boolean()
      .default(false)
      .describe('The password must be changed at the first login'),
  })
  .describe('A user account');

export type RecipeUser = z.infer<typeof UserSchema>;

export const GroupSchema = z
  .strictObject({
    name: GroupName.describe('Group name'),
    gid: AccountId('gid')
      .optional()
      .describe(`Group id, ${FIRST_ID}–${LAST_ID}; default: the first free one`),
  })
  .describe('A group');

export const FileSchema = z.strictObject({
  path: EtcPath.describe('Absolute path below /etc'),
  content: z.string().describe('File content'),
  mode: Mode('0644'),
  user: Owner('user'),
  group: Owner('group'),
});

export const DirectorySchema = z.strictObject({
  path: EtcPath.describe('Absolute path below /etc'),
  mode: Mode('0755'),
  user: Owner('user'),
  group: Owner('group'),
  'ensure-parents': z
    .boolean()
    .default(false)
    .describe(
      'Create missing parent directories (root, 0755); default: a missing parent is an error',
    ),
});

/** systemctl's unit types; a name without one is a service, as systemctl takes it. */
const UNIT_TYPES = [
  'service',
  'socket',
  'timer',
  'target',
  'path',
  'mount',
  'automount',
  'swap',
  'slice',
];
const UNIT_TYPE_RE = new RegExp(`\\.(${UNIT_TYPES.join('|')})$`);

/** A unit name as systemd spells it (`foo`, `foo.socket`, `getty@tty2`, `getty@.service`). */
export const UnitName = z
  .string()
  .regex(
    /^[A-Za-z0-9_:][A-Za-z0-9:_.\\-]*(@[A-Za-z0-9:_.\\-]*)?$/,
    'not a systemd unit name (letters, digits and : _ . \\ -, one "@" for a template)',
  )
  .max(255)
  .transform((u) => (UNIT_TYPE_RE.test(u) ? u : `${u}.service`))
  .describe('A unit name; without a type suffix it is a .service');

export const ServicesSchema = z
  .strictObject({
    enabled: z
      .array(UnitName)
      .default([])
      .describe('Units enabled as systemctl enable does, from their [Install] section'),
    disabled: z
      .array(UnitName)
      .default([])
      .describe('Units disabled: their links in /etc/systemd/system removed'),
    masked: z
      .array(UnitName)
      .default([])
      .describe('Units masked: linked to /dev/null in /etc/systemd/system'),
  })
  .superRefine((s, ctx) => {
    const lists = ['enabled', 'disabled', 'masked'] as const;
    const seen = new Map<string, string>();
    for (const list of lists)
      for (const [i, u] of s[list].entries()) {
        const first = seen.get(u);
        if (first)
          ctx.addIssue({
            code: 'custom',
            path: [list, i],
            message: `${u} is already listed in ${first}`,
          });
        else seen.set(u, list);
      }
  });

/** Issues for values that must be unique across a recipe's list (names, ids, paths). */
export function duplicates<T>(
  items: readonly T[],
  key: (t: T) => string | number | undefined,
  field: string,
): { index: number; message: string }[] {
  const first = new Map<string | number, number>();
  const out: { index: number; message: string }[] = [];
  for (const [i, item] of items.entries()) {
    const k = key(item);
    if (k === undefined) continue;
    const at = first.get(k);
    if (at === undefined) first.set(k, i);
    else out.push({ index: i, message: `${field} ${k} is already used by item ${at}` });
  }
  return out;
}
