// The action's main step: mask the secrets, install sfjwt, log in, diagnose on refusal.
// Plain Node 24, no dependencies, no shell: the same on Linux, macOS and Windows runners.
// The logic is in lib.js (unit-tested in tests/action_js/lib.test.js); this file wires it to the process.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const lib = require("./lib.js");

const actionPath = path.join(__dirname, "..");

function command(name, message) {
  process.stdout.write(`::${name} title=sfjwt action::${lib.escapeData(message)}\n`);
}

function appendFile(envVar, text) {
  const file = process.env[envVar];
  if (file) fs.appendFileSync(file, text);
}

function run(bin, args, env) {
  const r = spawnSync(bin, args, { env, stdio: "inherit" });
  if (r.error) return { code: null, error: r.error };
  return { code: r.status, error: null };
}

/** Installs (or finds) sfjwt; returns its path or throws with the reason. */
function install(inputs) {
  // A folder new for this run: nothing in it can predate this step (see lib.installPlan).
  const binDir = inputs.install === "release"
    ? fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || require("node:os").tmpdir(), "sfjwt-bin-"))
    : undefined;
  const plan = lib.installPlan({ inputs, env: process.env, platform: process.platform, arch: process.arch, actionPath, binDir });
  if (plan.run) {
    const [cmd, args] = plan.run;
    // The installer's own output goes to the log; it prints progress on stderr, one line on stdout.
    const r = run(cmd, args, process.env);
    if (r.code !== 0) throw new Error(r.error ? `${cmd}: ${r.error.message}` : `${cmd} exited with ${r.code}`);
  }
  const v = spawnSync(plan.bin, ["--version"], { encoding: "utf8" });
  if (v.status !== 0) throw new Error(`${plan.bin} --version failed${v.error ? `: ${v.error.message}` : ""}`);
  console.log(`sfjwt: ${v.stdout.trim()} (${plan.bin}); action on Node ${process.version}`);
  return plan.bin;
}

function main() {
  let inputs;
  try {
    inputs = lib.readInputs(process.env);
  } catch (e) {
    command("error", e.message);
    return 2;
  }
  const missing = lib.missingCredential(inputs);
  if (missing) {
    command("error", missing);
    return 2;
  }
  // Before anything runs that could print a decoded key line.
  for (const s of lib.secretsToMask(inputs)) process.stdout.write(`::add-mask::${lib.escapeData(s)}\n`);

  let bin;
  try {
    bin = install(inputs);
  } catch (e) {
    command("error", `could not install sfjwt (install: ${inputs.install}): ${e.message}`);
    return 1;
  }
  appendFile("GITHUB_STATE", lib.fileCommand("sfjwt_bin", bin));

  const env = lib.sfjwtEnv(process.env, inputs);
  const outputFile = process.env.GITHUB_OUTPUT;
  const before = outputFile && fs.existsSync(outputFile) ? fs.statSync(outputFile).size : 0;
  const login = run(bin, lib.loginArgs(inputs), env);
  appendFile("GITHUB_OUTPUT", lib.fileCommand("report", inputs.report));

  if (login.code === 0) {
    // sfjwt wrote its outputs (and masked the token); keep the session for the post step's revoke.
    const written = outputFile ? fs.readFileSync(outputFile).subarray(before).toString("utf8") : "";
    const out = lib.parseFileCommands(written);
    if (out["access-token"]) {
      process.stdout.write(`::add-mask::${lib.escapeData(out["access-token"])}\n`);
      appendFile("GITHUB_STATE", lib.fileCommand("sfjwt_token", out["access-token"]));
      appendFile("GITHUB_STATE", lib.fileCommand("sfjwt_instance", out["instance-url"] || ""));
    }
    return 0;
  }
  const code = login.code === null ? 1 : login.code;
  // On a refusal with an admin-token, doctor's report (same path) replaces the login's; the step
  // still ends with the login's exit code.
  const doctor = lib.doctorOnRefusal(inputs, login.code);
  if (doctor) {
    console.log(lib.isEntra(inputs)
      ? "Asking the tenant why (sfjwt doctor --provider entra with the Graph admin token)…"
      : "Asking the org why (sfjwt doctor with the admin session)…");
    const d = run(bin, doctor, env);
    console.log(`sfjwt doctor exited ${d.code}; the step keeps the login's exit code ${code}`);
  }
  if (inputs["fail-on-error"] === false) {
    console.log(`sfjwt login failed (exit ${code}); continuing because fail-on-error is false`);
    return 0;
  }
  return code;
}

process.exitCode = main();
