#!/usr/bin/env bash
# Benchmark of getting sfjwt onto a runner, in one run on loopback. Prints figures; asserts nothing.
#   - binary and archive size (this machine's release build; the release workflow checks the
#     musl builds' size on GitHub);
#   - install.sh alone against a local fake release (python's http.server), from cold;
#   - the Action's step from cold under act: `install: release` from the fake release, then
#     login against the emulator; beside the same workflow with `install: path` (act's own cost).
# Usage: bash bench/distribution.sh [RUNS]
# Needs hyperfine (apt-get install hyperfine) and scripts/tools.sh's act and Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
runs="${1:-10}"
command -v hyperfine >/dev/null || { echo "missing hyperfine (apt-get install hyperfine)" >&2; exit 2; }
# shellcheck source=scripts/tools.sh
source scripts/tools.sh
export PATH="$SFJWT_NODE24_DIR:$PATH"
target="${CARGO_TARGET_DIR:-$repo/target}"
# BENCH_NO_BUILD=1 measures the release build already in the target dir.
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release --locked --quiet -p sfjwt --bin sfjwt -p sfjwt-emulator --bin sfjwt-emulator
bin="$target/release/sfjwt"
emu="$target/release/sfjwt-emulator"
work="$(mktemp -d)"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "${work:?}"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node for the action: $(node --version); act: $("$SFJWT_ACT_BIN" --version)"

# --- sizes -------------------------------------------------------------------------------------
version=v0.1.0
dist="$work/releases/sfjwt/sfjwt/releases/download/$version"
mkdir -p "$dist" "$work/releases/sfjwt/sfjwt/releases/latest"
archive=$(bash scripts/release.sh archive "$bin" x86_64-unknown-linux-musl "$version" "$dist")
bash scripts/release.sh finish "$version" "$dist" >/dev/null
ln -s "../download/$version" "$work/releases/sfjwt/sfjwt/releases/latest/download"
echo
echo "sizes (x86_64-unknown-linux-gnu release build standing in for the musl one):"
echo "  binary, release profile (stripped, thin LTO): $(stat -c %s "$bin") bytes"
if [ -x "$target/dist/sfjwt" ]; then # cargo build --profile dist, as the release workflow builds
  echo "  binary, dist profile (fat LTO, one codegen unit): $(stat -c %s "$target/dist/sfjwt") bytes"
fi
echo "  archive $(basename "$archive") (binary + completions + man + licences + README): $(stat -c %s "$archive") bytes"

# --- servers -----------------------------------------------------------------------------------
python3 tests/installer/fake_release_server.py "$work/releases" > "$work/rel.ready" 2>/dev/null &
pids+=($!)
"$emu" --scenario fixtures/orgs/healthy.yaml --tls-dir "$work/tls" > "$work/emu.ready" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/rel.ready" ] && [ -s "$work/emu.ready" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cut -d' ' -f2 "$work/rel.ready")/sfjwt/sfjwt/releases/download"
emu_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/emu.ready")

# --- install.sh alone, cold: a fresh install dir each run -----------------------------------------
echo
hyperfine --warmup 2 --runs "$runs" --export-json "$work/install.json" \
  --prepare "rm -rf $work/inst" \
  -n "install.sh (download, verify, install)" "sh install.sh --base-url $base --version $version --dir $work/inst"

# --- the Action's step under act, cold -------------------------------------------------------------
stage="$work/stage"
mkdir -p "$stage"
cp -r action action.yml install.sh install.ps1 "$stage/"
run="$work/act-run"
mkdir -p "$run/.github/workflows"
cp tests/action/release.yml "$run/.github/workflows/"
# shellcheck disable=SC2016 # the workflow's own variables, for the runner to expand
# The same workflow with the binary already on PATH: what act, Node and the login cost alone.
sed -e 's/install: release/install: path/' \
    -e 's|      - run: cp -a "$SRC/." .|&\n      - run: echo "$SFJWT_BIN_DIR" >> "$GITHUB_PATH"|' \
    tests/action/release.yml > "$run/.github/workflows/path.yml"
(cd "$run" && git init -q && git add . && git -c user.name=b -c user.email=b@b commit -qm bench)
printf 'SF_JWT_KEY=%s\n' "$(base64 -w0 fixtures/keys/ci.key)" > "$work/secrets.env"
act_run() { # WORKFLOW EXTRA_ENV...: one act run with a fresh HOME (cold tool cache)
  local wf="$1"; shift
  rm -rf "${work:?}/home" && mkdir -p "$work/home"
  (cd "$run" && HOME="$work/home" "$SFJWT_ACT_BIN" push -W ".github/workflows/$wf" -P ubuntu-latest=-self-hosted \
    --secret-file "$work/secrets.env" --env "SRC=$stage" --env "EMU_URL=$emu_url" --env "EMU_CA=$work/tls/ca.pem" \
    --env "SFJWT_BIN_DIR=$(dirname "$bin")" "$@" > "$work/act.log" 2>&1) \
    || { cat "$work/act.log" >&2; return 1; }
}
export -f act_run
export work run stage emu_url bin SFJWT_ACT_BIN
act_run release.yml --env "RELEASE_BASE=$base" --env "ACT_VERSION=$version"
grep -q "org-id 00D000000000001AAA" "$work/act.log" || { echo "the release workflow did not log in" >&2; cat "$work/act.log" >&2; exit 1; }
echo
hyperfine --shell bash --warmup 1 --runs "$runs" --export-json "$work/act.json" \
  -n "act: install: release (fake release) + login (emulator)" "act_run release.yml --env RELEASE_BASE=$base --env ACT_VERSION=$version" \
  -n "act: install: path + login (act's own cost)" "act_run path.yml"
python3 - "$work/install.json" "$work/act.json" <<'PY'
import json, sys
print("\nmedians:")
rs = {}
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        rs[r["command"]] = r
        print(f"  {r['command']}: {r['median']*1000:.0f} ms (min {r['min']*1000:.0f}, max {r['max']*1000:.0f})")
rel = rs.get("act: install: release (fake release) + login (emulator)")
path = rs.get("act: install: path + login (act's own cost)")
if rel and path:
    print(f"  the install itself inside the Action: {(rel['median'] - path['median'])*1000:.0f} ms")
print("  for comparison, the sf-CLI-based peers document `npm install @salesforce/cli`: 30-40 s uncached")
PY
