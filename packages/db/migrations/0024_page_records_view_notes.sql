-- The view gives each record's `notes` too: a person's derived entry is read from their place in `met`
-- and their note, without building the record's whole `processed` list (derived-activity.ts).
DROP VIEW `sync_pass_page_lists`;--> statement-breakpoint
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
