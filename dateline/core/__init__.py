"""Site-wide pieces: the page cache, site settings, transactional email and its queue, rate
limits, sign-in, task workers, health. Imports no other Dateline app (import-linter)."""
