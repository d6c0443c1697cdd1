#!/bin/sh
# scripts/fetch-lwip.sh - fetch the lwIP 2.1.3 sources into .deps/lwip.
#
# lwIP comes from Debian's own source package (lwip_2.1.3+dfsg1-*), fetched
# with `apt-get source` through a PRIVATE apt configuration: a temporary
# directory holds deb-src entries derived from this machine's configured
# Debian sources (same URIs, components and Signed-By; only the machine's
# codename and its -updates/-security suites), plus its own package lists and
# cache. The machine's apt configuration and state are never touched, no
# mirror is hard-coded and nothing is downloaded from anywhere else.
#
# Needs: apt-get, dpkg-source (Debian package dpkg-dev).
# Usage: scripts/fetch-lwip.sh [--force]
# Idempotent: does nothing if .deps/lwip already holds lwIP 2.1.3.
set -eu

WANT_UPSTREAM=2.1.3
SRC_PKG=lwip

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/.deps/lwip"
STAMP="$DEST/.sddf-lwip-version"

die() {
    echo "fetch-lwip: error: $*" >&2
    exit 1
}
say() {
    echo "fetch-lwip: $*"
}

FORCE=0
case "${1:-}" in
'') ;;
--force) FORCE=1 ;;
-h | --help)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*) die "unknown argument '$1' (usage: $0 [--force])" ;;
esac

if [ "$FORCE" = 0 ] && [ -f "$STAMP" ] && [ -f "$DEST/src/include/lwip/init.h" ]; then
    say "lwIP $(cat "$STAMP") already in $DEST (use --force to fetch again)"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script needs a Debian-based system"
command -v dpkg-source >/dev/null 2>&1 ||
    die "dpkg-source not found: install it with 'apt-get install dpkg-dev'"

[ -r /etc/os-release ] || die "/etc/os-release is missing: cannot tell the Debian release"
# shellcheck disable=SC1091
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$CODENAME" ] || die "VERSION_CODENAME is not set in /etc/os-release"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fetch-lwip.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$TMP/sources.list.d" "$TMP/lists/partial" "$TMP/cache/archives/partial" "$TMP/dl" \
    "$TMP/etc-parts"
: >"$TMP/sources.list"
chmod 755 "$TMP"

# keep_suite SUITE: true if SUITE is the machine's codename or its -updates /
# -security variant (a trailing slash in a flat repository never matches).
keep_suite() {
    case "$1" in
    "$CODENAME" | "$CODENAME-updates" | "$CODENAME-security") return 0 ;;
    *) return 1 ;;
    esac
}

OUT="$TMP/sources.list.d/sddf-deb-src.sources"
: >"$OUT"

# One-line format: "deb [opts] URI SUITE COMPONENT..." -> a deb-src line with
# the same options (Signed-By included), URI and components.
convert_list() {
    list_file=$1
    set -f # no pathname expansion of the split words ('[arch=...]' is a glob)
    while IFS= read -r line || [ -n "$line" ]; do
        # strip comments and surrounding blanks
        line=${line%%#*}
        # shellcheck disable=SC2086
        set -- $line
        [ $# -ge 3 ] || continue
        [ "$1" = deb ] || continue
        shift
        opts=""
        if [ "${1#\[}" != "$1" ]; then
            # options run up to the token ending with ']'
            while [ $# -gt 0 ]; do
                opts="$opts $1"
                case "$1" in *\]) shift && break ;; esac
                shift
            done
        fi
        [ $# -ge 3 ] || continue
        uri=$1
        suite=$2
        shift 2
        keep_suite "$suite" || continue
        echo "deb-src$opts $uri $suite $*" >>"$TMP/sources.list"
    done <"$list_file"
    set +f
}

# deb822 format: stanzas separated by blank lines. Each stanza with Types
# containing "deb" (and not Enabled: no) becomes a deb-src stanza with the
# matching suites and the same URIs, Components and Signed-By (an inline key
# block, i.e. continuation lines, is copied verbatim).
convert_sources() {
    awk -v codename="$CODENAME" '
    function keep(s) {
        return s == codename || s == codename "-updates" || s == codename "-security"
    }
    function flush(   n, i, parts, suites) {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no" && uris != "") {
            n = split(suitesf, parts, /[ \t]+/)
            suites = ""
            for (i = 1; i <= n; i++)
                if (parts[i] != "" && keep(parts[i]))
                    suites = suites " " parts[i]
            if (suites != "") {
                print "Types: deb-src"
                print "URIs: " uris
                print "Suites:" suites
                print "Components: " comps
                if (signed != "")
                    printf "%s", signed
                print ""
            }
        }
        types = ""; uris = ""; suitesf = ""; comps = ""; enabled = ""; signed = ""; last = ""
    }
    function val(line) {
        sub(/^[^:]*:[ \t]*/, "", line)
        sub(/[ \t]+$/, "", line)
        return line
    }
    /^#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ {
        # continuation line: only Signed-By may span lines in practice
        if (last == "signed-by")
            signed = signed $0 "\n"
        next
    }
    {
        key = tolower($0)
        sub(/:.*/, "", key)
        last = key
        if (key == "types") types = val($0)
        else if (key == "uris") uris = val($0)
        else if (key == "suites") suitesf = val($0)
        else if (key == "components") comps = val($0)
        else if (key == "enabled") enabled = val($0)
        else if (key == "signed-by") signed = $0 "\n"
    }
    END { flush() }
    ' "$1" >>"$OUT"
}

