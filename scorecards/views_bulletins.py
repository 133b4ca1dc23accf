"""The quarterly bulletin (季通报): staff preview and publish it, correct it by a new edition;
everyone reads the published editions on the public pages (no login), and downloads them as
Excel. Who may see what:

- the bulletins index, a quarter's preview, publishing and correcting: staff who run the
  community's scoring (another community's id gives 404);
- the public pages: anyone, published editions only.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from compounds.models import Community
from compounds.permissions import role_required
from tongde import exports
from tongde.pages import form_page, post_data
from tongde.periods import Period

from . import bulletins, scoring
from .forms_bulletins import BulletinCorrectForm, BulletinPublishForm
from .models import Bulletin
from .views_public import public_community, serve_public

staff_required = role_required(scoring.is_scoring_staff)


def _quarter(label: str) -> Period:
    """The quarter of the address; 404 for a label that is none, or one whose neighbours (the
    pages link them) no calendar has."""
    try:
        quarter = bulletins.quarter_of(label)
    except ValueError as exc:
        raise Http404(label) from exc
    if not 1 < quarter.start.year < 9999:
        raise Http404(label)
    return quarter


def _community(request: HttpRequest, pk: int) -> Community:
    return get_object_or_404(scoring.scoring_community_list(user=request.user), pk=pk)


def _label(item: dict[str, Any]) -> str:
    zh = (get_language() or "").startswith("zh")
    return (item.get("name_zh") if zh else item.get("name")) or item.get("code", "")


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def present(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures as the reader reads them: each stored label in the reader's language
    (``label``), the months as they are said (``months_display``: "2026年7月、2026年8月"),
    the days of the elections as dates (``closed_on_date``), for the template's localised
    format. The stored snapshot keeps its codes and ISO forms."""
    shown = copy.deepcopy(figures)
    shown["months_display"] = bulletins.months_display(shown.get("months", []))
    for meeting in shown.get("meetings", []):
        meeting["label"] = _label(meeting)
    for election in shown.get("elections", []):
        election["kind_label"] = _label(election.get("kind", {}))
        election["stage_label"] = _label(election.get("stage", {}))
        election["closed_on_date"] = _day(election.get("closed_on"))
        # Editions published before the time was kept have the day only.
        closes_at = election.get("closes_at")
        election["closes_at_local"] = (
            timezone.localtime(dt.datetime.fromisoformat(closes_at)) if closes_at else None
        )
        election["closes_on_date"] = (
            election["closes_at_local"].date()
            if election["closes_at_local"]
            else election["closed_on_date"]
        )
        election["is_open_at_quarter_end"] = bool(election.get("is_open_at_quarter_end"))
    return shown


NAME_WIDTH = 28
POINTS = exports.POINTS_FORMAT
DAY = "yyyy-mm-dd"


def _summary_sheet(
    community: Community, quarter: Period, figures: dict[str, Any], bulletin: Bulletin | None
) -> exports.Sheet:
    """The first sheet: what this workbook is (title, quarter, edition, date), the commentary
    and the totals, so that a printed or forwarded file says what it holds."""
    totals = figures.get("totals", {})
    work = (_("Inspections"), _("Findings"), _("Closed"), _("Overdue"))
    reports = (_("Reports on time"), _("Reports late"), _("Reports not submitted"))
    title = _("Quarterly bulletin of %(name)s, %(quarter)s") % {
        "name": community.name,
        "quarter": quarter.display,
    }
    rows: list[list[Any]] = [
        [_("Title"), title],
        [_("Quarter"), quarter.display],
        [_("Months"), bulletins.months_display(figures.get("months", []))],
        [_("Edition"), bulletin.sequence if bulletin else _("Not published yet (preview)")],
        [_("Published at"), bulletin.published_at.replace(microsecond=0) if bulletin else None],
        [_("Commentary"), bulletin.summary if bulletin else ""],
    ]
    if bulletin is not None and bulletin.correction_note:
        rows.append([_("What changed and why"), bulletin.correction_note])
    rows += [
        [_("Red list months"), totals.get("red", 0)],
        [_("Black list months"), totals.get("black", 0)],
        [_("Neither list months"), totals.get("none", 0)],
        [_("Not ranked months"), totals.get("unranked", 0)],
        *([label, totals.get(what, 0)] for what, label in zip(bulletins.WORK, work, strict=True)),
        *(
            [label, totals.get(f"reports_{t}", 0)]
            for t, label in zip(bulletins.REPORT_TIMELINESS, reports, strict=True)
        ),
    ]
    return exports.Sheet(
        _("Bulletin"), [_("Item"), _("Value")], rows, widths={0: 24, 1: 80}, wrap=(1,)
    )


