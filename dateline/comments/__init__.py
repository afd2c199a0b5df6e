"""Reader comments and their moderation: posting, threads, the moderation desk, bans,
reply notifications, erasure and imports. Imports dateline.core and dateline.newsroom only."""
