# shellcheck shell=bash disable=SC2034 # globals here are read by the other parts
# particle-os client: what every part shares. Sourced by /usr/bin/particle-os.
#
# Exit codes (docs/client.md):
#   0   done (upgrade --check: no update)
#   1   failed (a tool, the network, the registry)
#   2   bad usage or bad input (an image reference, a manifest, a layer we refuse)
#   100 upgrade --check: an update is available (as `dnf check-update`)
EX_FAIL=1
EX_USAGE=2
EX_UPDATE=100

# The root of the OSTree sysroot: / on the device; tests point it at a scratch sysroot.
SYSROOT=${PARTICLE_OS_SYSROOT:-/}
SYSROOT=${SYSROOT%/}
REPO="${SYSROOT}/ostree/repo"

# Bounds on what a registry or a layout may hand us (bytes).
MAX_DOCUMENT=4194304

die() {
	local code=$1
	shift
	printf 'particle-os: %s\n' "$*" >&2
	exit "$code"
}

say() {
	[ -n "${QUIET:-}" ] || printf '%s\n' "$*"
}

need_root() {
	[ "$(id -u)" = 0 ] || die "$EX_USAGE" "$1 needs root"
}

# ostree on the device's repo; its stderr is passed through.
ostree_repo() {
	ostree --repo="$REPO" "$@"
}

# True when running on the booted OSTree system this sysroot describes (deployments can be
# staged and are finalized at shutdown); false for a scratch sysroot.
booted_sysroot() {
	[ -z "${PARTICLE_OS_SYSROOT:-}" ] && [ -e /run/ostree-booted ]
}

# A scratch directory inside the repo (same file system as the objects), removed on exit.
WORK=
make_work() {
	WORK=$(mktemp -d "${REPO}/tmp/particle-os.XXXXXX")
	trap 'rm -rf -- "$WORK"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# sha256 of a file, hex.
sha256_of() {
	sha256sum -- "$1" | cut -d' ' -f1
}

# The hex of a digest "sha256:<64 hex>"; anything else is refused (it becomes a path and a ref).
digest_hex() {
	case $1 in
	sha256:*) ;;
	*) die "$EX_USAGE" "not a sha256 digest: $1" ;;
	esac
	local hex=${1#sha256:}
	[[ $hex =~ ^[0-9a-f]{64}$ ]] || die "$EX_USAGE" "not a sha256 digest: $1"
	printf '%s' "$hex"
}

# Fail unless file $2 has digest $1.
verify_digest() {
	local want actual
	want=$(digest_hex "$1")
	actual=$(sha256_of "$2")
	[ "$want" = "$actual" ] || die "$EX_USAGE" "digest mismatch: expected $1, got sha256:$actual"
}
