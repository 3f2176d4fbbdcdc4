import { z } from "zod";

/**
 * A zod schema as the JSON Schema (draft-07) that `tools/list` shows, in the spelling every client can read:
 *
 * - a nullable field is `anyOf: [{ type: "string" }, { type: "null" }]`, never `type: ["string", "null"]`.
 *   zod writes the array form, which is legal JSON Schema but not portable: clients that map tool schemas onto
 *   a single-`type` dialect (Gemini's OpenAPI subset) may drop the constraint or refuse the tool, and the MCP
 *   Inspector's portability check warns about each one. The two spellings accept exactly the same values, so
 *   SDK clients (ajv) validate results, error results included, as before.
 * - no ±(2^53 - 1) bounds on integers: zod writes them on every one; noise in what a model reads, and nothing a
 *   client needs.
 */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: "draft-7", io }) as Record<string, unknown>;
  return portable(rest) as Record<string, unknown>;
}

function portable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(portable);
  if (node === null || typeof node !== "object") return node;
  const entries = Object.entries(node)
    .filter(([key, value]) => !((key === "minimum" || key === "maximum") && Math.abs(value as number) === Number.MAX_SAFE_INTEGER))
    .map(([key, value]) => [key, portable(value)] as const);
  const result: Record<string, unknown> = Object.fromEntries(entries);
  const { type } = result;
  if (!Array.isArray(type)) return result;
  // `{ type: [A, B], ...k }` is `{ anyOf: [{ type: A }, { type: B }], ...k }`: every other keyword applies to
  // the value whatever its type, as before. A node that already has `anyOf` keeps it beside, under `allOf`.
  delete result.type;
  const branches = { anyOf: type.map((one) => ({ type: one })) };
  if (result.anyOf === undefined) return { ...branches, ...result };
  return { ...result, allOf: [...((result.allOf as unknown[]) ?? []), branches] };
}
