// Starts one Kiln under `wrangler dev` for all end-to-end tests, with fresh state and keys.
import type { TestProject } from "vitest/node";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { startLocalServer } from "../../scripts/local-server.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    kilnUrl: string;
    adminKey: string;
  }
}

export default async function setup(project: TestProject) {
  // Loopback egress: the support-agent example calls stand-in services on 127.0.0.1.
  const server = await startLocalServer({ allowLocalEgress: true });
  project.provide("kilnUrl", server.url);
  project.provide("adminKey", server.adminKey);
  return async () => {
    await server.dispose();
  };
}
