import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

/** What the figures were measured on. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    totalMemoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    tmpdir: os.tmpdir(),
    tmpdirFilesystem: filesystemOf(os.tmpdir()),
  };
}

function filesystemOf(path) {
  try {
    return execFileSync("df", ["-T", path], { encoding: "utf8" }).trim().split("\n")[1]?.split(/\s+/)[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The commit measured, and whether the working tree differs from it (read-only git queries). */
export function gitInfo(repoRoot) {
  const git = (...args) => {
    try {
      return execFileSync("git", ["-C", repoRoot, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  const status = git("status", "--porcelain", "--", "src");
  return { commit: git("rev-parse", "--short", "HEAD"), srcModified: status === null ? null : status.length > 0 };
}

/** The newest modification time of any file under `dir` (0 when it does not exist). */
export function newestMtimeMs(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
    const path = join(dir, entry.name);
    return Math.max(max, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }, 0);
}

/** A hash of the JavaScript under `dir`: which build was measured (tsc rewrites files even when unchanged). */
export function treeHash(dir) {
  const hash = createHash("sha256");
  const walk = (relative) => {
    const full = join(dir, relative);
    if (!existsSync(full)) return;
    for (const entry of readdirSync(full, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(relative, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".js")) hash.update(path).update(readFileSync(join(dir, path)));
    }
  };
  walk("");
  return hash.digest("hex").slice(0, 12);
}

/** True when dist/ is missing or some file under src/ is newer than everything in dist/: the bench would measure an old build. */
export function distIsStale(repoRoot) {
  if (!existsSync(join(repoRoot, "dist", "cli.js"))) return true;
  return newestMtimeMs(join(repoRoot, "src")) > newestMtimeMs(join(repoRoot, "dist"));
}
