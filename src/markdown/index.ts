export { parseBoard, type Board, type BoardItem, type BoardHeading } from "./parse-board.js";
export { patchBoard } from "./patch-board.js";
export { addItem, claimItem, completeItem, releaseItem, type Insertion } from "./board-edits.js";
export { boardTemplate, DEFAULT_SECTION } from "./board-template.js";
export {
  breaksSections,
  memoryTemplate,
  readMemorySections,
  writeMemorySection,
  MEMORY_SECTIONS,
  type MemorySection,
} from "./agent-memory.js";
export type { ItemStatus } from "./task-line.js";
export { MarkdownLimitError, PARSE_LIMITS } from "./parse-limits.js";
export { findSection, sectionKey } from "./sections.js";
