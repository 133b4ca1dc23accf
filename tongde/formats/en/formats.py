"""Short dates in tables and lists: day, month name and year (27 Nov 2026), which no reader
can take for another day, where Django's English short format is 11/27/2026."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
