// Maps the action's inputs to the environment of action/main.sh; the key travels only there.
const { spawnSync } = require("child_process");
const path = require("path");

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] || "").trim();
const env = { ...process.env };
for (const k of Object.keys(env)) {
  if (k.startsWith("INPUT_")) delete env[k];
}
Object.assign(env, {
  SFJWT_CLIENT_ID: input("client-id"),
  SFJWT_USERNAME: input("username"),
  SFJWT_KEY: process.env["INPUT_PRIVATE-KEY"] || "",
  SFJWT_KEY_PASSPHRASE: process.env["INPUT_PRIVATE-KEY-PASSPHRASE"] || "",
  SFJWT_LOGIN_URL: input("login-url"),
  SFJWT_AUDIENCE: input("audience"),
  SFJWT_CA_FILE: input("ca-file"),
  SFJWT_ADMIN_TOKEN: process.env["INPUT_ADMIN-TOKEN"] || "",
  SFJWT_ADMIN_INSTANCE_URL: input("admin-instance-url"),
  ACTION_SF_ALIAS: input("sf-alias"),
  ACTION_EXPORT_ENV: input("export-env"),
  ACTION_REPORT: input("report"),
  ACTION_FAIL_ON_ERROR: input("fail-on-error"),
  ACTION_REVOKE: input("revoke"),
  ACTION_INSTALL: input("install"),
  ACTION_VERSION: input("version"),
  ACTION_RELEASE_BASE_URL: input("release-base-url"),
  ACTION_PATH: path.join(__dirname, ".."),
});
for (const k of ["SFJWT_KEY_PASSPHRASE", "SFJWT_AUDIENCE", "SFJWT_CA_FILE", "SFJWT_ADMIN_TOKEN", "SFJWT_ADMIN_INSTANCE_URL"]) {
  if (!env[k]) delete env[k];
}
const r = spawnSync("bash", [path.join(__dirname, "main.sh")], { env, stdio: "inherit" });
process.exit(r.status === null ? 1 : r.status);
