// Preloaded into a server the bench measures (`node --expose-gc --import <this> server.js`): on SIGUSR2, a full
// garbage collection, then the bytes still in use on the V8 heap, as one `HEAP <bytes>` line on stderr. What is
// left after a full collection is what the process holds on to: a leak grows it; V8 sizing its heap does not.
process.on("SIGUSR2", () => {
  globalThis.gc();
  process.stderr.write(`HEAP ${process.memoryUsage().heapUsed}\n`);
});
