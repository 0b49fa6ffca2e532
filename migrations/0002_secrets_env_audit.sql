CREATE TABLE `audit_events` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor_key_id` text NOT NULL,
	`actor_kind` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`detail` text DEFAULT '{}' NOT NULL,
	`ip` text
);
--> statement-breakpoint
CREATE INDEX `audit_action_id` ON `audit_events` (`action`,`id`);--> statement-breakpoint
CREATE INDEX `audit_actor_id` ON `audit_events` (`actor_key_id`,`id`);--> statement-breakpoint
CREATE TABLE `secret_grants` (
	`secret_name` text NOT NULL,
	`function_name` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`secret_name`, `function_name`)
);
--> statement-breakpoint
CREATE INDEX `secret_grants_fn` ON `secret_grants` (`function_name`);--> statement-breakpoint
CREATE TABLE `secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`ciphertext` text NOT NULL,
	`iv` text NOT NULL,
	`key_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `secrets_name_unique` ON `secrets` (`name`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rate_limit` text;--> statement-breakpoint
ALTER TABLE `functions` ADD `env` text DEFAULT '{}' NOT NULL;