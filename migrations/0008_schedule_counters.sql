ALTER TABLE `schedules` ADD `skipped_slots` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `schedules` ADD `last_run_id` text;