import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { call } from "../../helpers/clients.js";
import { tempRoot } from "../../helpers/temp-root.js";
import { eventually } from "../resources/support.js";
import { ALPHA_TOKEN, BRAVO_TOKEN, httpClient, NAMELESS_TOKEN, startHttpServer } from "./support.js";

/** One HTTP server, many agents: each session shows its agent present while it is open. */
describe("hfs-mcp --http: presence per session", () => {
  it("shows a session's agent present while it is open, offline since it closed, and lets a claim be reclaimed after that", async () => {
    const root = await tempRoot();
    await mkdir(join(root, ".hfs"));
    await writeFile(join(root, ".hfs", "state.md"), "# Board\n\n- [ ] Build auth\n- [ ] Write docs\n");
    const server = await startHttpServer(["--http", "127.0.0.1:0", "--root", root, "--reclaim-after-minutes", "0.02"], {
      HFS_TOKENS: `${ALPHA_TOKEN}=alpha,${BRAVO_TOKEN}=bravo,${NAMELESS_TOKEN}`,
      HFS_PRESENCE_INTERVAL_MS: "100",
    });
    const presence = () => readdir(join(root, ".hfs", "presence")).catch(() => [] as string[]);
    const alpha = await httpClient(server.url, ALPHA_TOKEN);
    const bravo = await httpClient(server.url, BRAVO_TOKEN);
    const nameless = await httpClient(server.url, NAMELESS_TOKEN);
    expect((await presence()).map((name) => name.split("~")[0]).sort()).toEqual(["alpha", "bravo"]);
    await call(alpha.client, "claim_item", { description: "Build auth" });
    // A session naming its agent per call shows it once it has written for it.
    await call(nameless.client, "claim_item", { description: "Write docs", agent_id: "carol" });
    expect((await presence()).map((name) => name.split("~")[0]).sort()).toEqual(["alpha", "bravo", "carol"]);
    const holders = async () =>
      Object.fromEntries(
        (await call(bravo.client, "get_work_items", { status: "in_progress" })).data.items.map((item: any) => [
          item.claimed_by,
          item.holder_online,
        ]),
      );
    expect(await holders()).toEqual({ alpha: true, carol: true });

    await alpha.transport.terminateSession();
    await alpha.client.close();
    await nameless.transport.terminateSession();
    await nameless.client.close();
    await eventually(async () => expect(await holders()).toEqual({ alpha: false, carol: false }));
    expect((await presence()).filter((name) => name.endsWith(".left")).sort()).toEqual(["alpha.left", "carol.left"]);
    await sleep(1_300);
    expect((await call(bravo.client, "claim_item", { description: "Build auth" })).data).toMatchObject({
      success: true,
      claimed_by: "bravo",
      reclaimed_from: "alpha",
    });
  });
});
