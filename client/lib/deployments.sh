# shellcheck shell=bash disable=SC2034 # globals here are read by the other parts
# The sysroot's deployments as ostree sees them, and what each was deployed from.

# One line per deployment, in boot order: "ROLE INDEX STATEROOT CHECKSUM SERIAL", ROLE one of
# staged, booted, rollback, pending. On a scratch sysroot (tests: PARTICLE_OS_SYSROOT) nothing
# is booted: the first deployment that is not staged is read as booted, the ones after it as
# rollback.
list_deployments() {
	# mawk (Debian's default awk) has no {n} intervals: the checksum is matched loosely.
	ostree admin status --sysroot="${SYSROOT:-/}" | awk -v scratch="${PARTICLE_OS_SYSROOT:+1}" '
		/^[* ] [^ ]+ [0-9a-f]+\.[0-9]+/ {
			if ($1 == "*") { stateroot = $2; id = $3; role = "booted"; booted = 1 }
			else {
				stateroot = $1; id = $2; role = "other"
				# ostree 2023.8 and newer mark a staged deployment whose finalization is locked
				# "(finalization locked)" instead of "(staged)".
				if ($0 ~ /\((staged|finalization locked)\)/) role = "staged"
				else if ($0 ~ /\(pending\)/) role = "pending"
				else if ($0 ~ /\(rollback\)/) role = "rollback"
				else if (scratch && !booted) { role = "booted"; booted = 1 }
				else if (scratch) role = "rollback"
			}
			split(id, cs, ".")
			print role, n++, stateroot, cs[1], cs[2]
		}'
}

deployment_checksums() {
	list_deployments | awk '{print $4}'
}

# The first deployment with role $1: "INDEX STATEROOT CHECKSUM SERIAL", or nothing.
deployment_with_role() {
	list_deployments | awk -v r="$1" '$1 == r { print $2, $3, $4, $5; exit }'
}

# The origin file of a deployment (stateroot, checksum, serial).
origin_file() {
	printf '%s/ostree/deploy/%s/deploy/%s.%s.origin' "$SYSROOT" "$1" "$2" "$3"
}

# A key of an origin file's [origin] group, or nothing.
origin_value() {
	[ -f "$1" ] || return 0
	awk -v k="$2" '
		/^\[/ { g = $0; next }
		g == "[origin]" && index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }
	' "$1"
}

# A commit's metadata string value, or nothing.
commit_meta() {
	local v
	v=$(ostree_repo show --print-metadata-key="$2" "$1" 2>/dev/null) || return 0
	v=${v#\'}
	printf '%s' "${v%\'}"
}

# A commit's timestamp as ISO 8601 UTC.
commit_time() {
	local secs
	secs=$(ostree_repo show "$1" 2>/dev/null | awk '/^Date:/ { sub(/^Date: */, ""); print; exit }')
	[ -n "$secs" ] && date -u -d "$secs" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null
}

# The image the booted (or default) deployment tracks: sets IMG_TRANSPORT and IMG_NAME; false
# when it tracks an OSTree remote instead.
tracked_image() {
	local d origin ref _index os csum serial
	d=$(deployment_with_role booted)
	[ -n "$d" ] || die "$EX_FAIL" "no booted deployment"
	read -r _index os csum serial <<<"$d"
	origin=$(origin_file "$os" "$csum" "$serial")
	ref=$(origin_value "$origin" container-image-reference)
	[ -n "$ref" ] || return 1
	parse_origin_reference "$ref"
}