def _sheets(
    figures: dict[str, Any], community: Community, quarter: Period, bulletin: Bulletin | None
) -> list[exports.Sheet]:
    compounds = exports.Sheet(
        _("Compounds"),
        [
            _("Rank"),
            _("Compound"),
            _("Property company"),
            _("Quarter average"),
            _("Since last quarter"),
            _("Red list months"),
            _("Black list months"),
            _("Neither list months"),
            _("Not ranked months"),
            _("Inspections"),
            _("Findings"),
            _("Closed"),
            _("Overdue"),
            _("Reports on time"),
            _("Reports late"),
            _("Reports not submitted"),
        ],
        [
            [
                c["rank"],
                c["name"],
                c["company"],
                exports_decimal(c["average"]),
                exports_decimal(c["change"]),
                *(c["bands"].get(b, 0) for b in bulletins.BANDS),
                *(c[what] for what in bulletins.WORK),
                *(c["reports"].get(t, 0) for t in bulletins.REPORT_TIMELINESS),
            ]
            for c in figures.get("compounds", [])
        ],
        widths={1: NAME_WIDTH, 2: NAME_WIDTH, 3: 12, 4: 12},
        formats={3: POINTS, 4: POINTS},
    )
    companies = exports.Sheet(
        _("Property companies"),
        [
            _("Rank"),
            _("Property company"),
            _("Compounds"),
            _("Quarter average"),
            _("Red list months"),
            _("Black list months"),
            _("Neither list months"),
            _("Not ranked months"),
        ],
        [
            [
                c["rank"],
                c["name"],
                c["compounds"],
                exports_decimal(c["average"]),
                *(c["bands"].get(b, 0) for b in bulletins.BANDS),
            ]
            for c in figures.get("companies", [])
        ],
        widths={1: NAME_WIDTH, 3: 12},
        formats={3: POINTS},
    )
    return [
        _summary_sheet(community, quarter, figures, bulletin),
        compounds,
        companies,
        *_community_sheets(figures),
    ]


def _none_row(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows, or the page's "None this quarter." so that a printed sheet is not blank."""
    return rows or [[_("None this quarter.")]]


def _community_sheets(figures: dict[str, Any]) -> list[exports.Sheet]:
    """The community's quarter, one sheet per section of the page, in its order and with its
    headings: clean-ups, meetings by kind, residents' opinions, elections and votes closed.
    The clean-ups and the opinions are one row each, a column per figure, so that every cell
    of a column holds the same kind of number (tonnes with two decimals)."""
    campaigns = figures.get("campaigns", {})
    consultations = figures.get("consultations", {})
    shown = present(figures)
    return [
        exports.Sheet(
            _("Clean-ups"),
            [_("Operations"), _("Person-times"), _("Truckloads"), _("Tonnes")],
            [
                [
                    campaigns.get("operations", 0),
                    campaigns.get("person_times", 0),
                    campaigns.get("truckloads", 0),
                    Decimal(bulletins.tonnes(campaigns.get("tonnes"))),
                ]
            ],
            widths=dict.fromkeys(range(4), 12),
            formats={3: POINTS},
        ),
        exports.Sheet(
            _("Meetings"),
            [_("Kind"), _("Meetings held")],
            _none_row([[m["label"], m.get("count", 0)] for m in shown.get("meetings", [])]),
            widths={0: NAME_WIDTH, 1: 12},
        ),
        exports.Sheet(
            _("Residents' opinions"),
            [_("Received"), _("Answered by the quarter's end")],
            [[consultations.get("received", 0), consultations.get("answered", 0)]],
            widths={0: 12, 1: 24},
        ),
        # The day is a date cell (never a datetime at midnight); the time, where it is known,
        # beside it as the page says it; then whether voting had closed by the quarter's end.
        exports.Sheet(
            _("Elections"),
            [
                _("Voting closes on"),
                _("at"),
                _("At the quarter's end"),
                _("Committee"),
                _("Title"),
                _("Kind"),
                _("Stage"),
            ],
            _none_row(
                [
                    [
                        e["closes_on_date"],
                        f"{e['closes_at_local']:%H:%M}" if e["closes_at_local"] else "",
                        _("voting still open")
                        if e["is_open_at_quarter_end"]
                        else _("voting closed"),
                        e["committee"],
                        e["title"],
                        e["kind_label"],
                        e["stage_label"],
                    ]
                    for e in shown.get("elections", [])
                ]
            ),
            widths={0: 14, 1: 8, 2: 18, 3: NAME_WIDTH, 4: NAME_WIDTH, 5: 12, 6: 12},
            formats={0: DAY},
        ),
    ]


def exports_decimal(value: str | None) -> Any:
    """A stored figure ("92.50") as a number for Excel."""
    return None if value is None else Decimal(value)


def _xlsx(
    community: Community, quarter: Period, figures: dict[str, Any], bulletin: Bulletin | None
) -> HttpResponse:
    name = f"{community.name} {quarter.label} {_('Quarterly bulletin')}"
    return exports.xlsx_response(name, _sheets(figures, community, quarter, bulletin))


# --- staff ---------------------------------------------------------------------------------------


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    mine = scoring.scoring_communities(request.user)
    quarters = bulletins.staff_quarters(mine, timezone.localdate())
    communities = [{"community": c, "quarters": quarters[c.pk]} for c in mine]
    return render(request, "scorecards/bulletins/index.html", {"communities": communities})


@staff_required
def quarter(request: HttpRequest, community: int, quarter: str) -> HttpResponse:
    community_obj = _community(request, community)
    period = _quarter(quarter)
    bulletin = bulletins.quarter_bulletin(community_obj, period)
    if bulletin is not None:
        if exports.wants_xlsx(request):
            return _xlsx(community_obj, period, bulletin.figures, bulletin)
        return render(
            request,
            "scorecards/bulletins/quarter.html",
            {
                "community": community_obj,
                "quarter": period,
                "bulletin": bulletin,
                "figures": present(bulletin.figures),
                "editions": bulletins.editions(community_obj, period),
            },
        )
    figures = bulletins.bulletin_figures(community=community_obj, quarter=period)
    if exports.wants_xlsx(request):
        return _xlsx(community_obj, period, figures, None)
    form = BulletinPublishForm(post_data(request))

    def save(form) -> str:
        bulletins.bulletin_publish(
            community=community_obj,
            quarter=period,
            summary=form.cleaned_data["summary"],
            user=request.user,
        )
        return reverse("scorecards:bulletin_quarter", args=[community_obj.pk, period.label])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/bulletins/quarter.html",
        context={
            "community": community_obj,
            "quarter": period,
            "bulletin": None,
            "figures": present(figures),
            "missing": bulletins.missing_months(community_obj, period),
            "has_ended": timezone.localdate() >= period.end,
        },
        success=_("The bulletin is published."),
    )


