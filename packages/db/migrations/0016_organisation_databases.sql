CREATE TABLE `integration_directory` (
	`integration_id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisation`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `organisation` ADD `database_name` text;--> statement-breakpoint
CREATE UNIQUE INDEX `organisation_database_name_unique` ON `organisation` (`database_name`);--> statement-breakpoint
-- Integrations connected before the directory existed live in this (the catalog) database.
INSERT INTO `integration_directory` (`integration_id`, `organisation_id`) SELECT `id`, `organisation_id` FROM `integration`;
