CREATE TABLE `access_rule` (
	`id` text PRIMARY KEY NOT NULL,
	`facility_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`person_type` text,
	`statuses` text DEFAULT '[]' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `access_rule_facility_idx` ON `access_rule` (`facility_id`,`position`);--> statement-breakpoint
CREATE TABLE `access_rule_set` (
	`facility_id` text PRIMARY KEY NOT NULL,
	`grace_days` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `door_api_key` (
	`facility_id` text PRIMARY KEY NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `access_user` ADD `paid_until` integer;--> statement-breakpoint
ALTER TABLE `access_user` ADD `rules_matched` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `access_user` ADD `grace_until` integer;--> statement-breakpoint
ALTER TABLE `access_user` ADD `grace_status` text;--> statement-breakpoint
CREATE INDEX `access_user_facility_phone_idx` ON `access_user` (`facility_id`,`mobile_phone`);--> statement-breakpoint
CREATE INDEX `access_user_grace_until_idx` ON `access_user` (`grace_until`) WHERE grace_until IS NOT NULL;