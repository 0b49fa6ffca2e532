/**
 * Run inputs and outputs too large for a run's row (over 64 KiB), kept whole in R2 under
 * `runs/<run id>/<input|output>`; the row holds a marker naming the key (lib/domain/json-text).
 * Imports only the R2 binding's types.
 */
import { isOversized, offloadedObject, restoredJson, storedJson } from "../domain/json-text";

export type PayloadPart = "input" | "output";

export const payloadKey = (runId: string, part: PayloadPart): string => `runs/${runId}/${part}`;

/** R2 deletes at most 1,000 keys per call. */
const KEYS_PER_DELETE = 1000;

/**
 * The text a run's row keeps for a payload, and the object to write when it is oversized: a
 * marker naming the object then, the text itself otherwise.
 */
export function payloadColumn(
  runId: string,
  part: PayloadPart,
  text: string,
): { column: string; object: { key: string; text: string } | null } {
  if (!isOversized(text)) return { column: text, object: null };
  const key = payloadKey(runId, part);
  return { column: storedJson(text, key), object: { key, text } };
}

export async function putPayloads(bucket: R2Bucket, objects: { key: string; text: string }[]): Promise<void> {
  await Promise.all(objects.map((o) => bucket.put(o.key, o.text, { httpMetadata: { contentType: "application/json" } })));
}

/** The whole text of an offloaded payload, or null if it is not (or no longer) there. */
export async function getPayload(bucket: R2Bucket, key: string): Promise<string | null> {
  const object = await bucket.get(key);
  return object ? object.text() : null;
}

/** Deletes every payload these runs may have (a key that does not exist is no error). */
export async function deletePayloads(bucket: R2Bucket, runIds: string[]): Promise<void> {
  const keys = runIds.flatMap((id) => [payloadKey(id, "input"), payloadKey(id, "output")]);
  for (let i = 0; i < keys.length; i += KEYS_PER_DELETE) await bucket.delete(keys.slice(i, i + KEYS_PER_DELETE));
}

/**
 * A stored input or output as JSON text, whole: the column itself, or the R2 object its marker
 * names. Null when only a preview was kept (stored before payloads went to R2) or the object is gone.
 */
export async function wholeText(bucket: R2Bucket, column: string | null): Promise<string | null> {
  const key = offloadedObject(column);
  if (key !== null) return getPayload(bucket, key);
  if (column === null) return null;
  return restoredJson(column) === null && column !== "null" ? null : column;
}
