"""Date formats for English (Django's FORMAT_MODULE_PATH).

A time shown without an explicit format (the admin's "Go-live:", "Expiry:", histories) reads
as a newsroom writes it, on the 24-hour clock and with its time zone: "9 Dec 2026 09:00 UTC".
"""

DATETIME_FORMAT = "j M Y H:i T"
