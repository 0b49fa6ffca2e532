DROP INDEX `runs_parent`;--> statement-breakpoint
CREATE INDEX `runs_trigger_id` ON `runs` (`trigger`,`id`);--> statement-breakpoint
CREATE INDEX `runs_idempotency` ON `runs` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `runs_parent` ON `runs` (`parent_run_id`,`id`);--> statement-breakpoint
ALTER TABLE `functions` ADD `retention_days` integer;--> statement-breakpoint
CREATE INDEX `functions_retention` ON `functions` (`retention_days`);--> statement-breakpoint
CREATE INDEX `tool_call_keys_created` ON `tool_call_keys` (`created_at`);--> statement-breakpoint
-- Text search of runs (GET /v1/runs?q=): an FTS5 index, not part of the drizzle schema (drizzle-kit
-- knows no virtual tables; keep this block when regenerating). Contentless: the words are indexed,
-- the text stays in `runs` only. Its rowid is the run's rowid; the input is indexed by its first
-- 1,024 characters. The triggers keep it in step; a 'delete' must repeat the indexed values exactly.
CREATE VIRTUAL TABLE `runs_fts` USING fts5(`function_name`, `error_message`, `input`, content='', tokenize='unicode61');--> statement-breakpoint
CREATE TRIGGER `runs_fts_insert` AFTER INSERT ON `runs` BEGIN
  INSERT INTO `runs_fts` (rowid, `function_name`, `error_message`, `input`) VALUES (new.rowid, new.function_name, new.error_message, substr(new.input, 1, 1024));
END;--> statement-breakpoint
CREATE TRIGGER `runs_fts_delete` AFTER DELETE ON `runs` BEGIN
  INSERT INTO `runs_fts` (`runs_fts`, rowid, `function_name`, `error_message`, `input`) VALUES ('delete', old.rowid, old.function_name, old.error_message, substr(old.input, 1, 1024));
END;--> statement-breakpoint
CREATE TRIGGER `runs_fts_update` AFTER UPDATE OF `error_message`, `input` ON `runs` BEGIN
  INSERT INTO `runs_fts` (`runs_fts`, rowid, `function_name`, `error_message`, `input`) VALUES ('delete', old.rowid, old.function_name, old.error_message, substr(old.input, 1, 1024));
  INSERT INTO `runs_fts` (rowid, `function_name`, `error_message`, `input`) VALUES (new.rowid, new.function_name, new.error_message, substr(new.input, 1, 1024));
END;--> statement-breakpoint
-- Runs stored before this migration.
INSERT INTO `runs_fts` (rowid, `function_name`, `error_message`, `input`) SELECT rowid, function_name, error_message, substr(input, 1, 1024) FROM `runs`;
