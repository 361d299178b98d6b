# shellcheck shell=bash disable=SC2034 # globals here are read by the other parts
# Import an image into the device's OSTree repo the way ostree-rs-ext does: each layer is a
# commit of its own under ostree/container/blob/<escaped digest> (a layer already there is not
# fetched again), the image is a commit merging them in manifest order, under
# ostree/container/image/<escaped reference>, with the manifest digest, manifest and config in
# its metadata.
#
# Layers are imported by `ostree commit --tree=tar=`: the tar is read into OSTree objects, no
# path of it is ever created on the device's file system. /etc becomes /usr/etc (the OSTree
# layout). Whiteouts (.wh.NAME deletes NAME of the layers below, .wh..wh..opq empties its
# directory of them, as the OCI image spec says) are honoured: a layer holding any is marked so
# in its commit's metadata, and an image with such a layer is merged through a checkout of its
# layers (see merge_whiteouts); without any, OSTree merges the layer commits directly. Images
# particle-os builds have none (each path is in exactly one layer); images derived from them
# (`RUN rm` in a Containerfile) do.

MAX_LAYERS=256

# Check the manifest in $1 and fetch the config into $2.
read_manifest() {
	local manifest=$1 config=$2 media digest size
	media=$(jq -r '.mediaType // "'"$MEDIA_OCI_MANIFEST"'"' "$manifest")
	case $media in
	"$MEDIA_OCI_MANIFEST" | "$MEDIA_DOCKER_MANIFEST") ;;
	*) die "$EX_USAGE" "not an image manifest: $media" ;;
	esac
	jq -e --argjson max "$MAX_LAYERS" '
		(.config.digest | type == "string") and (.config.size | type == "number")
		and (.layers | type == "array" and length >= 1 and length <= $max)
		and all(.layers[]; (.digest | type == "string") and (.size | type == "number" and . >= 0))
	' "$manifest" >/dev/null || die "$EX_USAGE" "the manifest lacks a config or layers (or has more than $MAX_LAYERS)"
	digest=$(jq -r .config.digest "$manifest")
	size=$(jq -r .config.size "$manifest")
	[ "$size" -le "$MAX_DOCUMENT" ] || die "$EX_USAGE" "config larger than $MAX_DOCUMENT bytes"
	fetch_blob "$digest" "$config" "$size"
	jq -e '.architecture == "amd64" and .os == "linux"' "$config" >/dev/null ||
		die "$EX_USAGE" "the image is for $(jq -r '"\(.os)/\(.architecture)"' "$config"), this machine is linux/amd64"
}

# Sum of the manifest's layer sizes (bytes).
image_bytes() {
	jq '[.layers[].size] | add' "$1"
}

# Import every layer not yet in the repo. Sets LAYERS_HAVE, LAYERS_FETCHED and LAYER_BYTES (the
# bytes of the layers fetched).
import_layers() {
	local manifest=$1 digest size ref blob n=0
	LAYERS_HAVE=0
	LAYERS_FETCHED=0
	LAYER_BYTES=0
	# One listing of the blob refs there are, not one lookup per layer.
	local have
	have=$(ostree_repo refs ostree/container/blob | sed 's|^|ostree/container/blob/|')
	while read -r digest size; do
		n=$((n + 1))
		ref=$(blob_ref "$digest")
		if grep -qxF -- "$ref" <<<"$have"; then
			LAYERS_HAVE=$((LAYERS_HAVE + 1))
			continue
		fi
		blob="$WORK/layer"
		fetch_blob "$digest" "$blob" "$size"
		LAYER_BYTES=$((LAYER_BYTES + $(stat -c %s -- "$blob")))
		ostree_repo commit --branch="$ref" --tree=tar="$blob" --tar-autocreate-parents \
			--tar-pathname-filter='^(\./)?etc(/|$),usr/etc\2' --no-bindings \
			--subject="layer $digest" >/dev/null ||
			die "$EX_FAIL" "layer $n ($digest): ostree could not import it"
		rm -f -- "$blob"
		# Counted, not grep -q: an early exit would cut the listing (SIGPIPE, pipefail).
		if [ "$(whiteouts_of "$ref" | tr -cd '\0' | wc -c)" -gt 0 ]; then
			# Marked, so the merge knows without listing every layer again.
			ostree_repo commit --branch="$ref" --tree=ref="$ref" --no-bindings \
				--subject="layer $digest" --add-metadata-string=particle-os.whiteouts=true >/dev/null ||
				die "$EX_FAIL" "layer $n ($digest): ostree could not mark its whiteouts"
		fi
		LAYERS_FETCHED=$((LAYERS_FETCHED + 1))
	done < <(jq -r '.layers[] | "\(.digest) \(.size)"' "$manifest")
}

# The whiteout entries of layer commit $1 (absolute paths), NUL-separated.
whiteouts_of() {
	ostree_repo ls -R --nul-filenames-only "$1" | grep -z '/\.wh\.[^/]*$' || true
}

# True when layer commit $1 was marked as holding whiteouts at import.
has_whiteouts() {
	# GVariant text: the string is printed quoted.
	[ "$(ostree_repo show --print-metadata-key=particle-os.whiteouts "$1" 2>/dev/null)" = "'true'" ]
}

