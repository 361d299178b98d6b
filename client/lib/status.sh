# shellcheck shell=bash disable=SC2034 # globals here are read by the other parts
# `particle-os status [--json]`: the staged, booted and rollback deployments.

# JSON of one deployment for bootc's BootcHost status (null when there is none).
deployment_json() {
	local d=$1
	[ -n "$d" ] || {
		echo null
		return
	}
	local _index os csum serial origin ref transport='' name='' digest version ts
	read -r _index os csum serial <<<"$d"
	origin=$(origin_file "$os" "$csum" "$serial")
	ref=$(origin_value "$origin" container-image-reference)
	if [ -n "$ref" ]; then
		(parse_origin_reference "$ref") >/dev/null 2>&1 && parse_origin_reference "$ref" &&
			transport=$IMG_TRANSPORT name=$IMG_NAME
	fi
	digest=$(commit_meta "$csum" ostree.manifest-digest)
	version=$(commit_meta "$csum" version)
	ts=$(commit_time "$csum")
	jq -n --arg name "$name" --arg transport "$transport" --arg digest "$digest" \
		--arg version "$version" --arg ts "$ts" --arg checksum "$csum" --arg stateroot "$os" \
		--argjson serial "$serial" --arg refspec "$(origin_value "$origin" refspec)" '
		{
			image: (if $name == "" then null else {
				image: { image: $name, transport: $transport },
				version: (if $version == "" then null else $version end),
				timestamp: (if $ts == "" then null else $ts end),
				imageDigest: $digest
			} end),
			cachedUpdate: null,
			incompatible: false,
			pinned: false,
			ostree: { checksum: $checksum, deploySerial: $serial, stateroot: $stateroot },
			"particle-os": {
				version: (if $version == "" then null else $version end),
				timestamp: (if $ts == "" then null else $ts end),
				refspec: (if $refspec == "" then null else $refspec end)
			}
		}'
}

status_json() {
	local staged booted rollback
	staged=$(deployment_json "$(deployment_with_role staged)")
	booted=$(deployment_json "$(deployment_with_role booted)")
	rollback=$(deployment_json "$(deployment_with_role rollback)")
	jq -n --argjson staged "$staged" --argjson booted "$booted" --argjson rollback "$rollback" '
		{
			apiVersion: "org.containers.bootc/v1",
			kind: "BootcHost",
			metadata: { name: "host" },
			spec: {
				image: (($staged // $booted) | if . == null or .image == null then null else .image.image end),
				bootOrder: "default"
			},
			status: {
				staged: $staged,
				booted: $booted,
				rollback: $rollback,
				rollbackQueued: false,
				type: (if $booted != null and $booted.image != null then "bootcHost" else null end)
			}
		}'
}

status_text() {
	local json
	json=$(status_json)
	jq -r '
		def show($title; $d):
			if $d == null then empty else
			"\($title):\n" +
			(if $d.image != null then
				"  image     \($d.image.image.transport):\($d.image.image.image)\n  digest    \($d.image.imageDigest)\n"
			else "  ostree    \($d["particle-os"].refspec // "(no origin)")\n" end) +
			"  version   \($d["particle-os"].version // "-")  (\($d["particle-os"].timestamp // "-"))\n" +
			"  commit    \($d.ostree.checksum)"
			end;
		[show("Staged (next boot)"; .status.staged), show("Booted"; .status.booted), show("Rollback"; .status.rollback)]
		| join("\n")
	' <<<"$json"
}

cmd_status() {
	local json=
	while [ $# -gt 0 ]; do
		case $1 in
		--json) json=1 ;;
		*) die "$EX_USAGE" "status: unknown option $1" ;;
		esac
		shift
	done
	if [ -n "$json" ]; then status_json; else status_text; fi
}
