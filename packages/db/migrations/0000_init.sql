CREATE TABLE `auth_account` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`user_id` text NOT NULL,
	`access_token` text,
	`refresh_token` text,
	`id_token` text,
	`access_token_expires_at` integer,
	`refresh_token_expires_at` integer,
	`scope` text,
	`password` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `auth_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `auth_account_user_idx` ON `auth_account` (`user_id`);--> statement-breakpoint
CREATE TABLE `auth_session` (
	`id` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL,
	`token` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ip_address` text,
	`user_agent` text,
	`user_id` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `auth_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `auth_session_token_unique` ON `auth_session` (`token`);--> statement-breakpoint
CREATE INDEX `auth_session_user_idx` ON `auth_session` (`user_id`);--> statement-breakpoint
CREATE TABLE `auth_user` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`email_verified` integer DEFAULT false NOT NULL,
	`image` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `auth_user_email_unique` ON `auth_user` (`email`);--> statement-breakpoint
CREATE TABLE `auth_verification` (
	`id` text PRIMARY KEY NOT NULL,
	`identifier` text NOT NULL,
	`value` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `facility` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`name` text NOT NULL,
	`time_zone` text NOT NULL,
	`country_code` text NOT NULL,
	`nightly_hour` integer DEFAULT 3 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisation`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `facility_organisation_idx` ON `facility` (`organisation_id`);--> statement-breakpoint
