import { statSync } from "node:fs";
import { resolve } from "node:path";

/** The project root for a command: --root, else HFS_ROOT, else the working directory — which must exist. */
export function resolveRoot(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | { code: number; text: string } {
  const root = resolve(cwd, flag ?? (env.HFS_ROOT || "."));
  try {
    if (statSync(root).isDirectory()) return root;
  } catch {
    // reported below
  }
  return { code: 2, text: `--root \`${root}\` is not an existing directory.` };
}
