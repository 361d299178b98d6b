#!/bin/sh
# Quick start, step 1: install what is needed, then build the minimal Debian Atomic image and
# boot-test it in QEMU. The qcow2 ends up in build/.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./bib/particle-os pipeline treefiles/debian-minimal.yaml --output build "$@"
echo "disk image: $(pwd)/build/debian-minimal.qcow2"
echo "try it:     ./bib/particle-os run build/debian-minimal.qcow2   (root logs in on the console; Ctrl-a x quits)"
echo "            ./bib/particle-os ssh debian-minimal                 (from a second terminal)"
