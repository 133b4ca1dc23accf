from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tongde import rollups
from tongde.periods import PeriodKind, parse_period


class Command(BaseCommand):
    help = "Fill rollups up to the last complete period, or recompute one period (--period)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", required=True, choices=[k.value for k in PeriodKind])
        parser.add_argument(
            "--period", help="One period to recompute: 2026-W48, 2026-10, 2026-Q4 or 2026."
        )

    def handle(self, *args, kind: str, period: str | None, **options) -> None:
        if period:
            try:
                target = parse_period(kind, period)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            result = rollups.backfill(target)
            for name, rows in sorted(result.items()):
                self.stdout.write(f"{target.label} {name}: {rows} rows")
            return
        result = rollups.run_all(kind)
        for name, filled in sorted(result.items()):
            self.stdout.write(f"{name}: {filled} {kind} periods filled")
