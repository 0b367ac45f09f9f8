#!/usr/bin/env bash
# The action's main step: install sfjwt, mask the key, log in, diagnose on refusal.
set -uo pipefail

fail() { echo "::error title=sfjwt action::$1"; exit 1; }

# --- mask every line of the key as it will be decoded (GitHub registered only the raw secret) ---
mask_key() {
  local key="$SFJWT_KEY"
  if ! printf '%s' "$key" | grep -q -- '-----BEGIN'; then
    key=$(printf '%s' "$key" | tr -d ' \r\n\t' | base64 -d 2>/dev/null | tr -d '\000' || true)
  fi
  key=${key//\\n/$'\n'}
  while IFS= read -r line; do
    line=${line%$'\r'}
    case "$line" in
      ''|-----*) ;;
      *) [ ${#line} -ge 8 ] && echo "::add-mask::$line" ;;
    esac
  done <<< "$key"
  [ -n "${SFJWT_KEY_PASSPHRASE:-}" ] && echo "::add-mask::$SFJWT_KEY_PASSPHRASE"
  [ -n "${SFJWT_ADMIN_TOKEN:-}" ] && echo "::add-mask::$SFJWT_ADMIN_TOKEN"
  return 0
}
[ -n "${SFJWT_KEY:-}" ] || fail "the private-key input is empty (is the secret set for this workflow?)"
mask_key

# --- install ---
bin=$(bash "$ACTION_PATH/action/install.sh") || fail "could not install sfjwt (install: ${ACTION_INSTALL})"
echo "sfjwt: $("$bin" --version)"
echo "sfjwt_bin=$bin" >> "$GITHUB_STATE"

# --- login ---
args=(login --github --report "$ACTION_REPORT")
[ "$ACTION_EXPORT_ENV" = "true" ] && args+=(--export-env)
[ -n "$ACTION_SF_ALIAS" ] && args+=(--sf-alias "$ACTION_SF_ALIAS")
code=0
"$bin" "${args[@]}" || code=$?
echo "report=$ACTION_REPORT" >> "$GITHUB_OUTPUT"

if [ "$code" -eq 0 ]; then
  token=$(grep '^access-token=' "$GITHUB_OUTPUT" | tail -n 1 | cut -d= -f2-)
  instance=$(grep '^instance-url=' "$GITHUB_OUTPUT" | tail -n 1 | cut -d= -f2-)
  { echo "sfjwt_token=$token"; echo "sfjwt_instance=$instance"; } >> "$GITHUB_STATE"
  exit 0
fi

# --- refused: with an admin session, let doctor confirm the cause from the org ---
if [ "$code" -eq 3 ] && [ -n "${SFJWT_ADMIN_TOKEN:-}" ] && [ -n "${SFJWT_ADMIN_INSTANCE_URL:-}" ]; then
  echo "Asking the org why (sfjwt doctor with the admin session)…"
  "$bin" doctor --github --report "$ACTION_REPORT" || true
fi
if [ "$ACTION_FAIL_ON_ERROR" = "false" ]; then
  echo "sfjwt login failed (exit $code); continuing because fail-on-error is false"
  exit 0
fi
exit "$code"
