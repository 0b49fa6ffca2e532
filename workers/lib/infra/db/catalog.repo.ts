/**
 * The tool catalog: every tool-enabled function with its active manifest.
 */
import { eq } from "drizzle-orm";
import type { Manifest } from "../../contracts/functions";
import { Manifest as ManifestSchema } from "../../contracts/functions";
import type { Db } from "./functions.repo";
import { functions, functionVersions } from "./schema";

export async function listActiveManifests(db: Db): Promise<{ name: string; manifest: Manifest }[]> {
  const rows = await db
    .select({ name: functions.name, manifest: functionVersions.manifest })
    .from(functions)
    .innerJoin(functionVersions, eq(functionVersions.id, functions.activeVersionId))
    .orderBy(functions.name)
    .all();
  return rows.map((r) => ({ name: r.name, manifest: ManifestSchema.parse(JSON.parse(r.manifest)) }));
}
