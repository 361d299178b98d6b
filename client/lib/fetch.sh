# shellcheck shell=bash disable=SC2034 # globals here are read by the other parts
# Fetch an image's documents and blobs from a registry, an OCI layout directory or an OCI
# archive. Everything fetched is checked against its digest before use; documents are capped
# at MAX_DOCUMENT bytes and blobs at the size their descriptor states.
#
# In: IMG_TRANSPORT, IMG_NAME (image-ref.sh), WORK. Counts FETCHED_BYTES (what crossed the
# wire or was read from the medium).

FETCHED_BYTES=0
TOKEN=
# Credentials from bootc's auth file (registry_credentials): BASIC_AUTH is set when there are
# some, USE_BASIC once the registry asked for them directly (a Basic challenge).
BASIC_AUTH=
USE_BASIC=

MEDIA_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MEDIA_OCI_INDEX=application/vnd.oci.image.index.v1+json
MEDIA_DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
MEDIA_DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json

# --- registry (OCI distribution API over HTTPS; HTTP for registries marked insecure) ---

# Registries marked `insecure = true` in containers-registries.conf(5) files, one per line.
insecure_registries() {
	local f
	for f in "${SYSROOT}/etc/containers/registries.conf" "${SYSROOT}"/etc/containers/registries.conf.d/*.conf; do
		[ -f "$f" ] || continue
		awk '
			/^[[:space:]]*\[\[registry\]\]/ { if (loc != "" && insecure) print loc; loc = ""; insecure = 0; inreg = 1; next }
			/^[[:space:]]*\[/ { if (loc != "" && insecure) print loc; loc = ""; insecure = 0; inreg = 0; next }
			inreg && /^[[:space:]]*location[[:space:]]*=/ { v = $0; sub(/^[^=]*=[[:space:]]*"/, "", v); sub(/".*$/, "", v); loc = v }
			inreg && /^[[:space:]]*insecure[[:space:]]*=[[:space:]]*true/ { insecure = 1 }
			END { if (loc != "" && insecure) print loc }
		' "$f"
	done
}

# REG_URL (scheme://host/v2/path) and REG_REFERENCE (tag or digest) of IMG_NAME.
registry_split() {
	local host=${IMG_NAME%%/*} rest=${IMG_NAME#*/} scheme=https
	if [[ $rest == *@* ]]; then
		REG_REFERENCE=${rest#*@}
		rest=${rest%@*}
	elif [[ ${rest##*/} == *:* ]]; then
		REG_REFERENCE=${rest##*:}
		rest=${rest%:*}
	else
		REG_REFERENCE=latest
	fi
	# Listed first, then searched: grep -q leaving early would end the listing with SIGPIPE,
	# which pipefail turns into "not found" when a second file follows.
	local insecure
	insecure=$(insecure_registries)
	if grep -qxF -- "$host" <<<"$insecure"; then scheme=http; fi
	REG_HOST=$host
	REG_SCHEME=$scheme
	REG_URL="$scheme://$host/v2/$rest"
	REG_SCOPE="repository:$rest:pull"
	registry_credentials "$host" "$rest"
}

# Credentials for registry $1, repository $2, as bootc and rpm-ostree read them: the first of
# /run/ostree/auth.json, /etc/ostree/auth.json and /usr/lib/ostree/auth.json that exists (the
# order ostree-ext reads them in), in containers-auth.json(5) form; its entry for the longest
# HOST/PATH prefix of the repository, else HOST, else the legacy "https://HOST". Only "auth"
# (base64 of user:password) is read. The header goes to a file, $WORK/basic-auth, so the secret
# is not in curl's argv (ps shows argv to every user). Sets BASIC_AUTH when there is an entry.
registry_credentials() {
	local host=$1 key="$1/$2" f auth keys=()
	while :; do
		keys+=("$key")
		[[ $key == */* ]] || break
		key=${key%/*}
	done
	keys+=("https://$host")
	for f in "$SYSROOT/run/ostree/auth.json" "$SYSROOT/etc/ostree/auth.json" "$SYSROOT/usr/lib/ostree/auth.json"; do
		[ -f "$f" ] || continue
		auth=$(jq -r '. as $d | [$ARGS.positional[] | $d.auths[.]? // empty] | first
			| if . == null then empty elif (.auth | type) == "string" then .auth else "-" end' \
			"$f" --args "${keys[@]}" 2>/dev/null) || die "$EX_USAGE" "$f: not a containers-auth.json file"
		[ -n "$auth" ] || return 0
		[ "$auth" != - ] || die "$EX_USAGE" "$f: the entry for $host has no \"auth\" (base64 of user:password); other forms are not supported"
		# Base64 only: nothing else can reach the header (a newline would add one of its own).
		[[ $auth =~ ^[A-Za-z0-9+/]+=*$ ]] || die "$EX_USAGE" "$f: the \"auth\" for $host is not base64"
		(umask 077 && printf 'Authorization: Basic %s\n' "$auth" >"$WORK/basic-auth")
		BASIC_AUTH=$f
		return 0
	done
}

# Credentials go only where the registry's own scheme would take them: not over plain HTTP
# to a host other than an insecure registry's.
credentials_for() {
	local url=$1
	[ -n "$BASIC_AUTH" ] || return 1
	[[ $url == https://* ]] || [ "$REG_SCHEME" = http ] ||
		die "$EX_FAIL" "registry: will not send the credentials of $BASIC_AUTH to $url over plain HTTP"
}

# Answer the challenge of a 401 (its headers in $1): a bearer token for REG_SCOPE from the
# realm it names (with the credentials, if any: anonymous otherwise), or, for a Basic
# challenge, the credentials on every request from now on.
registry_token() {
	local headers=$1 challenge realm service auth=()
	if grep -qi '^www-authenticate: *basic' "$headers"; then
		credentials_for "$REG_URL" ||
			die "$EX_FAIL" "registry $REG_HOST asks for a user and password: put them in /etc/ostree/auth.json (containers-auth.json(5))"
		USE_BASIC=1
		return 0
	fi
	challenge=$(grep -i -m1 '^www-authenticate: *bearer ' "$headers" | tr -d '\r') ||
		die "$EX_FAIL" "registry asks for authentication we do not speak: $(grep -i '^www-authenticate' "$headers" | tr -d '\r')"
	realm=$(sed -n 's/.*realm="\([^"]*\)".*/\1/ip' <<<"$challenge")
	service=$(sed -n 's/.*service="\([^"]*\)".*/\1/ip' <<<"$challenge")
	[[ $realm =~ ^https?:// ]] || die "$EX_FAIL" "registry: bad token realm '$realm'"
	if credentials_for "$realm"; then auth=(-H "@$WORK/basic-auth"); fi
	curl -fsS --proto =https,http --max-filesize "$MAX_DOCUMENT" -G "$realm" "${auth[@]}" \
		${service:+--data-urlencode "service=$service"} --data-urlencode "scope=$REG_SCOPE" \
		-o "$WORK/token.json" || die "$EX_FAIL" "registry: no token from $realm${BASIC_AUTH:+ (with the credentials of $BASIC_AUTH)}"
	TOKEN=$(jq -r '.token // .access_token // empty' "$WORK/token.json")
	[ -n "$TOKEN" ] || die "$EX_FAIL" "registry: the token answer has no token"
}

# GET $1 into $2 with Accept $3, at most $4 bytes; a 401 gets a token and one retry.
registry_get() {
	local url=$1 out=$2 accept=$3 max=$4 code try
	for try in 1 2; do
		# curl sends neither header on to another host when it follows a redirect.
		code=$(curl -sS --proto =https,http --proto-redir =https,http -L --max-redirs 5 --connect-timeout 30 \
			--max-filesize "$max" -H "Accept: $accept" \
			${TOKEN:+-H "Authorization: Bearer $TOKEN"} ${USE_BASIC:+-H "@$WORK/basic-auth"} \
			-D "$WORK/headers" -o "$out" -w '%{http_code}' -- "$url") ||
			die "$EX_FAIL" "cannot fetch $url (curl exit $?)"
		if [ "$code" = 401 ] && [ "$try" = 1 ] && [ -z "$TOKEN" ] && [ -z "$USE_BASIC" ]; then
			registry_token "$WORK/headers"
			continue
		fi
		break
	done
	case $code in
	200) ;;
	401 | 403) die "$EX_FAIL" "$url: HTTP $code: the registry refused access${BASIC_AUTH:+ with the credentials of $BASIC_AUTH}${BASIC_AUTH:- (credentials for $REG_HOST go in /etc/ostree/auth.json)}" ;;
	*) die "$EX_FAIL" "$url: HTTP $code" ;;
	esac
}

# --- OCI layout directory and OCI archive ---

# Path and name of an oci:/oci-archive: reference, PATH[:NAME]: the first ':' in the last path
# part starts the name, which is a tag ("13.20261130.0") or a whole NAME:TAG.
layout_split() {
	local last=${IMG_NAME##*/}
	LAYOUT_PATH=$IMG_NAME
	LAYOUT_TAG=
	if [[ $last == *:* ]]; then
		LAYOUT_TAG=${last#*:}
		LAYOUT_PATH=${IMG_NAME%"$last"}${last%%:*}
	fi
}

# Member $1 of the layout (index.json, blobs/sha256/HEX) to file $2, at most $3 bytes.
layout_read() {
	local member=$1 out=$2 max=$3
	if [ "$IMG_TRANSPORT" = oci ]; then
		[ -f "$LAYOUT_PATH/$member" ] || die "$EX_USAGE" "$LAYOUT_PATH: no $member"
		head -c "$((max + 1))" -- "$LAYOUT_PATH/$member" >"$out"
	else
		# Read to stdout: nothing from the archive is ever written as a file of its own name.
		tar -xOf "$LAYOUT_PATH" -- "$member" 2>/dev/null | head -c "$((max + 1))" >"$out" || true
		[ -s "$out" ] || tar -xOf "$LAYOUT_PATH" -- "./$member" 2>/dev/null | head -c "$((max + 1))" >"$out" || true
		[ -s "$out" ] || die "$EX_USAGE" "$LAYOUT_PATH: no $member in the archive"
	fi
	[ "$(stat -c %s -- "$out")" -le "$max" ] || die "$EX_USAGE" "$member: larger than $max bytes"
}

# --- the interface the rest uses ---

# The image's manifest into $1; sets MANIFEST_DIGEST. A multi-platform index is resolved to
# its linux/amd64 manifest.
fetch_manifest() {
	local out=$1 accept digest
	accept="$MEDIA_OCI_MANIFEST, $MEDIA_OCI_INDEX, $MEDIA_DOCKER_MANIFEST, $MEDIA_DOCKER_LIST"
	if [ "$IMG_TRANSPORT" = registry ]; then
		registry_split
		registry_get "$REG_URL/manifests/$REG_REFERENCE" "$out" "$accept" "$MAX_DOCUMENT"
		FETCHED_BYTES=$((FETCHED_BYTES + $(stat -c %s -- "$out")))
		MANIFEST_DIGEST="sha256:$(sha256_of "$out")"
		[[ $REG_REFERENCE != sha256:* ]] || verify_digest "$REG_REFERENCE" "$out"
	else
		layout_split
		layout_read index.json "$WORK/index.json" "$MAX_DOCUMENT"
		# One image may carry several names (NAME:VERSION, NAME:latest); a name matches whole
		# or by its tag.
		digest=$(jq -r --arg tag "$LAYOUT_TAG" '
			[.manifests[]? | (.annotations["org.opencontainers.image.ref.name"] // "") as $n
				| select($tag == "" or $n == $tag or ($n | endswith(":" + $tag))) | .digest]
			| unique | if length == 1 then .[0] else empty end' "$WORK/index.json") ||
			die "$EX_USAGE" "$LAYOUT_PATH: index.json is not valid JSON"
		[ -n "$digest" ] || die "$EX_USAGE" "$LAYOUT_PATH: no single image${LAYOUT_TAG:+ tagged $LAYOUT_TAG} in index.json"
		fetch_blob "$digest" "$out" "$MAX_DOCUMENT"
		MANIFEST_DIGEST=$digest
	fi
	jq -e 'type == "object"' "$out" >/dev/null 2>&1 || die "$EX_USAGE" "the manifest is not a JSON object"
	case $(jq -r '.mediaType // empty' "$out") in
	"$MEDIA_OCI_INDEX" | "$MEDIA_DOCKER_LIST")
		digest=$(jq -r '[.manifests[]? | select(.platform.architecture == "amd64" and .platform.os == "linux")][0].digest // empty' "$out")
		[ -n "$digest" ] || die "$EX_USAGE" "the image index has no linux/amd64 image"
		if [ "$IMG_TRANSPORT" = registry ]; then
			registry_get "$REG_URL/manifests/$digest" "$out" "$accept" "$MAX_DOCUMENT"
			FETCHED_BYTES=$((FETCHED_BYTES + $(stat -c %s -- "$out")))
			verify_digest "$digest" "$out"
		else
			fetch_blob "$digest" "$out" "$MAX_DOCUMENT"
		fi
		MANIFEST_DIGEST=$digest
		;;
	esac
}

# Blob $1 into file $2, at most $3 bytes; its digest is checked.
fetch_blob() {
	local digest=$1 out=$2 max=$3 hex
	hex=$(digest_hex "$digest")
	if [ "$IMG_TRANSPORT" = registry ]; then
		registry_get "$REG_URL/blobs/$digest" "$out" '*/*' "$max"
	else
		layout_read "blobs/sha256/$hex" "$out" "$max"
	fi
	[ "$(stat -c %s -- "$out")" -le "$max" ] || die "$EX_USAGE" "blob $digest: larger than its descriptor says"
	FETCHED_BYTES=$((FETCHED_BYTES + $(stat -c %s -- "$out")))
	verify_digest "$digest" "$out"
}
