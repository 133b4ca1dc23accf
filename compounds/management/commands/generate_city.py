"""``manage.py generate_city --communities N``: synthetic communities of Tongde's shape.

Thin: the generator lives in ``bench.city`` so the bench and later issues can reuse it.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from bench.city import community_slug, generate_city


class Command(BaseCommand):
    help = "Build N synthetic communities shaped like Tongde Lane (slugs city-0001, ...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communities", type=int, default=1, help="how many communities")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="multiplies every count (1.0: Tongde's figures)",
        )
        parser.add_argument("--start", type=int, default=1, help="number of the first community")

    def handle(self, *args, communities: int, seed: int, scale: float, start: int, **options):
        if communities < 1 or scale <= 0:
            self.stderr.write(_("--communities must be at least 1 and --scale above 0."))
            return
        for number in range(start, start + communities):
            began = time.perf_counter()
            [(slug, created)] = generate_city(communities=1, seed=seed, scale=scale, start=number)
            if created:
                self.stdout.write(
                    _("%(slug)s: created in %(seconds).1f s")
                    % {"slug": slug, "seconds": time.perf_counter() - began}
                )
            else:
                self.stdout.write(_("%(slug)s: exists, skipped") % {"slug": community_slug(number)})
