-- How far materialisation has got for each rule: every occurrence of the rule's current
-- schedule on or before this day has been claimed (posted or failed) or was skipped. A
-- run starts after it, so its cost is the occurrences due since, not the rule's history.
-- NULL (every rule before this migration, and a rule whose schedule was just edited)
-- means "start from start_on or skip_until", as before.
ALTER TABLE recurring_rules ADD COLUMN materialised_through date;
