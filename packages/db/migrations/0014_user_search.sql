ALTER TABLE `access_user` ADD `has_grants` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `access_user_facility_grants_idx` ON `access_user` (`facility_id`,`has_grants`);--> statement-breakpoint
UPDATE access_user SET has_grants = 1 WHERE id IN (SELECT user_id FROM access_grant);--> statement-breakpoint
CREATE TRIGGER access_grant_flag_insert AFTER INSERT ON access_grant BEGIN
  UPDATE access_user SET has_grants = 1 WHERE id = NEW.user_id AND has_grants = 0;
END;--> statement-breakpoint
CREATE TRIGGER access_grant_flag_delete AFTER DELETE ON access_grant BEGIN
  UPDATE access_user SET has_grants = EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) WHERE id = OLD.user_id;
END;--> statement-breakpoint
CREATE TRIGGER access_grant_flag_update AFTER UPDATE OF user_id ON access_grant BEGIN
  UPDATE access_user SET has_grants = EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) WHERE id IN (OLD.user_id, NEW.user_id);
END;--> statement-breakpoint
CREATE VIRTUAL TABLE access_user_search USING fts5(first_name, last_name, email, external_id, mobile_phone, tokenize = 'trigram', content = '', contentless_delete = 1);--> statement-breakpoint
CREATE TRIGGER access_user_search_insert AFTER INSERT ON access_user BEGIN
  INSERT INTO access_user_search (rowid, first_name, last_name, email, external_id, mobile_phone) VALUES (NEW.rowid, coalesce(NEW.first_name, ''), coalesce(NEW.last_name, ''), coalesce(NEW.email, ''), coalesce(NEW.external_id, ''), coalesce(NEW.mobile_phone, ''));
END;--> statement-breakpoint
CREATE TRIGGER access_user_search_update AFTER UPDATE OF first_name, last_name, email, external_id, mobile_phone ON access_user WHEN NEW.first_name IS NOT OLD.first_name OR NEW.last_name IS NOT OLD.last_name OR NEW.email IS NOT OLD.email OR NEW.external_id IS NOT OLD.external_id OR NEW.mobile_phone IS NOT OLD.mobile_phone BEGIN
  DELETE FROM access_user_search WHERE rowid = OLD.rowid;
  INSERT INTO access_user_search (rowid, first_name, last_name, email, external_id, mobile_phone) VALUES (NEW.rowid, coalesce(NEW.first_name, ''), coalesce(NEW.last_name, ''), coalesce(NEW.email, ''), coalesce(NEW.external_id, ''), coalesce(NEW.mobile_phone, ''));
END;--> statement-breakpoint
CREATE TRIGGER access_user_search_delete AFTER DELETE ON access_user BEGIN
  DELETE FROM access_user_search WHERE rowid = OLD.rowid;
END;--> statement-breakpoint
INSERT INTO access_user_search (rowid, first_name, last_name, email, external_id, mobile_phone) SELECT rowid, coalesce(first_name, ''), coalesce(last_name, ''), coalesce(email, ''), coalesce(external_id, ''), coalesce(mobile_phone, '') FROM access_user;