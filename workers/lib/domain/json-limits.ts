/**
 * Bounds on JSON that Kiln accepts. `JSON.parse` of a document nested thousands deep succeeds,
 * but every later recursion over it (structured clone into an isolate, validators, stringify)
 * overflows the stack, so depth is checked on the text, before parsing. Pure.
 */

/** Deepest nesting of arrays and objects accepted in any JSON body. */
export const MAX_JSON_DEPTH = 64;

/** Whether JSON text nests arrays/objects deeper than `max` (linear scan; strings are skipped). */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The number of values in a parsed JSON document (containers and leaves), counted without recursion. */
export function countValues(value: unknown): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    count++;
    if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (typeof v === "object" && v !== null) for (const key in v) stack.push((v as Record<string, unknown>)[key]);
  }
  return count;
}
