/**
 * Thrown inside the scanner when the text holds something it does not model exactly; `scanBoard` turns it
 * into `undefined`, and the caller parses with mdast instead. The reason names the construct, for tests.
 */
export class ScanDeclined extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ScanDeclined";
  }
}
