/**
 * Payloads too large for their D1 row (over 64 KiB), kept whole in R2; the row holds a marker
 * (lib/domain/json-text). Keys are made from ids Kiln made, never from what a row says:
 * `runs/<run id>/<input|output>`, `runs/<run id>/steps/<step result id>` and
 * `deliveries/<endpoint id>/<delivery id>`. A marker's `object` is only believed when it is the key
 * this row's payload must have, since a function or a sender can store text that looks like a marker.
 * Imports only the R2 binding's types and lib/domain.
 */
import { MAX_STORED_JSON, offloadedObject, restoredJson, storedJson } from "../domain/json-text";

export type PayloadPart = "input" | "output";

export const payloadKey = (runId: string, part: PayloadPart): string => `runs/${runId}/${part}`;

/** Every object of one run (its input, output and step results) is under this prefix. */
export const runPrefix = (runId: string): string => `runs/${runId}/`;

/** A step result's key: `id` is a fresh Kiln id (a step's name is the function's text, never part of a key). */
export const stepResultKey = (runId: string, id: string): string => `runs/${runId}/steps/${id}`;

/** Every object of one endpoint's deliveries is under this prefix. */
export const deliveryPrefix = (endpointId: string): string => `deliveries/${endpointId}/`;
export const deliveryKey = (endpointId: string, deliveryId: string): string => `${deliveryPrefix(endpointId)}${deliveryId}`;

/** Whether `key` may be a step result object of this run (the marker names which one). */
export function isStepResultKey(runId: string, key: string): boolean {
  const prefix = `runs/${runId}/steps/`;
  return key.startsWith(prefix) && /^stp_[0-9a-z]{26}$/.test(key.slice(prefix.length));
}

/** R2 deletes at most 1,000 keys per call, and lists at most 1,000 per page. */
const KEYS_PER_CALL = 1000;
/** Pages listed per prefix in one call of deletePrefixes: a run has at most 1,000 step records. */
const PAGES_PER_PREFIX = 3;
/** Prefixes listed at once (a Worker has 6 simultaneous connections). */
const PARALLEL_LISTS = 4;

/** An object to write: its key and its whole text. */
export interface PayloadObject {
  key: string;
  text: string;
}

/**
 * The text a row keeps for a payload, and the object to write when it is longer than `limit`
 * (64 KiB unless told): a marker naming the object then, the text itself otherwise.
 */
export function offloadColumn(key: string, text: string, limit = MAX_STORED_JSON): { column: string; object: PayloadObject | null } {
  if (text.length <= limit) return { column: text, object: null };
  return { column: storedJson(text, key, limit), object: { key, text } };
}

/** offloadColumn for a run's input or output. */
export function payloadColumn(runId: string, part: PayloadPart, text: string): { column: string; object: PayloadObject | null } {
  return offloadColumn(payloadKey(runId, part), text);
}

export async function putPayloads(bucket: R2Bucket, objects: PayloadObject[]): Promise<void> {
  await Promise.all(objects.map((o) => bucket.put(o.key, o.text, { httpMetadata: { contentType: "application/json" } })));
}

/** Writes the object when the text is longer than `limit`; returns what the row keeps. */
export async function storePayload(bucket: R2Bucket, key: string, text: string, limit = MAX_STORED_JSON): Promise<string> {
  const { column, object } = offloadColumn(key, text, limit);
  if (object) await putPayloads(bucket, [object]);
  return column;
}

/** The whole text of an offloaded payload, or null if it is not (or no longer) there. */
export async function getPayload(bucket: R2Bucket, key: string): Promise<string | null> {
  const object = await bucket.get(key);
  return object ? object.text() : null;
}

/** The key a row's marker names, when it is one this row may name (`expected`); null otherwise. */
export function offloadedKey(column: string | null, expected: string | ((key: string) => boolean)): string | null {
  let key: string | null;
  try {
    key = offloadedObject(column);
  } catch {
    return null;
  }
  if (key === null) return null;
  return (typeof expected === "string" ? key === expected : expected(key)) ? key : null;
}

/**
 * A stored payload as JSON text, whole: the column itself, or the R2 object its marker names (when
 * that is the `expected` key). Null when only a preview was kept (a marker without an object, a
 * step's cut preview) or the object is gone.
 */
export async function wholeText(
  bucket: R2Bucket,
  column: string | null,
  expected: string | ((key: string) => boolean),
): Promise<string | null> {
  const key = offloadedKey(column, expected);
  if (key !== null) return getPayload(bucket, key);
  if (column === null) return null;
  try {
    return restoredJson(column) === null && column !== "null" ? null : column;
  } catch {
    return null;
  }
}

/**
 * Deletes every object under these prefixes (a run's, an endpoint's deliveries'), listing each a
 * bounded number of pages; a prefix without objects costs one list.
 */
export async function deletePrefixes(bucket: R2Bucket, prefixes: string[], pages = PAGES_PER_PREFIX): Promise<void> {
  const deleteOne = async (prefix: string) => {
    let cursor: string | undefined;
    for (let page = 0; page < pages; page++) {
      const listed = await bucket.list({ prefix, limit: KEYS_PER_CALL, ...(cursor ? { cursor } : {}) });
      if (listed.objects.length > 0) await bucket.delete(listed.objects.map((o) => o.key));
      if (!listed.truncated) return;
      cursor = listed.cursor;
    }
  };
  for (let i = 0; i < prefixes.length; i += PARALLEL_LISTS) await Promise.all(prefixes.slice(i, i + PARALLEL_LISTS).map(deleteOne));
}

/** Deletes these objects by key (a key that does not exist is no error). */
export async function deleteKeys(bucket: R2Bucket, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += KEYS_PER_CALL) await bucket.delete(keys.slice(i, i + KEYS_PER_CALL));
}

/** Deletes every object these runs have (input, output, step results). */
export async function deletePayloads(bucket: R2Bucket, runIds: string[]): Promise<void> {
  await deletePrefixes(bucket, runIds.map(runPrefix));
}
