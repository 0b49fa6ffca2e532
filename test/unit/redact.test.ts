// Secret values never survive into what a run leaves behind.
import { describe, expect, it } from "vitest";
import { redactorFor } from "../../workers/lib/domain/redact";

describe("redaction", () => {
  const r = redactorFor({ API_KEY: "sk-abc123", QUOTED: 'pa"ss\\word', PIN: "12345678", TINY: "ab" });
  if (!r) throw new Error("expected a redactor");

  it("replaces raw values in text, longest first", () => {
    expect(r.text("Authorization: Bearer sk-abc123 and sk-abc123")).toBe("Authorization: Bearer [redacted:API_KEY] and [redacted:API_KEY]");
    expect(r.text("ab is too short to look for")).toBe("ab is too short to look for");
  });

  it("replaces values inside JSON text, escaped ones too, and keeps it valid JSON", () => {
    const out = r.json(JSON.stringify({ key: "sk-abc123", q: 'pa"ss\\word', pin: 12345678, "sk-abc123": 1, nested: ["x sk-abc123 y"] }));
    expect(JSON.parse(out)).toEqual({
      key: "[redacted:API_KEY]",
      q: "[redacted:QUOTED]",
      pin: "[redacted:PIN]",
      "[redacted:API_KEY]": 1,
      nested: ["x [redacted:API_KEY] y"],
    });
    expect(r.json('{"clean":true}')).toBe('{"clean":true}');
    expect(r.json('{"cut": "sk-abc123…')).toBe('{"cut": "[redacted:API_KEY]…');
  });

  it("is null when there is nothing to redact", () => {
    expect(redactorFor({})).toBeNull();
    expect(redactorFor({ X: "abc" })).toBeNull();
  });
});
