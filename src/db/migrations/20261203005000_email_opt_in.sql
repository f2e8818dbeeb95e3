-- E-mail notifications are opt-in: addresses are not verified, so an e-mail goes only where its
-- owner asked for it in the app (a stranger's address registered here receives nothing).
ALTER TABLE notification_preferences ALTER COLUMN email SET DEFAULT false;
