from decimal import Decimal

import pytest
from django.utils import translation

from scorecards.templatetags.scorecards_tags import compliance_label, percent


@pytest.mark.parametrize(
    ("rate", "shown"),
    [(Decimal("0.925"), "92.5%"), (Decimal("1"), "100.0%"), (Decimal("0"), "0.0%"), (None, "—")],
)
def test_percent_keeps_the_decimal(rate, shown):
    assert percent(rate) == shown


@pytest.mark.parametrize(
    ("code", "english"),
    [("on_time", "on time"), ("late", "late"), ("missing", "missing"), ("", "—"), ("odd", "odd")],
)
def test_compliance_codes_show_their_labels(code, english):
    with translation.override("en"):
        assert compliance_label(code) == english
