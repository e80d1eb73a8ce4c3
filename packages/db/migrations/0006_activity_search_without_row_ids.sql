-- Row ids leave the search index: one unique token per entry cost a third of the index's write time
-- on an unchanged pass. A search for a row id is answered through the row's external id instead
-- (queries/activity.ts). Entries indexed before keep their row id tokens; nothing reads them.
DROP TRIGGER `activity_search_insert`;
--> statement-breakpoint
CREATE TRIGGER `activity_search_insert` AFTER INSERT ON `activity_entry` BEGIN
	INSERT INTO `activity_search` (rowid, scope, body) VALUES (
		new.id,
		coalesce(new.facility_id, 'unmapped_' || new.integration_id),
		concat_ws(' ', new.name, new.external_id, new.reason, new.pass_id, new.webhook_id)
	);
END;
