# shellcheck shell=bash disable=SC2034 # globals here are read by the other parts
# Image references: TRANSPORT (registry, oci, oci-archive) and NAME, as bootc takes them, and
# the origin-file form ostree-rs-ext writes (container-image-reference=...), so a real bootc
# could read these systems.

# Characters a reference may hold: it is written into the deployment's origin file, so no line
# breaks, spaces or '=' tricks.
REF_RE='^[A-Za-z0-9._/@:+-]+$'

# Check and set IMG_TRANSPORT and IMG_NAME.
set_image() {
	IMG_TRANSPORT=$1
	IMG_NAME=$2
	case $IMG_TRANSPORT in
	registry | oci | oci-archive) ;;
	*) die "$EX_USAGE" "unknown transport '$IMG_TRANSPORT' (registry, oci or oci-archive)" ;;
	esac
	[[ $IMG_NAME =~ $REF_RE ]] || die "$EX_USAGE" "not an image reference: '$IMG_NAME'"
	if [ "$IMG_TRANSPORT" = registry ]; then
		# Fully qualified only: HOST[:PORT]/PATH[:TAG|@DIGEST]; no short names to resolve.
		# The host has a '.' or a port, or is localhost (how containers tell it from a path).
		local host=${IMG_NAME%%/*}
		if ! [[ $IMG_NAME =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?/[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})?$ ]] ||
			! [[ $host == *.* || $host == *:* || $host == localhost ]] || [[ $IMG_NAME == *..* ]]; then
			die "$EX_USAGE" "not a registry image HOST/PATH[:TAG]: '$IMG_NAME'"
		fi
	else
		[[ $IMG_NAME == /* ]] || die "$EX_USAGE" "$IMG_TRANSPORT: give an absolute path: '$IMG_NAME'"
	fi
}

# The origin's container-image-reference value for the current image.
origin_reference() {
	case $IMG_TRANSPORT in
	registry) printf 'ostree-unverified-registry:%s' "$IMG_NAME" ;;
	*) printf 'ostree-unverified-image:%s:%s' "$IMG_TRANSPORT" "$IMG_NAME" ;;
	esac
}

# Parse an origin's container-image-reference value into IMG_TRANSPORT and IMG_NAME.
parse_origin_reference() {
	local v=$1
	case $v in
	ostree-unverified-registry:*) set_image registry "${v#ostree-unverified-registry:}" ;;
	ostree-unverified-image:docker://*) set_image registry "${v#ostree-unverified-image:docker://}" ;;
	ostree-unverified-image:registry:*) set_image registry "${v#ostree-unverified-image:registry:}" ;;
	ostree-unverified-image:oci-archive:*) set_image oci-archive "${v#ostree-unverified-image:oci-archive:}" ;;
	ostree-unverified-image:oci:*) set_image oci "${v#ostree-unverified-image:oci:}" ;;
	*) die "$EX_USAGE" "origin: unsupported image reference '$v'" ;;
	esac
}

# OSTree ref names as ostree-rs-ext escapes them: every byte outside [A-Za-z0-9] is _XX_.
escape_ref() {
	local s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [[ $c =~ [A-Za-z0-9] ]]; then out+=$c; else out+=$(printf '_%02X_' "'$c"); fi
	done
	printf '%s' "$out"
}

# Ref of one layer's commit, by the layer's digest.
blob_ref() {
	printf 'ostree/container/blob/%s' "$(escape_ref "$1")"
}

# Ref of an image's merged commit, by its reference.
image_ref() {
	printf 'ostree/container/image/%s' "$(escape_ref "$(origin_reference)")"
}
