"""The newsroom: sections, articles, authors, topics, sources, corrections; reader views,
feeds, sitemaps, search. Imports dateline.core only, never comments, newsletter or demo."""