[ -f /etc/apt/sources.list ] && convert_list /etc/apt/sources.list
for f in /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && convert_list "$f"
done
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && convert_sources "$f"
done

if ! [ -s "$TMP/sources.list" ] && ! [ -s "$OUT" ]; then
    die "no Debian source for '$CODENAME' found in /etc/apt/sources.list or /etc/apt/sources.list.d/"
fi
say "private deb-src entries for $CODENAME:"
sed 's/^/    /' "$TMP/sources.list" "$OUT" | grep -v '^ *$' | grep -v "^    [[:space:]]" || true

# apt downloads as the unprivileged _apt user when run as root: let it write
# into the private directories.
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
    chown -R _apt "$TMP/lists" "$TMP/cache" "$TMP/dl" 2>/dev/null || true
fi

set -- \
    -o Dir::Etc::SourceList="$TMP/sources.list" \
    -o Dir::Etc::SourceParts="$TMP/sources.list.d" \
    -o Dir::State::Lists="$TMP/lists" \
    -o Dir::Cache="$TMP/cache" \
    -o Dir::Cache::pkgcache= \
    -o Dir::Cache::srcpkgcache= \
    -o APT::Get::List-Cleanup=false

say "downloading package lists (private, in $TMP)"
apt-get -q "$@" update >"$TMP/update.log" 2>&1 || {
    cat "$TMP/update.log" >&2
    die "apt-get update with the private deb-src list failed (network or mirror problem?)"
}

say "fetching the $SRC_PKG source package"
(cd "$TMP/dl" && apt-get -q "$@" source --download-only "$SRC_PKG") >"$TMP/source.log" 2>&1 || {
    cat "$TMP/source.log" >&2
    die "apt-get source $SRC_PKG failed: is there a deb-src-capable Debian mirror for $CODENAME?"
}

DSC=""
for f in "$TMP/dl/${SRC_PKG}"_*.dsc; do
    [ -f "$f" ] && DSC=$f && break
done
[ -n "$DSC" ] || die "apt-get source produced no .dsc file"
VERSION=$(sed -n 's/^Version:[ \t]*//p' "$DSC" | head -n 1)
UPSTREAM=${VERSION#*:}
UPSTREAM=${UPSTREAM%-*}
UPSTREAM=${UPSTREAM%%+*}
[ "$UPSTREAM" = "$WANT_UPSTREAM" ] ||
    die "Debian's $SRC_PKG for $CODENAME is version $VERSION, but lwIP $WANT_UPSTREAM is required"

say "unpacking $SRC_PKG $VERSION"
dpkg-source -x "$DSC" "$TMP/src" >"$TMP/unpack.log" 2>&1 || {
    cat "$TMP/unpack.log" >&2
    die "dpkg-source -x $DSC failed"
}
for f in src/include/lwip/init.h src/core/init.c src/core/tcp.c src/netif/ethernet.c \
    src/core/ipv4/etharp.c; do
    [ -f "$TMP/src/$f" ] || die "unpacked source lacks $f: unexpected package layout"
done
grep -q "LWIP_VERSION_MINOR[ \t]*1" "$TMP/src/src/include/lwip/init.h" ||
    die "unpacked src/include/lwip/init.h is not lwIP $WANT_UPSTREAM"
echo "$VERSION" >"$TMP/src/.sddf-lwip-version"

mkdir -p "$ROOT/.deps"
rm -rf "$DEST.old"
[ -e "$DEST" ] && mv "$DEST" "$DEST.old"
mv "$TMP/src" "$DEST"
rm -rf "$DEST.old"
say "lwIP $VERSION is in $DEST"
