export {
  breaksSections,
  MEMORY_SECTIONS,
  type MemorySection,
  memoryTemplate,
  readMemorySections,
  writeMemorySection,
  writeMemorySectionChecked,
} from "./agent-memory.js";
export { addItem, claimItem, completeItem, type Insertion, reclaimItem, releaseItem } from "./board-edits.js";
export { boardTemplate, DEFAULT_SECTION } from "./board-template.js";
export { conflictMarkerLines } from "./conflict-markers.js";
export { itemsDescribedAs } from "./items-described-as.js";
export { applyEdit, type TextEdit } from "./lines.js";
export { type Board, type BoardHeading, type BoardItem, itemIndexAtLine, parseBoard } from "./parse-board.js";
export { MarkdownLimitError, PARSE_LIMITS } from "./parse-limits.js";
export { patchBoard } from "./patch-board.js";
export { findSection, sectionKey } from "./sections.js";
export type { ItemStatus } from "./task-line.js";
