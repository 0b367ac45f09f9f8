#!/bin/sh
# sfjwt installer (POSIX sh: Linux, including Alpine/musl and busybox, and macOS).
#
#   curl -fsSL https://github.com/sfjwt/sfjwt/releases/latest/download/install.sh | sh
#   sh install.sh --version v0.1.0 --dir /usr/local/bin --sha256 <archive sha256>
#
# Picks the release archive for this machine, downloads it and the release's SHA256SUMS, checks
# the archive against SHA256SUMS (and against --sha256 when given) before anything from it runs,
# then moves the binary into place in one rename: an interrupted or refused install leaves no
# partial binary behind. Linux always gets the static musl build, which runs on glibc and musl alike.
#
# Layout (the same in .github/workflows/release.yml, install.ps1, the Action and Cargo.toml's
# binstall metadata):
#   BASE/VERSION/sfjwt-VERSION-TARGET.tar.gz   one folder sfjwt-VERSION-TARGET/ inside: the binary,
#                                               completions/, man/, LICENSE-*, README.md
#   BASE/VERSION/SHA256SUMS                    lines "<hex>  <asset name>"
#   BASE/VERSION/VERSION                       the tag itself, so "latest" can be resolved
# "latest" is BASE/../latest/download/ when BASE ends in /releases/download (GitHub), else BASE/latest/.
set -eu

# The canonical repository is named once, in Cargo.toml's `repository`; tests/it/installer.rs
# checks that this line agrees with it.
DEFAULT_BASE_URL="https://github.com/sfjwt/sfjwt/releases/download"

usage() {
  cat <<'EOF'
Install sfjwt from a release.

Usage: install.sh [--version V] [--dir DIR] [--base-url URL] [--sha256 HEX] [--target TRIPLE] [--cache DIR]

  --version V     release tag, e.g. v0.1.0 (or 0.1.0), or latest   [env SFJWT_VERSION, default latest]
  --dir DIR       where to put the sfjwt binary                     [env SFJWT_INSTALL_DIR,
                  default /usr/local/bin as root, else ~/.local/bin]
  --base-url URL  where releases live: URL/VERSION/ASSET            [env SFJWT_BASE_URL, default
                  https://github.com/sfjwt/sfjwt/releases/download; a mirror or artifact store works]
  --sha256 HEX    also require the archive to have this SHA-256     [env SFJWT_SHA256]
  --target T      a Rust target triple instead of this machine's    [env SFJWT_TARGET]
  --cache DIR     keep the verified archive in DIR and reuse it; it is checked against
                  SHA256SUMS (and --sha256) again on every run       [env SFJWT_CACHE_DIR]

With BusyBox wget as the only downloader (it does not check TLS certificates) the archive must be
pinned with --sha256. A redirect from https to plain http is refused.
EOF
}

say() { printf 'sfjwt install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

version="${SFJWT_VERSION:-latest}"
dir="${SFJWT_INSTALL_DIR:-}"
base="${SFJWT_BASE_URL:-$DEFAULT_BASE_URL}"
pin="${SFJWT_SHA256:-}"
target="${SFJWT_TARGET:-}"
cache="${SFJWT_CACHE_DIR:-}"

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || { say "error: $1 needs a value"; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --version) need_value "$@"; version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --dir) need_value "$@"; dir="$2"; shift 2 ;;
    --dir=*) dir="${1#*=}"; shift ;;
    --base-url) need_value "$@"; base="$2"; shift 2 ;;
    --base-url=*) base="${1#*=}"; shift ;;
    --sha256) need_value "$@"; pin="$2"; shift 2 ;;
    --sha256=*) pin="${1#*=}"; shift ;;
    --target) need_value "$@"; target="$2"; shift 2 ;;
    --target=*) target="${1#*=}"; shift ;;
    --cache) need_value "$@"; cache="$2"; shift 2 ;;
    --cache=*) cache="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) say "error: unknown option $1"; usage >&2; exit 2 ;;
  esac
done

base="${base%/}"
case "$base" in
  https://*) ;;
  http://*) say "warning: $base is plain http; SHA256SUMS comes from the same server, so pin the archive with --sha256" ;;
  *) die "--base-url must be an http(s) URL (got $base)" ;;