@staff_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    ids = scoring.scoring_community_ids(request.user)
    editions = Bulletin.objects.select_related("community")
    if ids is not None:
        editions = editions.filter(community_id__in=ids)
    bulletin = get_object_or_404(editions, pk=pk)
    period = bulletins.quarter_of(bulletin.label)
    form = BulletinCorrectForm(post_data(request), initial={"summary": bulletin.summary})

    def save(form) -> str:
        bulletins.bulletin_correct(
            bulletin=bulletin,
            summary=form.cleaned_data["summary"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
        return reverse("scorecards:bulletin_quarter", args=[bulletin.community_id, period.label])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/bulletins/correct.html",
        context={"bulletin": bulletin, "quarter": period, "community": bulletin.community},
        success=_("The corrected edition is published."),
    )


# --- public --------------------------------------------------------------------------------------


@require_GET
def public_index(request: HttpRequest, slug: str) -> HttpResponse:
    def build():
        community = public_community(slug)
        return "scorecards/bulletins/public_index.html", {
            "community": community,
            "bulletins": list(bulletins.current_bulletins(community)),
        }

    return serve_public(request, slug, ("bulletins",), build)


def _public_edition(
    request: HttpRequest, slug: str, label: str, sequence: int | None
) -> HttpResponse:
    period = _quarter(label)

    def find(community: Community) -> Bulletin:
        if sequence is None:
            found = bulletins.quarter_bulletin(community, period)
        else:
            found = (
                Bulletin.objects.filter(
                    community=community, quarter=period.start, sequence=sequence
                )
                .select_related("correction_of")
                .first()
            )
        if found is None:
            raise Http404(label)
        return found

    if exports.wants_xlsx(request):
        community = public_community(slug)
        found = find(community)
        return _xlsx(community, period, found.figures, found)

    def build():
        community = public_community(slug)
        bulletin = find(community)
        return "scorecards/bulletins/public_detail.html", {
            "community": community,
            "quarter": period,
            "bulletin": bulletin,
            "figures": present(bulletin.figures),
            "editions": bulletins.editions(community, period),
        }

    edition = "current" if sequence is None else sequence
    return serve_public(request, slug, ("bulletin", period.label, edition), build)


@require_GET
def public_detail(request: HttpRequest, slug: str, quarter: str) -> HttpResponse:
    return _public_edition(request, slug, quarter, None)


@require_GET
def public_edition(request: HttpRequest, slug: str, quarter: str, sequence: str) -> HttpResponse:
    return _public_edition(request, slug, quarter, int(sequence))


QUARTER = r"(?P<quarter>[0-9]{4}-Q[1-4])"

urlpatterns = [
    path("bulletins/", index, name="bulletin_index"),
    path("bulletins/<int:community>/<str:quarter>/", quarter, name="bulletin_quarter"),
    path("bulletins/edition/<int:pk>/correct/", correct, name="bulletin_correct"),
    path("public/<slug:slug>/bulletins/", public_index, name="public_bulletins"),
    re_path(
        rf"^public/(?P<slug>[-a-zA-Z0-9_]+)/bulletins/{QUARTER}/$",
        public_detail,
        name="public_bulletin",
    ),
    re_path(
        rf"^public/(?P<slug>[-a-zA-Z0-9_]+)/bulletins/{QUARTER}/(?P<sequence>[0-9]+)/$",
        public_edition,
        name="public_bulletin_edition",
    ),
]
