CREATE TABLE `alert_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`rule_id` text NOT NULL,
	`event` text NOT NULL,
	`run_id` text,
	`function_name` text,
	`suppressed` integer,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`response_status` integer,
	`response_body` text,
	`last_error` text,
	`next_attempt_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_deliveries_rule_id` ON `alert_deliveries` (`rule_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `alert_deliveries_rule_run` ON `alert_deliveries` (`rule_id`,`run_id`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`events` text NOT NULL,
	`function_name` text,
	`url` text NOT NULL,
	`format` text NOT NULL,
	`secret` text,
	`enabled` integer NOT NULL,
	`link_base` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`window_started_at` integer DEFAULT 0 NOT NULL,
	`window_count` integer DEFAULT 0 NOT NULL,
	`pending_suppressed` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_rules_fn` ON `alert_rules` (`function_name`);