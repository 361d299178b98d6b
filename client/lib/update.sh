# shellcheck shell=bash disable=SC2034 # globals here are read by the other parts
# upgrade, switch and rollback: bootc's verbs over stock ostree.

# One update at a time (the timer and a person may both start one).
take_lock() {
	local lock=/run/lock/particle-os.lock
	[ -n "${PARTICLE_OS_SYSROOT:-}" ] && lock="$SYSROOT/ostree/particle-os.lock"
	exec 9>"$lock"
	flock -n 9 || die "$EX_FAIL" "another particle-os update is running"
}

# Import the image whose manifest is in $WORK/manifest.json and deploy it (staged on a booted
# system: it becomes the default when ostree-finalize-staged runs at shutdown).
stage_image() {
	local manifest="$WORK/manifest.json" config="$WORK/config.json" total commit d _index os
	read_manifest "$manifest" "$config"
	total=$(image_bytes "$manifest")
	import_layers "$manifest"
	commit=$(merge_image "$manifest" "$config")
	d=$(deployment_with_role booted)
	[ -n "$d" ] || die "$EX_FAIL" "no booted deployment to deploy next to"
	read -r _index os _ <<<"$d"
	printf '[origin]\ncontainer-image-reference=%s\n' "$(origin_reference)" >"$WORK/origin"
	local args=(--sysroot="${SYSROOT:-/}" --os="$os" --origin-file="$WORK/origin")
	booted_sysroot && args+=(--stage)
	ostree admin deploy "${args[@]}" "$commit" >/dev/null || die "$EX_FAIL" "ostree admin deploy failed"
	prune_images
	local version
	version=$(jq -r '.config.Labels["org.opencontainers.image.version"] // "-"' "$config")
	say "staged $IMG_TRANSPORT:$IMG_NAME version $version ($MANIFEST_DIGEST)"
	say "fetched $FETCHED_BYTES bytes: $LAYERS_FETCHED layers ($LAYER_BYTES bytes, $(awk -v f="$LAYER_BYTES" -v t="$total" 'BEGIN { printf "%.1f", t ? 100 * f / t : 0 }')% of the image's $total) plus manifest and config; $LAYERS_HAVE layers already here"
	if booted_sysroot; then say "it boots next; reboot to use it (or: particle-os upgrade --apply)"; fi
}

# The manifest digest of the deployment with role $1, or nothing.
role_digest() {
	local d _index _os csum
	d=$(deployment_with_role "$1")
	[ -n "$d" ] || return 0
	read -r _index _os csum _ <<<"$d"
	commit_meta "$csum" ostree.manifest-digest
}

reboot_into_it() {
	booted_sysroot || die "$EX_USAGE" "--apply: not on a booted system"
	say "rebooting"
	systemctl reboot
}

cmd_upgrade() {
	local check='' apply=''
	while [ $# -gt 0 ]; do
		case $1 in
		--check) check=1 ;;
		--apply) apply=1 ;;
		--quiet) QUIET=1 ;;
		*) die "$EX_USAGE" "upgrade: unknown option $1" ;;
		esac
		shift
	done
	need_root upgrade
	if ! tracked_image; then
		take_lock
		upgrade_from_remote "$check"
		[ -z "$apply" ] || reboot_into_it
		return
	fi
	take_lock
	make_work
	fetch_manifest "$WORK/manifest.json"
	local booted staged
	booted=$(role_digest booted)
	staged=$(role_digest staged)
	if [ "$MANIFEST_DIGEST" = "$booted" ] && [ -z "$staged" ]; then
		say "no update: $IMG_TRANSPORT:$IMG_NAME is still $MANIFEST_DIGEST"
		return 0
	fi
	if [ "$MANIFEST_DIGEST" = "$staged" ]; then
		say "already staged: $MANIFEST_DIGEST boots next"
		[ -z "$apply" ] || reboot_into_it
		[ -z "$check" ] || return "$EX_UPDATE"
		return 0
	fi
	if [ -n "$check" ]; then
		read_manifest "$WORK/manifest.json" "$WORK/config.json"
		say "update available: $IMG_TRANSPORT:$IMG_NAME version $(jq -r '.config.Labels["org.opencontainers.image.version"] // "-"' "$WORK/config.json") ($MANIFEST_DIGEST)"
		return "$EX_UPDATE"
	fi
	stage_image
	[ -z "$apply" ] || reboot_into_it
}

