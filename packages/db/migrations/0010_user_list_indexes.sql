DROP INDEX `invitation_facility_state_idx`;--> statement-breakpoint
CREATE INDEX `invitation_facility_state_idx` ON `invitation` (`facility_id`,`state`,`user_id`);--> statement-breakpoint
CREATE INDEX `access_user_facility_idx` ON `access_user` (`facility_id`);--> statement-breakpoint
CREATE INDEX `access_user_facility_created_idx` ON `access_user` (`facility_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `access_user_facility_updated_idx` ON `access_user` (`facility_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `access_user_facility_status_idx` ON `access_user` (`facility_id`,`membership_status`);--> statement-breakpoint
CREATE INDEX `access_user_facility_type_idx` ON `access_user` (`facility_id`,`person_type`);