CREATE TABLE `tool_call_keys` (
	`credential` text NOT NULL,
	`function_name` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`run_id` text NOT NULL,
	`status` integer,
	`body` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`credential`, `function_name`, `key`)
);
