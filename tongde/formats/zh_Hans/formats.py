"""Short dates in tables and lists: the numeric form of GB/T 7408 that Chinese offices write
(2026-11-27), where Django's own Chinese short format spells 2026年11月27日."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