# A system installed with --update-url follows an OSTree remote (origin refspec=REMOTE:REF):
# --check pulls only the commit metadata; an upgrade is ostree's own.
upgrade_from_remote() {
	local check=$1 d _index os csum serial refspec new
	d=$(deployment_with_role booted)
	read -r _index os csum serial <<<"$d"
	refspec=$(origin_value "$(origin_file "$os" "$csum" "$serial")" refspec)
	[[ $refspec == *:* ]] || die "$EX_USAGE" "the booted deployment follows neither an image nor an OSTree remote (origin refspec '$refspec')"
	if [ -n "$check" ]; then
		ostree_repo pull --commit-metadata-only "${refspec%%:*}" "${refspec#*:}" >/dev/null ||
			die "$EX_FAIL" "cannot reach OSTree remote ${refspec%%:*}"
		new=$(ostree_repo rev-parse "$refspec")
		if [ "$new" = "$csum" ]; then
			say "no update: $refspec is still $csum"
			return 0
		fi
		say "update available: $refspec $(commit_meta "$new" version) ($new)"
		return "$EX_UPDATE"
	fi
	# Staged like an image update: finalized at shutdown, so status lists it as the next boot
	# and nothing in /boot changes until then.
	local args=(--sysroot="${SYSROOT:-/}" --os="$os")
	booted_sysroot && args+=(--stage)
	ostree admin upgrade "${args[@]}" || die "$EX_FAIL" "ostree admin upgrade failed"
}

cmd_switch() {
	local transport=registry image='' apply=''
	while [ $# -gt 0 ]; do
		case $1 in
		--transport) transport=${2:-}; shift ;;
		--transport=*) transport=${1#--transport=} ;;
		--apply) apply=1 ;;
		--quiet) QUIET=1 ;;
		-*) die "$EX_USAGE" "switch: unknown option $1" ;;
		*) [ -z "$image" ] || die "$EX_USAGE" "switch: one image only"; image=$1 ;;
		esac
		shift
	done
	[ -n "$image" ] || die "$EX_USAGE" "switch: which image? particle-os switch IMAGE [--transport registry|oci|oci-archive]"
	need_root switch
	set_image "$transport" "$image"
	take_lock
	make_work
	fetch_manifest "$WORK/manifest.json"
	stage_image
	[ -z "$apply" ] || reboot_into_it
}

cmd_rollback() {
	[ $# -eq 0 ] || die "$EX_USAGE" "rollback takes no arguments"
	need_root rollback
	# Choosing the next boot among existing deployments is `ostree admin set-default`, which
	# came with ostree 2023.6 (bookworm has 2022.7): say so before changing anything.
	ostree admin set-default --help >/dev/null 2>&1 ||
		die "$EX_FAIL" "rollback needs 'ostree admin set-default' (ostree 2023.6 or newer); this system's ostree has none"
	take_lock
	local d index csum
	d=$(deployment_with_role staged)
	if [ -n "$d" ]; then
		read -r index _ <<<"$d"
		ostree admin undeploy --sysroot="${SYSROOT:-/}" "$index" >/dev/null || die "$EX_FAIL" "could not drop the staged deployment"
		say "dropped the staged deployment"
	fi
	d=$(deployment_with_role rollback)
	[ -n "$d" ] || die "$EX_FAIL" "no rollback deployment"
	read -r index _ csum _ <<<"$d"
	ostree admin set-default --sysroot="${SYSROOT:-/}" "$index" >/dev/null || die "$EX_FAIL" "ostree admin set-default $index failed"
	say "next boot: $(commit_meta "$csum" version) ($csum); reboot to use it"
}