esac
if [ -n "$pin" ]; then
  pin=$(printf '%s' "$pin" | tr 'A-F' 'a-f')
  case "$pin" in *[!0-9a-f]*) die "--sha256 must be 64 hexadecimal digits" ;; esac
  [ ${#pin} -eq 64 ] || die "--sha256 must be 64 hexadecimal digits"
fi

# --- this machine -----------------------------------------------------------------------------
detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$os" in
    Linux)
      libc=glibc
      if ls /lib/ld-musl-* >/dev/null 2>&1 || (ldd --version 2>&1 | grep -qi musl); then libc=musl; fi
      case "$arch" in
        x86_64 | amd64) target=x86_64-unknown-linux-musl ;;
        aarch64 | arm64) target=aarch64-unknown-linux-musl ;;
        *) die "no sfjwt build for Linux on $arch (builds exist for x86_64 and aarch64); build from source: cargo install sfjwt" ;;
      esac
      say "Linux $arch with $libc: installing the static musl build, which runs on any libc"
      ;;
    Darwin)
      # A shell running under Rosetta reports x86_64 on Apple silicon; the native build is better.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then arch=arm64; fi
      case "$arch" in
        x86_64) target=x86_64-apple-darwin ;;
        arm64 | aarch64) target=aarch64-apple-darwin ;;
        *) die "no sfjwt build for macOS on $arch; build from source: cargo install sfjwt" ;;
      esac
      ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      die "on Windows use install.ps1 (PowerShell): irm https://github.com/sfjwt/sfjwt/releases/latest/download/install.ps1 | iex"
      ;;
    *) die "no sfjwt build for $os $arch (builds exist for Linux, macOS and Windows); build from source: cargo install sfjwt" ;;
  esac
}
[ -n "$target" ] || detect_target
case "$target" in *[!A-Za-z0-9_.-]*) die "--target must be a Rust target triple (got $target)" ;; esac

# --- tools ------------------------------------------------------------------------------------
# Redirects may not leave https for plain http: a mirror given as https stays https end to end.
redir='=https'
case "$base" in http://*) redir='=https,http' ;; esac
if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --proto '=https,http' --proto-redir "$redir" --connect-timeout 20 --max-time 600 --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  # wget has no switch to refuse a protocol on redirect: -S prints every hop's headers, and a
  # Location to http:// fails the download (its content is thrown away, nothing of it runs).
  if wget --help 2>&1 | grep -q BusyBox; then
    # BusyBox wget does not verify TLS certificates (Debian's 1.35, and builds without OpenSSL):
    # SHA256SUMS from such a download proves nothing, so only a pinned archive is accepted.
    # Debian's busybox 1.35 wget crashes on -T (its own default timeout applies).
    [ -n "$pin" ] || die "the only downloader here is BusyBox wget, which does not check TLS certificates: pin the archive with --sha256 (SFJWT_SHA256; copy it from the release's SHA256SUMS), or install curl"
    wget_get() { wget -q -S -O "$2" "$1"; }
  else
    wget_get() { wget -q -S -T 60 -t 3 -O "$2" "$1"; }
  fi
  fetch() {
    wget_get "$1" "$2" 2>"$tmp/headers" || { cat "$tmp/headers" >&2; return 1; }
    if [ "$redir" = '=https' ] && grep -qi '^ *location: *http:' "$tmp/headers"; then
      say "refusing a redirect from https to plain http while downloading $1"
      rm -f "$2"
      return 1
    fi
  }
else
  die "neither curl nor wget is installed"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | awk '{print $1}'; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | awk '{print $1}'; }
elif command -v openssl >/dev/null 2>&1; then
  sha256() { openssl dgst -sha256 -r "$1" | awk '{print $1}'; }
else
  die "no SHA-256 tool (sha256sum, shasum or openssl) to verify the download with"
fi
command -v tar >/dev/null 2>&1 || die "tar is not installed"

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t sfjwt)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

get() { # URL OUT WHAT
  fetch "$1" "$2" || die "cannot download $3 from $1 (a missing asset, a server error or no network)"
}

