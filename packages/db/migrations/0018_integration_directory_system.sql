ALTER TABLE `integration_directory` ADD `system` text;--> statement-breakpoint
-- Integrations kept in this same database tell their system; the others stay unknown (woken every minute).
UPDATE `integration_directory` SET `system` = (SELECT `system` FROM `integration` WHERE `integration`.`id` = `integration_directory`.`integration_id`);
