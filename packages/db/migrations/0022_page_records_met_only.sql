ALTER TABLE `sync_pass_page` DROP COLUMN `processed`;--> statement-breakpoint
ALTER TABLE `sync_pass_page` DROP COLUMN `listed`;--> statement-breakpoint
-- A page record's people, read through the record it repeats (same_as_pass) when it stores none, and its
-- derived Processed entries (`processed`: the external id, or [external id, note], in the order of their
-- ids): every reader of them (the sweep, the derived activity entries) goes through this view.
CREATE VIEW `sync_pass_page_lists` AS
SELECT p.rowid AS page_rowid, p.pass_id, p.integration_key, p.page_key, p.at, p.organisation_id, p.facility_id,
	p.source, p.first_entry_id, p.processed_count, p.repeated_count, p.repeated, p.not_derived,
	iif(p.same_as_pass IS NULL, p.met, o.met) AS met,
	iif(p.processed_count = 0, '[]', (
		SELECT json_group_array(iif(n.value IS NULL, m.value, json_array(m.value, n.value->1)) ORDER BY m.key)
		FROM json_each(iif(p.same_as_pass IS NULL, p.met, o.met)) m LEFT JOIN json_each(p.notes) n ON n.value->>0 = m.key
		WHERE m.key NOT IN (SELECT value FROM json_each(p.not_derived)))) AS processed
FROM `sync_pass_page` p LEFT JOIN `sync_pass_page` o
	ON o.pass_id = p.same_as_pass AND o.integration_key = p.integration_key AND o.page_key = p.page_key;