# --- which release ----------------------------------------------------------------------------
if [ "$version" = latest ]; then
  case "$base" in
    */releases/download) latest="${base%/download}/latest/download" ;;
    *) latest="$base/latest" ;;
  esac
  get "$latest/VERSION" "$tmp/VERSION" "the latest release's VERSION"
  version=$(head -c 64 "$tmp/VERSION" | tr -d ' \r\n')
  [ -n "$version" ] || die "$latest/VERSION is empty"
fi
case "$version" in v*) ;; *) version="v$version" ;; esac
case "$version" in *[!A-Za-z0-9_.+-]*) die "not a release version: $version" ;; esac

name="sfjwt-$version-$target"
asset="$name.tar.gz"
url="$base/$version"
say "installing sfjwt $version ($target) from $url"

# --- download and verify: nothing from the archive runs before this passes ---------------------
get "$url/SHA256SUMS" "$tmp/SHA256SUMS" "SHA256SUMS"
expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print tolower($1) }' "$tmp/SHA256SUMS" | head -n 1)
[ -n "$expected" ] || die "SHA256SUMS of $version lists no $asset: this release has no build for $target"
# A cached archive is only used when it matches SHA256SUMS (and the pin) now, on this run.
from_cache=
# The copy is what gets checked and used, so the cache cannot change between check and use.
if [ -n "$cache" ] && [ -f "$cache/$asset" ] && [ ! -L "$cache/$asset" ] && cp "$cache/$asset" "$tmp/$asset"; then
  cached=$(sha256 "$tmp/$asset")
  if [ "$cached" = "$expected" ] && { [ -z "$pin" ] || [ "$cached" = "$pin" ]; }; then
    from_cache=1
  else
    say "the cached $cache/$asset does not match SHA256SUMS (sha256 $cached); downloading it again"
  fi
fi
[ -n "$from_cache" ] || get "$url/$asset" "$tmp/$asset" "$asset"
actual=$(sha256 "$tmp/$asset")
[ "$actual" = "$expected" ] || die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing was installed"
if [ -n "$pin" ] && [ "$actual" != "$pin" ]; then
  die "checksum mismatch for $asset: --sha256 says $pin, the download is $actual; nothing was installed"
fi
say "verified $asset (sha256 $actual)${from_cache:+, from the cache}"
if [ -n "$cache" ] && [ -z "$from_cache" ]; then
  # Best effort: a cache that cannot be written only means downloading again next time.
  if mkdir -p "$cache" 2>/dev/null && c=$(mktemp "$cache/.sfjwt.part.XXXXXX" 2>/dev/null); then
    { cp "$tmp/$asset" "$c" && mv -f "$c" "$cache/$asset"; } 2>/dev/null || rm -f "$c"
  fi
fi

mkdir "$tmp/x"
tar -xzf "$tmp/$asset" -C "$tmp/x" "$name/sfjwt" || die "$asset does not hold $name/sfjwt"
chmod 755 "$tmp/x/$name/sfjwt"
got=$("$tmp/x/$name/sfjwt" --version 2>&1) || die "the downloaded sfjwt does not run here: $got"

# --- install: one rename, so the old binary stays whole until the new one replaces it ----------
if [ -z "$dir" ]; then
  if [ "$(id -u)" = 0 ]; then dir=/usr/local/bin; else dir="${HOME:?HOME is not set; use --dir}/.local/bin"; fi
fi
mkdir -p "$dir" || die "cannot create $dir"
# mktemp creates the file itself (O_EXCL, mode 0600): never a name someone could plant a link at.
part=$(mktemp "$dir/.sfjwt.part.XXXXXX") || die "cannot write into $dir"
cp "$tmp/x/$name/sfjwt" "$part" || { rm -f "$part"; die "cannot write into $dir"; }
chmod 755 "$part"
mv -f "$part" "$dir/sfjwt" || { rm -f "$part"; die "cannot replace $dir/sfjwt"; }

case ":${PATH:-}:" in *":$dir:"*) ;; *) say "note: $dir is not on PATH; add it: export PATH=\"$dir:\$PATH\"" ;; esac
printf '%s installed to %s\n' "$got" "$dir/sfjwt"
