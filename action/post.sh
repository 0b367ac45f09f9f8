#!/usr/bin/env bash
# The action's post step: revoke the session at the end of the job.
set -uo pipefail
token="${STATE_sfjwt_token:-}"
instance="${STATE_sfjwt_instance:-}"
bin="${STATE_sfjwt_bin:-sfjwt}"
if [ "${INPUT_REVOKE:-true}" = "false" ] || [ -z "$token" ] || [ -z "$instance" ]; then
  exit 0
fi
args=(revoke --instance-url "$instance")
# Input names keep their hyphen in the environment, which bash cannot name directly.
ca=$(printenv 'INPUT_CA-FILE' || true)
[ -n "$ca" ] && args+=(--ca-file "$ca")
case "$instance" in http://*) args+=(--insecure-http) ;; esac
SFJWT_ACCESS_TOKEN="$token" "$bin" "${args[@]}" || echo "::warning title=sfjwt::could not revoke the access token"
exit 0
