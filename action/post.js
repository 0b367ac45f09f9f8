// The action's post step: revoke the session at the end of the job (state saved by main.js),
// unless revoke: false. Never fails the job: a revoke that cannot be done is a warning.
"use strict";

const { spawnSync } = require("node:child_process");
const lib = require("./lib.js");

function main() {
  let inputs;
  try {
    inputs = lib.readInputs(process.env);
  } catch (e) {
    process.stdout.write(`::warning title=sfjwt::${lib.escapeData(e.message)}; the token was not revoked\n`);
    return;
  }
  const state = {
    bin: process.env.STATE_sfjwt_bin,
    token: process.env.STATE_sfjwt_token,
    instance: process.env.STATE_sfjwt_instance,
  };
  const cmd = lib.revokeCommand(state, inputs);
  if (!cmd) return;
  // The token only, in the environment; no key or other input reaches revoke.
  const env = { ...cmd.env };
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("INPUT_") && !k.startsWith("STATE_") && !k.startsWith("SFJWT_")) env[k] = v;
  }
  const r = spawnSync(cmd.bin, cmd.args, { env, stdio: "inherit" });
  if (r.status !== 0) process.stdout.write("::warning title=sfjwt::could not revoke the access token\n");
}

main();
process.exitCode = 0;
