CREATE TABLE `source_poll_state` (
	`integration_id` text NOT NULL,
	`location_id` text NOT NULL,
	`watermark_ms` integer NOT NULL,
	`checked_at_ms` integer,
	`lease_until_ms` integer,
	`last_error` text,
	`window_since_ms` integer,
	`window_until_ms` integer,
	`cursor` text,
	PRIMARY KEY(`integration_id`, `location_id`),
	FOREIGN KEY (`integration_id`) REFERENCES `integration`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `source_poll_state_lease_idx` ON `source_poll_state` (`lease_until_ms`);