/**
 * How long a stop (SIGTERM, Ctrl-C, stdin closing) waits for queued writes — e.g. behind another process's lock —
 * before the server exits anyway: a server must always end when told to (0.1.0 servers hung in a FIFO ignored
 * SIGTERM). A write not made by then was never acknowledged, so nothing is lost that a client was told of.
 */
export const STOP_DEADLINE_MS = 2_000;
