CREATE TABLE `issued_tokens` (
	`jti` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`parent` text,
	`scopes` text NOT NULL,
	`functions` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `issued_tokens_subject` ON `issued_tokens` (`subject`,`expires_at`);--> statement-breakpoint
CREATE INDEX `issued_tokens_parent` ON `issued_tokens` (`parent`);