"""English dates read day, month, year (27 Nov 2026 in tables, 27 November 2026 in prose) and
times on the 24-hour clock, as the Chinese pages do; Django's own English formats are the
American 11/27/2026 and Nov. 27, 2026, 5 p.m."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
