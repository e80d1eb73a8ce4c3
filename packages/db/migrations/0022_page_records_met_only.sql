ALTER TABLE `sync_pass_page` DROP COLUMN `processed`;--> statement-breakpoint
ALTER TABLE `sync_pass_page` DROP COLUMN `listed`;--> statement-breakpoint
-- ADR 0019 (amendment "a record names the people it met"): a record's `repeated` list keeps each anchor
-- id as its difference from the one before (the first as itself): a page's anchors were written together,
-- so most differences are 1. Records already stored are converted; the view gives readers the ids.
UPDATE `sync_pass_page` SET `repeated` = (SELECT json_group_array(d ORDER BY k) FROM (
	SELECT j.key AS k, j.value - coalesce(lag(j.value) OVER (ORDER BY j.key), 0) AS d FROM json_each(`sync_pass_page`.`repeated`) j))
WHERE `repeated_count` > 0;--> statement-breakpoint
-- A page record's people, read through the record it repeats (same_as_pass) when it stores none; its
-- derived Processed entries (`processed`: the external id, or [external id, note], in the order of their
-- ids); and its repeated Skipped entries' anchors (`repeated`: the ids, from their differences). Every
-- reader of them (the sweep, the derived activity entries) goes through this view; a person's own entries
-- are read from their place in `met` and `notes` (derived-activity.ts).
CREATE VIEW `sync_pass_page_lists` AS
SELECT p.rowid AS page_rowid, p.pass_id, p.integration_key, p.page_key, p.at, p.organisation_id, p.facility_id,
	p.source, p.first_entry_id, p.processed_count, p.repeated_count, p.not_derived, p.notes,
	iif(p.repeated_count = 0, '[]', (
		SELECT json_group_array(r.id ORDER BY r.k) FROM (
			SELECT d.key AS k, sum(d.value) OVER (ORDER BY d.key) AS id FROM json_each(p.repeated) d) r)) AS repeated,
	iif(p.same_as_pass IS NULL, p.met, o.met) AS met,
	iif(p.processed_count = 0, '[]', (
		SELECT json_group_array(iif(n.value IS NULL, m.value, json_array(m.value, n.value->1)) ORDER BY m.key)
		FROM json_each(iif(p.same_as_pass IS NULL, p.met, o.met)) m LEFT JOIN json_each(p.notes) n ON n.value->>0 = m.key
		WHERE m.key NOT IN (SELECT value FROM json_each(p.not_derived)))) AS processed
FROM `sync_pass_page` p LEFT JOIN `sync_pass_page` o
	ON o.pass_id = p.same_as_pass AND o.integration_key = p.integration_key AND o.page_key = p.page_key;
