-- 0004: an API token may carry a subset of its owner's permissions ("assets:read,*:read");
-- NULL means everything the owner may do.
ALTER TABLE api_tokens ADD COLUMN permissions TEXT;
