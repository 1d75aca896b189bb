-- 0017: the security records join the audit chain. Accounts, role grants, person links,
-- passwords and second factors (as digests), API tokens and the security settings are events
-- now (core/secaudit.c); right after this file, in its transaction, the program writes one
-- "baseline" event per account, token and setting, from which `custos audit verify` replays them.
--
-- A person is linked to at most one account: otherwise a second account acts in their name
-- (accepts their risks, reports in their name). Where two accounts shared a person, the oldest
-- keeps the link; the baseline that follows records the result.
UPDATE users SET person_id = NULL
WHERE person_id IS NOT NULL
  AND id <> (SELECT min(u2.id) FROM users u2 WHERE u2.person_id = users.person_id);
CREATE UNIQUE INDEX users_person ON users(person_id);
