#!/bin/sh
# mmdebstrap customize hook: build the tree's one initramfs with dracut inside the chroot,
# generic (not host-only), at the place ostree and bootc expect it. mmdebstrap has /proc, /sys
# and /dev mounted in the chroot while hooks run and unmounts them afterwards.
# Usage: initramfs.sh ROOT [extra dracut arguments: the treefile's initramfs-args]
set -eu
root="$1"
shift
kvers=$(ls "$root/usr/lib/modules")
count=$(printf '%s\n' "$kvers" | grep -c .)
if [ "$count" -ne 1 ]; then
  echo "expected exactly one kernel in /usr/lib/modules, found $count: $kvers" >&2
  exit 1
fi
kver=$kvers
# Same inputs, same bytes: --reproducible sorts the archive and, with SOURCE_DATE_EPOCH, gives
# every file that mtime. Without one from the caller, the kernel image's own date is used, so two
# composes of the same packages make the same initramfs (and the kernel's layer is reused).
: "${SOURCE_DATE_EPOCH:=$(stat -c %Y "$root/boot/vmlinuz-$kver")}"
export SOURCE_DATE_EPOCH
chroot "$root" dracut --force --no-hostonly --reproducible "$@" --kver "$kver" \
  "/usr/lib/modules/$kver/initramfs.img"
if ! chroot "$root" lsinitrd "/usr/lib/modules/$kver/initramfs.img" | grep -q ostree-prepare-root; then
  echo "initramfs lacks ostree-prepare-root: is ostree-boot installed?" >&2
  exit 1
fi
