ALTER TABLE `runs` ADD `root_run_id` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `depth` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `allowed_functions` text;--> statement-breakpoint
CREATE INDEX `runs_parent` ON `runs` (`parent_run_id`);--> statement-breakpoint
CREATE INDEX `runs_root` ON `runs` (`root_run_id`);