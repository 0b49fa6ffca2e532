DROP INDEX `runs_idempotency`;--> statement-breakpoint
DROP INDEX `runs_fn_idempotency`;--> statement-breakpoint
DROP INDEX `runs_parent`;--> statement-breakpoint
CREATE INDEX `runs_idempotency` ON `runs` (`idempotency_key`) WHERE "runs"."idempotency_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `runs_fn_idempotency` ON `runs` (`function_id`,`idempotency_key`) WHERE "runs"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX `runs_parent` ON `runs` (`parent_run_id`,`id`) WHERE "runs"."parent_run_id" is not null;