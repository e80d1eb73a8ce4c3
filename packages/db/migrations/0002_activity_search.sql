-- Sync activity search (name, external id, reason, pass/webhook/row ids) at millions of entries.
-- Contentless FTS5: the text lives in activity_entry; this holds only the index. `scope` is the
-- facility id, or `unmapped_<integration id>` for "No facility on the source record" entries, so a
-- search never leaves the facilities (and mirrored integrations) it is asked about.
-- tokenchars '_' keeps ids such as pas_3f9c… as one token.
CREATE VIRTUAL TABLE `activity_search` USING fts5(
	scope,
	body,
	content='',
	contentless_delete=1,
	tokenize="unicode61 tokenchars '_'"
);
--> statement-breakpoint
CREATE TRIGGER `activity_search_insert` AFTER INSERT ON `activity_entry` BEGIN
	INSERT INTO `activity_search` (rowid, scope, body) VALUES (
		new.id,
		coalesce(new.facility_id, 'unmapped_' || new.integration_id),
		concat_ws(' ', new.name, new.external_id, new.reason, new.pass_id, new.webhook_id, new.user_id)
	);
END;
--> statement-breakpoint
CREATE TRIGGER `activity_search_delete` AFTER DELETE ON `activity_entry` BEGIN
	DELETE FROM `activity_search` WHERE rowid = old.id;
END;
