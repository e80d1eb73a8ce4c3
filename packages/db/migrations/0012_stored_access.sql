ALTER TABLE `access_user` ADD `access_until` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `access_user` ADD `invitation_state` text;--> statement-breakpoint
UPDATE access_user SET access_until = (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END);--> statement-breakpoint
UPDATE access_user SET invitation_state = (SELECT i.state FROM invitation AS i WHERE i.user_id = access_user.id);--> statement-breakpoint
CREATE INDEX `access_user_facility_synced_idx` ON `access_user` (`facility_id`,`last_synced_at`);--> statement-breakpoint
CREATE INDEX `access_user_facility_disabled_idx` ON `access_user` (`facility_id`) WHERE access_enabled = 0 OR removed_at_source_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `access_user_facility_tags_idx` ON `access_user` (`facility_id`,`synced_tags`,`custom_tags`);--> statement-breakpoint
CREATE INDEX `access_user_facility_access_idx` ON `access_user` (`facility_id`,`access_until`);--> statement-breakpoint
CREATE INDEX `access_user_facility_invitation_idx` ON `access_user` (`facility_id`,`invitation_state`);--> statement-breakpoint
CREATE INDEX `access_user_facility_source_idx` ON `access_user` (`facility_id`,`source`,`integration_id`);--> statement-breakpoint
CREATE TRIGGER access_user_access_until_insert AFTER INSERT ON access_user BEGIN
  UPDATE access_user SET access_until = (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END) WHERE rowid = NEW.rowid AND access_until IS NOT (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END);
END;--> statement-breakpoint
CREATE TRIGGER access_user_access_until_update AFTER UPDATE OF facility_id, access_enabled, removed_at_source_at, grace_until, paid_until, person_type, membership_status, synced_tags, custom_tags, access_until ON access_user
WHEN NEW.facility_id IS NOT OLD.facility_id OR NEW.access_enabled IS NOT OLD.access_enabled OR NEW.removed_at_source_at IS NOT OLD.removed_at_source_at OR NEW.grace_until IS NOT OLD.grace_until OR NEW.paid_until IS NOT OLD.paid_until OR NEW.person_type IS NOT OLD.person_type OR NEW.membership_status IS NOT OLD.membership_status OR NEW.synced_tags IS NOT OLD.synced_tags OR NEW.custom_tags IS NOT OLD.custom_tags OR NEW.access_until IS NOT OLD.access_until BEGIN
  UPDATE access_user SET access_until = (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END) WHERE rowid = NEW.rowid AND access_until IS NOT (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END);
END;--> statement-breakpoint
CREATE TRIGGER access_grant_access_until_insert AFTER INSERT ON access_grant BEGIN
  UPDATE access_user SET access_until = (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END) WHERE id = NEW.user_id AND access_until IS NOT (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END);
END;--> statement-breakpoint
CREATE TRIGGER access_grant_access_until_delete AFTER DELETE ON access_grant BEGIN
  UPDATE access_user SET access_until = (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END) WHERE id = OLD.user_id AND access_until IS NOT (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END);
END;--> statement-breakpoint
CREATE TRIGGER access_grant_access_until_update AFTER UPDATE OF user_id ON access_grant BEGIN
  UPDATE access_user SET access_until = (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END) WHERE id IN (OLD.user_id, NEW.user_id) AND access_until IS NOT (CASE WHEN access_user.access_enabled = 1 AND access_user.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) THEN 8640000000000000 ELSE 0 END,
    coalesce(access_user.grace_until, 0),
    CASE WHEN (NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = access_user.facility_id AND (CASE r.kind
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(r.tags) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(access_user.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(access_user.custom_tags)))
    ELSE (r.person_type IS NULL OR r.person_type = access_user.person_type)
      AND (json_array_length(r.statuses) = 0
        OR access_user.membership_status IN (SELECT value FROM json_each(r.statuses)))
  END))) THEN coalesce(access_user.paid_until, 8640000000000000) ELSE 0 END)
  ELSE 0 END);
END;--> statement-breakpoint
CREATE TRIGGER invitation_state_insert AFTER INSERT ON invitation BEGIN
  UPDATE access_user SET invitation_state = NEW.state WHERE id = NEW.user_id;
END;--> statement-breakpoint
CREATE TRIGGER invitation_state_update AFTER UPDATE OF state, user_id ON invitation BEGIN
  UPDATE access_user SET invitation_state = NULL WHERE id = OLD.user_id AND OLD.user_id IS NOT NEW.user_id;
  UPDATE access_user SET invitation_state = NEW.state WHERE id = NEW.user_id;
END;--> statement-breakpoint
CREATE TRIGGER invitation_state_delete AFTER DELETE ON invitation BEGIN
  UPDATE access_user SET invitation_state = NULL WHERE id = OLD.user_id;
END;