# Whether directory $2 (absolute, inside tree $1) is there to delete from: 0 when it is a real
# directory all the way down; 1 when a part of it is missing or not a directory (nothing below
# it to delete). A part that is a symbolic link is refused: deleting through it would leave the
# tree (a layer's link may point anywhere on this machine).
tree_dir() {
	local tree=$1 path=$2 part cur=$1 parts
	IFS=/ read -r -a parts <<<"${path#/}"
	for part in "${parts[@]}"; do
		[ -n "$part" ] || continue
		cur="$cur/$part"
		[ -L "$cur" ] && die "$EX_USAGE" "whiteout below ${cur#"$tree"}, a symbolic link in the layers below: not supported"
		[ -d "$cur" ] || return 1
	done
}

# Apply the whiteouts listed in file $2 (NUL-separated, whiteouts_of) to the checkout $1 of
# the layers below the layer that holds them.
apply_whiteouts() {
	local tree=$1 list=$2 wh dir name target
	while IFS= read -r -d '' wh; do
		dir=${wh%/*}
		name=${wh##*/}
		target=${name#.wh.}
		case $target in
		.wh..opq) ;;
		'' | . | .. | .wh.*) die "$EX_USAGE" "whiteout $wh names no file of the layers below" ;;
		esac
		tree_dir "$tree" "$dir" || continue
		if [ "$target" = .wh..opq ]; then
			find "$tree$dir" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
		else
			rm -rf -- "${tree:?}${dir}/${target}"
		fi
	done <"$list"
}

# Check out the layers in order into $WORK/merged, each layer's whiteouts applied to the ones
# below it before it is laid over them, then its whiteout files removed. Hard links into the
# repo (same file system): nothing is copied, and only links are deleted. A marked layer is
# listed once; the list serves both steps.
merge_whiteouts() {
	local tree="$WORK/merged" list="$WORK/whiteouts" ref first=1 wh
	for ref in "$@"; do
		: >"$list"
		has_whiteouts "$ref" && whiteouts_of "$ref" >"$list"
		if [ -n "$first" ]; then
			# The first layer makes the directory, with the mode of its root.
			ostree_repo checkout "$ref" "$tree" || die "$EX_FAIL" "ostree could not check out $ref"
			first=
		else
			apply_whiteouts "$tree" "$list"
			ostree_repo checkout --union "$ref" "$tree" || die "$EX_FAIL" "ostree could not check out $ref"
		fi
		while IFS= read -r -d '' wh; do
			tree_dir "$tree" "${wh%/*}" && rm -rf -- "${tree:?}$wh"
		done <"$list"
	done
}

# Merge the layers into the image commit; prints its checksum.
merge_image() {
	local manifest=$1 config=$2 version created trees=() refs=() digest ref
	while read -r digest; do
		refs+=("$(blob_ref "$digest")")
	done < <(jq -r '.layers[].digest' "$manifest")
	trees=("${refs[@]/#/--tree=ref=}")
	for ref in "${refs[@]}"; do
		if has_whiteouts "$ref"; then
			merge_whiteouts "${refs[@]}"
			trees=("--tree=dir=$WORK/merged" --link-checkout-speedup)
			break
		fi
	done
	version=$(jq -r '.config.Labels["org.opencontainers.image.version"] // empty' "$config")
	created=$(jq -r '.created // empty' "$config")
	local ts=()
	if [ -n "$created" ] && secs=$(date -d "$created" +%s 2>/dev/null); then ts=("--timestamp=@$secs"); fi
	ostree_repo commit --branch="$(image_ref)" "${trees[@]}" --bootable --no-bindings \
		"${ts[@]}" --subject="$IMG_NAME${version:+ $version}" \
		${version:+--add-metadata-string=version=$version} \
		--add-metadata-string=ostree.manifest-digest="$MANIFEST_DIGEST" \
		--add-metadata-string=particle-os.layer-digests="$(jq -r '[.layers[].digest] | join(",")' "$manifest")" \
		--add-metadata-string=ostree.manifest="$(jq -c . "$manifest")" \
		--add-metadata-string=ostree.container.image-config="$(jq -c . "$config")" ||
		die "$EX_FAIL" "ostree could not merge the layers"
}

# Blob and image refs no deployment needs any more are deleted, then unreachable objects pruned.
prune_images() {
	local keep="$WORK/keep" c ref digests deployed
	: >"$keep"
	deployed=$(deployment_checksums) # one `ostree admin status` for the whole prune
	while read -r c; do
		digests=$(ostree_repo show --print-metadata-key=particle-os.layer-digests "$c" 2>/dev/null) || continue
		tr -d "'" <<<"$digests" | tr ',' '\n' | while read -r d; do
			[ -n "$d" ] && blob_ref "$d" && echo
		done >>"$keep"
	done <<<"$deployed"
	while read -r ref; do
		grep -qxF -- "ostree/container/blob/$ref" "$keep" || ostree_repo refs --delete "ostree/container/blob/$ref" >/dev/null
	done < <(ostree_repo refs ostree/container/blob 2>/dev/null)
	while read -r ref; do
		c=$(ostree_repo rev-parse "ostree/container/image/$ref")
		grep -qxF -- "$c" <<<"$deployed" || ostree_repo refs --delete "ostree/container/image/$ref" >/dev/null
	done < <(ostree_repo refs ostree/container/image 2>/dev/null)
	ostree admin cleanup --sysroot="${SYSROOT:-/}" >/dev/null
}
