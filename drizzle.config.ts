// drizzle-kit: generates SQL migrations in migrations/ from the schema (never edit an applied one).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/lib/infra/db/schema.ts",
  out: "./migrations",
});
