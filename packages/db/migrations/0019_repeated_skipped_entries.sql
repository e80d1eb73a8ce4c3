ALTER TABLE `sync_pass_page` ADD `repeated` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_pass_page` ADD `repeated_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `activity_skipped_person_idx` ON `activity_entry` (`facility_id`,`external_id`,`id`) WHERE "activity_entry"."outcome" = 'skipped';