ALTER TABLE `sync_pass_page` ADD `same_as_pass` text;--> statement-breakpoint
CREATE INDEX `sync_pass_page_original_idx` ON `sync_pass_page` (`facility_id`,`integration_key`,`page_key`,`at`) WHERE "sync_pass_page"."same_as_pass" IS NULL;--> statement-breakpoint
-- A page record's lists of people, read through the record it repeats (same_as_pass) when it stores none:
-- every reader of the lists (the sweep, the derived activity entries) goes through this view.
CREATE VIEW `sync_pass_page_lists` AS
SELECT p.rowid AS page_rowid, p.pass_id, p.integration_key, p.page_key, p.at, p.organisation_id, p.facility_id,
	p.source, p.first_entry_id, p.processed_count, p.repeated_count,
	iif(p.same_as_pass IS NULL, p.processed, o.processed) AS processed,
	iif(p.same_as_pass IS NULL, p.listed, o.listed) AS listed,
	p.repeated
FROM `sync_pass_page` p LEFT JOIN `sync_pass_page` o
	ON o.pass_id = p.same_as_pass AND o.integration_key = p.integration_key AND o.page_key = p.page_key;
