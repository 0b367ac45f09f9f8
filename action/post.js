// Revokes the session at the end of the job (state saved by main.sh), unless revoke: false.
const { spawnSync } = require("child_process");
const path = require("path");

const env = { ...process.env, ACTION_PATH: path.join(__dirname, "..") };
const r = spawnSync("bash", [path.join(__dirname, "post.sh")], { env, stdio: "inherit" });
process.exit(r.status === null ? 0 : r.status);
