#!/usr/bin/env bash
# Benchmark of `sfjwt doctor` against emulated orgs that answer after `latency-ms` (a distant org):
#  1. round trips per doctor run, counted from the emulator's own request log;
#  2. doctor's wall time against login's, in the same run, at 100 ms per answer;
#  3. `doctor --all` over 50 emulated orgs against a single doctor, at the default --jobs (64: one
#     wave) and at the old default (16: four waves); every target names the same ca_file (a bundle
#     of the emulators' CAs, as an estate behind one TLS-inspecting proxy names its one corporate
#     bundle), so targets share an HTTP client; and once more with a CA file per target (each
#     emulator's own), where they cannot. Peak RSS of each.
# Prints figures; asserts nothing. Usage: bash bench/doctor.sh [RUNS] [LATENCY_MS] [ORGS]
# Needs hyperfine and /usr/bin/time (apt-get install hyperfine time). BENCH_SFJWT=PATH: time that binary.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
latency="${2:-100}"
orgs="${3:-50}"
for tool in hyperfine /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install hyperfine time)" >&2; exit 2; }
done
cargo build --release --quiet --workspace
target="${CARGO_TARGET_DIR:-$PWD/target}/release"
# BENCH_SFJWT=PATH times another sfjwt build (the one before a change) against the same emulators.
bin="${BENCH_SFJWT:-$target/sfjwt}"
emu="$target/sfjwt-emulator"
key="$PWD/fixtures/keys/ci.key"
token='00D000000000001!ADMINSESSIONTOKENFORTESTS'
work="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT

# healthy.yaml, every answer delayed by $latency ms.
{ cat fixtures/orgs/healthy.yaml; echo; echo "latency-ms: $latency"; } > "$work/slow.yaml"
cp fixtures/orgs/ci.crt "$work/ci.crt"

start_emu() { # NAME: starts an emulator; its URL in $work/NAME.url, its log in $work/NAME.log
  mkdir -p "$work/$1"
  "$emu" --scenario "$work/slow.yaml" --tls-dir "$work/$1" > "$work/$1/ready" 2> "$work/$1.log" &
  pids+=($!)
}
wait_emu() {
  for _ in $(seq 100); do [ -s "$work/$1/ready" ] && break; sleep 0.05; done
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/$1/ready"
}

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "latency: ${latency} ms added to every emulator answer"
start_emu one
url=$(wait_emu one)
ca="$work/one/ca.pem"
common=(-i 3MVG9Example.key_1 -o ci@acme.com -r "$url" --ca-file "$ca" --key "$key")

echo
echo "1. round trips of one doctor run with an admin session (emulator log):"
: > "$work/one.log"
SFJWT_ADMIN_TOKEN="$token" "$bin" doctor "${common[@]}" --admin-instance-url "$url" --app-name CI > /dev/null 2>&1
grep -E '^(GET|POST) ' "$work/one.log" | sed 's/ ([0-9]* ms)//' | sed 's/^/   /'
echo "   token endpoint: $(grep -c 'oauth2/token' "$work/one.log"), org (REST API): $(grep -c '/services/data/' "$work/one.log")"

echo
echo "2. doctor vs login, same run, ${latency} ms per answer:"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/dl.json" \
  -n "sfjwt login" "$bin login ${common[*]}" \
  -n "sfjwt doctor (admin session)" "SFJWT_ADMIN_TOKEN='$token' $bin doctor ${common[*]} --admin-instance-url $url --app-name CI" \
  > /dev/null
python3 - "$work/dl.json" <<'PY'
import json, sys
rs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
for n, r in rs.items():
    print(f"   {n}: median {r['median']*1000:.0f} ms (min {r['min']*1000:.0f}, max {r['max']*1000:.0f})")
print(f"   doctor / login: {rs['sfjwt doctor (admin session)']['median'] / rs['sfjwt login']['median']:.2f}x")
PY

echo
echo "3. doctor --all over $orgs emulated orgs (${latency} ms per answer) vs one doctor:"
for i in $(seq -w 1 "$orgs"); do start_emu "org$i"; done
for i in $(seq -w 1 "$orgs"); do wait_emu "org$i" > "$work/org$i.url"; done
cat "$work"/org*/ca.pem > "$work/bundle.pem"
config() { # CA_FILE_OF_ORG: prints a config of every org, each target's ca_file given by the function
  echo "targets:"
  for i in $(seq -w 1 "$orgs"); do
    u=$(cat "$work/org$i.url")
    printf '  t%s:\n    client_id: 3MVG9Example.key_1\n    username: ci@acme.com\n    login_url: %s\n    ca_file: %s\n    key: %s\n    admin_token_env: BENCH_ADMIN_TOKEN\n    admin_instance_url: %s\n    app_name: CI\n' \
      "$i" "$u" "$("$1" "$i")" "$key" "$u"
  done
}
bundle() { echo "$work/bundle.pem"; }
own_ca() { echo "$work/org$1/ca.pem"; }
config bundle > "$work/sfjwt.yaml"
config own_ca > "$work/own-ca.yaml"
export BENCH_ADMIN_TOKEN="$token"
first=$(printf 't%s' "$(seq -w 1 "$orgs" | head -1)")
# The default (64) runs up to 64 orgs in one wave; --jobs 16, the default before issue 22, runs
# them in waves of 16.
hyperfine --warmup 1 --runs "$runs" --export-json "$work/fleet.json" \
  -n "doctor --target $first (one org)" "$bin doctor --config $work/sfjwt.yaml --target $first" \
  -n "doctor --all ($orgs orgs, default --jobs)" "$bin doctor --config $work/sfjwt.yaml --all" \
  -n "doctor --all ($orgs orgs, a CA file per target)" "$bin doctor --config $work/own-ca.yaml --all" \
  -n "doctor --all --jobs 16 ($orgs orgs, the old default)" "$bin doctor --config $work/sfjwt.yaml --all --jobs 16" \
  > /dev/null
python3 - "$work/fleet.json" <<'PY'
import json, sys
rs = list(json.load(open(sys.argv[1]))["results"])
for r in rs:
    print(f"   {r['command']}: median {r['median']*1000:.0f} ms (min {r['min']*1000:.0f}, max {r['max']*1000:.0f})")
for r in rs[1:]:
    print(f"   {r['command']} / one: {r['median'] / rs[0]['median']:.2f}x")
PY
"$bin" doctor --config "$work/sfjwt.yaml" --all --report "$work/r.json" 2>/dev/null >/dev/null || true
python3 - "$work/r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); s = j["summary"]
reqs = sorted(set(t["org_requests"] for t in j["targets"]))
print(f"   targets ok: {s['ok']} of {s['targets']}; org requests per target: {reqs}")
PY
rss() { for _ in 1 2 3 4 5; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p; }
echo "   peak RSS, median of 5 (KiB): doctor --all (default --jobs) $(rss "$bin" doctor --config "$work/sfjwt.yaml" --all), a CA file per target $(rss "$bin" doctor --config "$work/own-ca.yaml" --all), --jobs 16 $(rss "$bin" doctor --config "$work/sfjwt.yaml" --all --jobs 16), one doctor $(rss "$bin" doctor --config "$work/sfjwt.yaml" --target "$first")"
