CREATE TABLE `sync_pass_page` (
	`pass_id` text NOT NULL,
	`integration_key` text NOT NULL,
	`page_key` text NOT NULL,
	`at` integer NOT NULL,
	`organisation_id` text NOT NULL,
	`facility_id` text NOT NULL,
	`source` text NOT NULL,
	`processed` text DEFAULT '[]' NOT NULL,
	`listed` text DEFAULT '[]' NOT NULL,
	`first_entry_id` integer NOT NULL,
	`processed_count` integer NOT NULL,
	PRIMARY KEY(`pass_id`, `integration_key`, `page_key`),
	FOREIGN KEY (`pass_id`) REFERENCES `sync_pass`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sync_pass_page_facility_entry_idx` ON `sync_pass_page` (`facility_id`,`first_entry_id`);--> statement-breakpoint
CREATE INDEX `sync_pass_page_at_idx` ON `sync_pass_page` (`at`);--> statement-breakpoint
CREATE INDEX `activity_unmapped_person_idx` ON `activity_entry` (`integration_id`,`external_id`,`at`) WHERE "activity_entry"."facility_id" IS NULL;