/** The board written by the first write into a root that has none. */
export function boardTemplate(): string {
  return ["# Shared State", "", "## Available Work Items", "", "## In Progress", "", "## Completed", ""].join("\n");
}

export const DEFAULT_SECTION = "Available Work Items";
