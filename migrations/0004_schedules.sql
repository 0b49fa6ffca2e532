CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`function_name` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`input` text NOT NULL,
	`overlap` text NOT NULL,
	`catch_up` text NOT NULL,
	`jitter_ms` integer DEFAULT 0 NOT NULL,
	`end_at` integer,
	`paused` integer DEFAULT false NOT NULL,
	`next_fire_at` integer,
	`last_slot_at` integer NOT NULL,
	`pending_slot_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `schedules_due` ON `schedules` (`paused`,`next_fire_at`);--> statement-breakpoint
CREATE INDEX `schedules_fn` ON `schedules` (`function_name`);