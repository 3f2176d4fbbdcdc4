/** Case and runs of whitespace do not tell texts apart (item descriptions, section titles) when matching loosely. */
export function looseKey(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}
