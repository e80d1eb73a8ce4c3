CREATE TABLE `invitation_batch` (
	`id` text PRIMARY KEY NOT NULL,
	`facility_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	`resend` integer DEFAULT false NOT NULL,
	`queued` integer NOT NULL,
	`skipped_no_email` integer DEFAULT 0 NOT NULL,
	`skipped_no_access` integer DEFAULT 0 NOT NULL,
	`skipped_already_invited` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `invitation_batch_facility_idx` ON `invitation_batch` (`facility_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `invitation` ADD `enqueued_at` integer;--> statement-breakpoint
ALTER TABLE `invitation` ADD `claimed_until` integer;--> statement-breakpoint
ALTER TABLE `invitation` ADD `generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invitation` ADD `batch_id` text;--> statement-breakpoint
CREATE INDEX `invitation_state_enqueued_idx` ON `invitation` (`state`,`enqueued_at`);--> statement-breakpoint
CREATE INDEX `invitation_batch_idx` ON `invitation` (`batch_id`);