-- The language a person chose for the app, kept on the server so it follows them to every
-- browser they sign in from (issue 11, profile screen). NULL means no choice was saved:
-- the app follows the browser's own setting. Only the languages the app ships are allowed;
-- a new one needs a new migration that widens the check.
ALTER TABLE users ADD COLUMN language text;
ALTER TABLE users ADD CONSTRAINT users_language_known CHECK (language IS NULL OR language IN ('pt-BR', 'en'));
