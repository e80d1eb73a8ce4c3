ALTER TABLE `integration` ADD `system` text DEFAULT 'partner-api' NOT NULL;--> statement-breakpoint
ALTER TABLE `integration` ADD `credentials` text;--> statement-breakpoint
ALTER TABLE `integration` ADD `account_id` text;