/**
 * Which branch of a discriminated union (zod's z.discriminatedUnion: object branches that each fix
 * one common property with `const`) a value selects. Used to report only that branch's validation
 * issues, and to read a strict caller's nulls against the right branch. Pure.
 */

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

export type BranchChoice = { index: number } | { mismatch: { key: string; allowed: unknown[] } } | null;

function constOf(branch: unknown, key: string): { value: unknown } | undefined {
  if (!isNode(branch) || !isNode(branch.properties)) return undefined;
  const prop = branch.properties[key];
  if (isNode(prop) && "const" in prop) return { value: prop.const };
  if (isNode(prop) && Array.isArray(prop.enum) && prop.enum.length === 1) return { value: prop.enum[0] };
  return undefined;
}

/** The discriminator: the first property that every branch fixes to a value. */
function discriminator(branches: readonly unknown[]): string | undefined {
  const first = branches[0];
  if (branches.length < 2 || !isNode(first) || !isNode(first.properties)) return undefined;
  return Object.keys(first.properties).find((key) => branches.every((b) => constOf(b, key) !== undefined));
}

/** null when `branches` is not a discriminated union or `value` is not an object. */
export function discriminatedBranch(branches: readonly unknown[], value: unknown): BranchChoice {
  if (!isNode(value)) return null;
  const key = discriminator(branches);
  if (key === undefined) return null;
  const index = branches.findIndex((b) => constOf(b, key)?.value === value[key]);
  if (index >= 0) return { index };
  return { mismatch: { key, allowed: branches.map((b) => constOf(b, key)?.value) } };
}
