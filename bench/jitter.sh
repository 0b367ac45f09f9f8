#!/usr/bin/env bash
# What `cargo install sfjwt` from the registry costs when AWS_LC_SYS_NO_JITTER_ENTROPY is not set
# (registry installs do not read .cargo/config.toml): `sfjwt login` against the emulator, and
# `sfjwt assertion`, with aws-lc built with and without CPU jitter entropy; plus the dist profile
# the release workflow ships, when built. Prints figures; asserts nothing.
# Usage: bash bench/jitter.sh [RUNS]
#   JITTER_TARGET_DIR (default: $CARGO_TARGET_DIR-jitter) holds the second build; copying the
#   release directory there first (cp -a) saves rebuilding everything but aws-lc-sys's dependents.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
command -v hyperfine >/dev/null || { echo "missing hyperfine (apt-get install hyperfine)" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-$PWD/target}"
jitter_target="${JITTER_TARGET_DIR:-$target-jitter}"
cargo build --release --locked --quiet -p sfjwt --bin sfjwt -p sfjwt-emulator --bin sfjwt-emulator
# An explicit 0 wins over .cargo/config.toml's [env] (which never overrides the environment).
AWS_LC_SYS_NO_JITTER_ENTROPY=0 CARGO_TARGET_DIR="$jitter_target" cargo build --release --locked --quiet -p sfjwt --bin sfjwt
work="$(mktemp -d)"
"$target/release/sfjwt-emulator" --scenario fixtures/orgs/healthy.yaml --tls-dir "$work/tls" > "$work/ready" 2>/dev/null &
emu_pid=$!
trap 'kill $emu_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/ready" ] && break; sleep 0.1; done
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/ready")
key="$PWD/fixtures/keys/ci.key"
login="login -i 3MVG9Example.key_1 -o ci@acme.com -r $url --ca-file $work/tls/ca.pem --key $key"
assertion="assertion -i 3MVG9Example.key_1 -o ci@acme.com --key $key"
cmds=(-n "login, OS seeding (NO_JITTER_ENTROPY=1, as built here)" "$target/release/sfjwt $login"
      -n "login, jitter entropy (a registry install without the variable)" "$jitter_target/release/sfjwt $login"
      -n "assertion, OS seeding" "$target/release/sfjwt $assertion"
      -n "assertion, jitter entropy" "$jitter_target/release/sfjwt $assertion")
if [ -x "$target/dist/sfjwt" ]; then
  cmds+=(-n "login, dist profile (release workflow)" "$target/dist/sfjwt $login")
fi
echo "machine: $(nproc) cores, $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/j.json" "${cmds[@]}"
python3 - "$work/j.json" <<'PY'
import json, sys
print("\nmedians:")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"  {r['command']}: {r['median']*1000:.1f} ms (min {r['min']*1000:.1f})")
PY
