ALTER TABLE `sync_pass_page` ADD `met` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_pass_page` ADD `not_derived` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_pass_page` ADD `notes` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- ADR 0019 (amendment "a record names the people it met"): a record's people as one sorted list (`met`) with the indexes of those
-- whose entries are not derived, so the night after a first sync can name the first night's record. A
-- record written before keeps its order: its derived people first (their ids are first_entry_id + index),
-- then the rest; its notes move to `notes`. A record that named another takes that one's converted lists.
UPDATE `sync_pass_page` SET
	`met` = (SELECT json_group_array(v ORDER BY k) FROM (
		SELECT j.key AS k, CASE j.type WHEN 'array' THEN j.value->>0 ELSE j.value END AS v FROM json_each(`sync_pass_page`.`processed`) j
		UNION ALL SELECT json_array_length(`sync_pass_page`.`processed`) + j.key, j.value FROM json_each(`sync_pass_page`.`listed`) j)),
	`not_derived` = (SELECT json_group_array(json_array_length(`sync_pass_page`.`processed`) + j.key ORDER BY j.key)
		FROM json_each(`sync_pass_page`.`listed`) j),
	`notes` = (SELECT json_group_array(json_array(j.key, j.value->1) ORDER BY j.key)
		FROM json_each(`sync_pass_page`.`processed`) j WHERE j.type = 'array')
WHERE `same_as_pass` IS NULL;--> statement-breakpoint
UPDATE `sync_pass_page` SET `not_derived` = o.`not_derived`, `notes` = o.`notes`
FROM `sync_pass_page` o
WHERE `sync_pass_page`.`same_as_pass` IS NOT NULL AND o.`pass_id` = `sync_pass_page`.`same_as_pass`
	AND o.`integration_key` = `sync_pass_page`.`integration_key` AND o.`page_key` = `sync_pass_page`.`page_key`;--> statement-breakpoint
DROP VIEW `sync_pass_page_lists`;
