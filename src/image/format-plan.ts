/** Human-readable build plan (what `build --dry-run` prints). */
import type { BuildPlan } from './index.ts';
import { SECTOR } from './partitions.ts';

/** Bytes for people: "8.0 GiB", "512 MiB". */
export const formatSize = (b: number): string =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${Math.round(b / 2 ** 20)} MiB`;

export function formatPlan(p: BuildPlan): string {
  const lines = [
    `plan${p.estimated ? ' (dry run: sizes estimated, nothing written)' : ''} for ${p.recipe}`,
    `  image      ${p.image.ref} ${p.image.manifestDigest}`,
    `  deploy     ${p.deployment.os} ${p.deployment.ref} ${p.deployment.version ?? ''} commit ${p.deployment.commit}`,
    `  disk       ${formatSize(p.disk.bytes)} GPT ${p.disk.guid}`,
    ...p.disk.partitions.map(
      (x, i) =>
        `    ${i + 1} ${x.name.padEnd(9)} ${formatSize(x.sectors * SECTOR).padStart(9)}  ${x.filesystem.padEnd(5)} ${x.mountpoint ?? ''} ${x.uuid ?? ''}`,
    ),
    `  bootloader ${p.bootloader.bios}; ${p.bootloader.uefi}; menu: ${p.bootloader.menu}`,
    `  kargs      ${p.deployment.kargs.join(' ')}`,
  ];
  if (p.hostname) lines.push(`  hostname   ${p.hostname}`);
  for (const u of p.users) {
    lines.push(
      `  user       ${u.name} groups=[${u.groups.join(',')}] ssh-keys=${u.sshKeys} password=${u.password}`,
    );
  }
  for (const g of p.groups)
    lines.push(`  group      ${g.name} gid=${g.gid === -1 ? '(assigned at build)' : g.gid}`);
  // As chown(1) writes an owner: "alice", ":staff", "alice:staff" (only what the recipe sets).
  const owner = (n: { user?: string | number; group?: string | number }) =>
    n.user === undefined && n.group === undefined
      ? ''
      : ` owner=${n.user ?? ''}${n.group === undefined ? '' : `:${n.group}`}`;
  for (const d of p.directories) lines.push(`  directory  ${d.path} mode=${d.mode}${owner(d)}`);
  for (const f of p.files)
    lines.push(`  file       ${f.path} mode=${f.mode}${owner(f)} ${f.bytes} bytes`);
  for (const how of ['enabled', 'disabled', 'masked'] as const)
    if (p.services[how].length) lines.push(`  services   ${how}: ${p.services[how].join(' ')}`);
  if (p.timezone) lines.push(`  timezone   ${p.timezone}`);
  if (p.locale) lines.push(`  locale     ${p.locale}`);
  if (p.update) lines.push(`  updates    ${p.update.refspec} from ${p.update.url}`);
  if (p.target)
    lines.push(`  updates    particle-os upgrade from ${p.target.transport}:${p.target.image}`);
  for (const o of p.outputs)
    lines.push(
      `  output     ${o.type.padEnd(5)} ${o.file}${o.bytes ? ` (${formatSize(o.bytes)} on disk)` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}
