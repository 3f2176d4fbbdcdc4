// The board edits as the texts they make: tests compare whole files byte for byte, the server writes splices.
import * as md from "../../src/markdown/index.js";

type Args<F extends (...args: never[]) => unknown> = Parameters<F>;

export const claimItem = (...args: Args<typeof md.claimItem>): string => md.applyEdit(args[0], md.claimItem(...args));
export const reclaimItem = (...args: Args<typeof md.reclaimItem>): string => md.applyEdit(args[0], md.reclaimItem(...args));
export const releaseItem = (...args: Args<typeof md.releaseItem>): string => md.applyEdit(args[0], md.releaseItem(...args));
export const completeItem = (...args: Args<typeof md.completeItem>): string => md.applyEdit(args[0], md.completeItem(...args));

export function addItem(...args: Args<typeof md.addItem>): { text: string; line: number; section: string } {
  const inserted = md.addItem(...args);
  return { text: md.applyEdit(args[0], inserted.edit), line: inserted.line, section: inserted.section };
}
