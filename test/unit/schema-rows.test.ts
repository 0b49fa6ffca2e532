// The function page's schema table: a JSON Schema flattened into rows a person can read.
import { describe, expect, it } from "vitest";
import { schemaRows, typeOf } from "../../dashboard/src/lib/schema-rows";
import { curlToolCall } from "../../dashboard/src/lib/snippets";

describe("schema rows", () => {
  it("lists fields with type, required, description and constraints, nested ones with dots and []", () => {
    const rows = schemaRows({
      type: "object",
      properties: {
        city: { type: "string", minLength: 2, description: "City name" },
        days: { type: "integer", minimum: -9007199254740991, maximum: 7, default: 3 },
        unit: { type: "string", enum: ["c", "f"] },
        home: { type: "object", properties: { zip: { type: "string", pattern: "^[0-9]{5}$" } }, required: ["zip"] },
        stops: { type: "array", items: { type: "object", properties: { at: { type: "string", format: "date-time" } } }, maxItems: 3 },
        note: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["city", "home"],
    });
    expect(rows.map((r) => [r.name, r.type, r.required, r.constraints.join("; ")])).toEqual([
      ["city", "string", true, "at least 2 characters"],
      ["days", "integer", false, "≤ 7; default 3"],
      ["unit", "enum", false, 'one of "c", "f"'],
      ["home", "object", true, ""],
      ["home.zip", "string", true, "matches /^[0-9]{5}$/"],
      ["stops", "array of object", false, "at most 3 items"],
      ["stops[]", "object", true, ""],
      ["stops[].at", "string", false, "format date-time"],
      ["note", "string | null", false, ""],
    ]);
    expect(rows[0]!.description).toBe("City name");
  });

  it("shows a non-object schema as one value row, and survives junk", () => {
    expect(schemaRows({ type: "string", maxLength: 5 })).toEqual([
      { name: "(value)", type: "string", required: true, description: "", constraints: ["at most 5 characters"] },
    ]);
    expect(schemaRows(null)).toEqual([]);
    expect(schemaRows({ type: "object", properties: { x: 5, y: true } })).toEqual([]);
    expect(typeOf({ const: "a" })).toBe('constant "a"');
  });

  it("quotes the snippet's JSON for a shell, apostrophes included", () => {
    const curl = curlToolCall("https://kiln.example", "greet", { name: "O'Brien" });
    expect(curl).toContain(`-d '{"name":"O'\\''Brien"}'`);
    expect(curl.split("\n")[0]).toBe("curl -X POST https://kiln.example/v1/tools/greet \\");
  });
});
