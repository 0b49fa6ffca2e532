CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`endpoint_id` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`event_id` text,
	`event_type` text,
	`run_id` text,
	`received_at` integer NOT NULL,
	`headers` text NOT NULL,
	`payload` text
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint_id` ON `webhook_deliveries` (`endpoint_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint_status` ON `webhook_deliveries` (`endpoint_id`,`status`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_event` ON `webhook_deliveries` (`endpoint_id`,`event_id`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`function_name` text NOT NULL,
	`events` text,
	`tolerance_seconds` integer NOT NULL,
	`hmac` text,
	`enabled` integer NOT NULL,
	`secrets` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
