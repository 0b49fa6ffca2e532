CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`functions` text,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE TABLE `function_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`function_id` text NOT NULL,
	`number` integer NOT NULL,
	`entry` text NOT NULL,
	`source` text NOT NULL,
	`modules` text NOT NULL,
	`manifest` text NOT NULL,
	`sha256` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`function_id`) REFERENCES `functions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `function_versions_fn_number` ON `function_versions` (`function_id`,`number`);--> statement-breakpoint
CREATE TABLE `functions` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`active_version_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `functions_name_unique` ON `functions` (`name`);--> statement-breakpoint
CREATE TABLE `run_logs` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`level` text NOT NULL,
	`message` text NOT NULL,
	`data` text,
	`step` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `run_logs_pk` ON `run_logs` (`run_id`,`seq`);--> statement-breakpoint
CREATE TABLE `run_spans` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`step` text,
	`method` text NOT NULL,
	`host` text NOT NULL,
	`path` text NOT NULL,
	`status` integer NOT NULL,
	`started_at` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `run_spans_pk` ON `run_spans` (`run_id`,`seq`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`attempt` integer NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`error` text,
	`output` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `run_steps_pk` ON `run_steps` (`run_id`,`seq`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`function_id` text NOT NULL,
	`function_name` text NOT NULL,
	`version_id` text NOT NULL,
	`version_number` integer NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`input` text,
	`output` text,
	`error_message` text,
	`error_name` text,
	`error_step` text,
	`error_retryable` integer,
	`attempt` integer DEFAULT 1 NOT NULL,
	`idempotency_key` text,
	`request_hash` text,
	`parent_run_id` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer
);
--> statement-breakpoint
CREATE INDEX `runs_fn_id` ON `runs` (`function_name`,`id`);--> statement-breakpoint
CREATE INDEX `runs_status_id` ON `runs` (`status`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `runs_fn_idempotency` ON `runs` (`function_id`,`idempotency_key`);