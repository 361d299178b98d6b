#!/bin/sh
# Install what particle-os needs on a Debian 12+ machine (run as root): the host tools of every
# stage, Node.js if missing, and the npm dependencies from the lockfile (npm ci also bundles the
# CLI into dist/; npm test rebuilds it, and bib/particle-os runs the sources while it is stale).
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
packages="mmdebstrap bubblewrap ostree tar pigz zstd fdisk e2fsprogs dosfstools mtools grub-common qemu-utils
  qemu-system-x86 ovmf openssh-client skopeo debian-archive-keyring util-linux coreutils openssl
  docker-registry curl jq shellcheck systemd python3 locales squashfs-tools xorriso"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  apt-get update
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $missing
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund # its prepare script bundles the CLI into dist/
fi
