CREATE TABLE `source_removal` (
	`facility_id` text NOT NULL,
	`source` text NOT NULL,
	`integration_key` text NOT NULL,
	`external_id` text NOT NULL,
	`source_updated_at` integer NOT NULL,
	`recorded_at` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`facility_id`, `source`, `integration_key`, `external_id`),
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `source_removal_recorded_idx` ON `source_removal` (`recorded_at`);