ALTER TABLE `run_logs` ADD `function_name` text;--> statement-breakpoint
UPDATE `run_logs` SET `function_name` = (SELECT `function_name` FROM `runs` WHERE `runs`.`id` = `run_logs`.`run_id`);--> statement-breakpoint
CREATE INDEX `run_logs_at` ON `run_logs` (`at`);--> statement-breakpoint
CREATE INDEX `run_logs_fn_at` ON `run_logs` (`function_name`,`at`);--> statement-breakpoint
CREATE INDEX `run_logs_level_at` ON `run_logs` (`level`,`at`);