CREATE TABLE `facility_grant` (
	`user_id` text NOT NULL,
	`facility_id` text NOT NULL,
	PRIMARY KEY(`user_id`, `facility_id`),
	FOREIGN KEY (`user_id`) REFERENCES `auth_user`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `facility_grant_facility_idx` ON `facility_grant` (`facility_id`);--> statement-breakpoint
CREATE TABLE `organisation` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `organisation_member` (
	`user_id` text NOT NULL,
	`organisation_id` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`user_id`, `organisation_id`),
	FOREIGN KEY (`user_id`) REFERENCES `auth_user`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisation`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `cctv_source` (
	`facility_id` text PRIMARY KEY NOT NULL,
	`base_url` text NOT NULL,
	`api_key` text NOT NULL,
	`webhook_secret` text NOT NULL,
	`previous_webhook_secret` text,
	`previous_secret_valid_until` integer,
	`last_webhook_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `facility_integration` (
	`facility_id` text NOT NULL,
	`integration_id` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	PRIMARY KEY(`facility_id`, `integration_id`),
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`integration_id`) REFERENCES `integration`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `integration` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`name` text NOT NULL,
	`base_url` text NOT NULL,
	`api_key` text NOT NULL,
	`webhook_secret` text NOT NULL,
	`previous_webhook_secret` text,
	`previous_secret_valid_until` integer,
	`last_webhook_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisation`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `integration_organisation_idx` ON `integration` (`organisation_id`);--> statement-breakpoint
CREATE TABLE `integration_location` (
	`integration_id` text NOT NULL,
	`location_id` text NOT NULL,
	`facility_id` text NOT NULL,
	PRIMARY KEY(`integration_id`, `location_id`),
	FOREIGN KEY (`integration_id`) REFERENCES `integration`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `sync_settings` (
	`facility_id` text PRIMARY KEY NOT NULL,
	`integrations_enabled` integer DEFAULT false NOT NULL,
	`cctv_enabled` integer DEFAULT false NOT NULL,
	`require_identifier` text DEFAULT 'email_or_phone' NOT NULL,
	`auto_send_invitations` integer DEFAULT false NOT NULL,
	`mass_disable_percent` integer DEFAULT 10 NOT NULL,
	`mass_disable_minimum` integer DEFAULT 5 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `access_grant` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `access_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `access_grant_user_idx` ON `access_grant` (`user_id`);--> statement-breakpoint
CREATE TABLE `access_user` (
	`id` text PRIMARY KEY NOT NULL,
	`facility_id` text NOT NULL,
	`source` text NOT NULL,
	`integration_id` text,
	`integration_key` text GENERATED ALWAYS AS (coalesce(integration_id, '')) VIRTUAL NOT NULL,
	`external_id` text,
	`first_name` text DEFAULT '' NOT NULL,
	`last_name` text DEFAULT '' NOT NULL,
	`email` text,
	`mobile_phone` text,
	`person_type` text,
	`membership_status` text,
	`synced_tags` text DEFAULT '[]' NOT NULL,
	`last_synced_at` integer,
	`source_updated_at` integer,
	`removed_at_source_at` integer,
	`seen_pass_id` text,
	`access_enabled` integer DEFAULT true NOT NULL,
	`track_source_updates` integer DEFAULT true NOT NULL,
	`custom_tags` text DEFAULT '[]' NOT NULL,
	`notes` text DEFAULT '' NOT NULL,
	`app_message` text DEFAULT '' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`integration_id`) REFERENCES `integration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `access_user_source_key` ON `access_user` (`facility_id`,`source`,`integration_key`,`external_id`);--> statement-breakpoint
CREATE INDEX `access_user_facility_name_idx` ON `access_user` (`facility_id`,`last_name`,`first_name`);--> statement-breakpoint
CREATE INDEX `access_user_facility_email_idx` ON `access_user` (`facility_id`,`email`);--> statement-breakpoint
CREATE TABLE `sync_pass` (
	`id` text PRIMARY KEY NOT NULL,
	`facility_id` text NOT NULL,
	`source` text NOT NULL,
	`trigger` text NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`nightly_date` text,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`added` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`disabled` integer DEFAULT 0 NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`pages_done` integer DEFAULT 0 NOT NULL,
	`records_done` integer DEFAULT 0 NOT NULL,
	`progress` text,
	`held_count` integer,
	`held_sample` text,
	FOREIGN KEY (`facility_id`) REFERENCES `facility`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sync_pass_one_running` ON `sync_pass` (`facility_id`,`source`) WHERE "sync_pass"."state" = 'running';--> statement-breakpoint
CREATE UNIQUE INDEX `sync_pass_one_nightly` ON `sync_pass` (`facility_id`,`source`,`nightly_date`);--> statement-breakpoint
CREATE INDEX `sync_pass_facility_started_idx` ON `sync_pass` (`facility_id`,`source`,`started_at`);--> statement-breakpoint
CREATE TABLE `activity_entry` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`organisation_id` text NOT NULL,
	`facility_id` text,
	`source` text NOT NULL,
	`integration_id` text,
	`external_id` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`outcome` text NOT NULL,
	`reason` text,
	`changes` text,
	`pass_id` text,
	`webhook_id` text,
	`user_id` text
);
--> statement-breakpoint
CREATE INDEX `activity_facility_id_idx` ON `activity_entry` (`facility_id`,`id`);--> statement-breakpoint
CREATE INDEX `activity_integration_unmapped_idx` ON `activity_entry` (`integration_id`,`facility_id`,`id`);--> statement-breakpoint
CREATE INDEX `activity_user_idx` ON `activity_entry` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `activity_at_idx` ON `activity_entry` (`at`);--> statement-breakpoint
CREATE TABLE `webhook_inbox` (
	`sender` text NOT NULL,
	`webhook_id` text NOT NULL,
	`organisation_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`applied_at` integer,
	`error` text,
	PRIMARY KEY(`sender`, `webhook_id`)
);
--> statement-breakpoint
CREATE INDEX `webhook_inbox_state_idx` ON `webhook_inbox` (`state`,`received_at`);--> statement-breakpoint
CREATE TABLE `invitation` (
	`user_id` text PRIMARY KEY NOT NULL,
	`facility_id` text NOT NULL,
	`email` text NOT NULL,
	`state` text NOT NULL,
	`trigger` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error` text,
	`queued_at` integer NOT NULL,
	`sent_at` integer,
	`provider_message_id` text,
	FOREIGN KEY (`user_id`) REFERENCES `access_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `invitation_facility_state_idx` ON `invitation` (`facility_id`,`state`);--> statement-breakpoint
CREATE TABLE `access_log_entry` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`facility_id` text NOT NULL,
	`user_id` text,
	`person_name` text NOT NULL,
	`external_id` text,
	`door` text NOT NULL,
	`result` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `access_user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `access_log_facility_at_idx` ON `access_log_entry` (`facility_id`,`at`);--> statement-breakpoint
CREATE INDEX `access_log_user_idx` ON `access_log_entry` (`user_id`,`at`);--> statement-breakpoint
CREATE TABLE `audit_entry` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`organisation_id` text NOT NULL,
	`facility_id` text,
	`actor_user_id` text,
	`action` text NOT NULL,
	`detail` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_organisation_at_idx` ON `audit_entry` (`organisation_id`,`at`);