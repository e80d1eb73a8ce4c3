DROP INDEX `activity_facility_id_idx`;--> statement-breakpoint
DROP INDEX `activity_integration_unmapped_idx`;--> statement-breakpoint
DROP INDEX `activity_at_idx`;--> statement-breakpoint
CREATE INDEX `activity_facility_outcome_idx` ON `activity_entry` (`facility_id`,`outcome`,`id`);--> statement-breakpoint
CREATE INDEX `activity_unmapped_idx` ON `activity_entry` (`integration_id`,`id`) WHERE "activity_entry"."facility_id" IS NULL;