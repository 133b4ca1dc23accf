"""Spreadsheet downloads of the registry's room, household and owner lists (``tongde.exports``).

Staff keep their own lists in spreadsheets. A download holds the rows the list's filters select,
all of them rather than one page, in the list's order, with headers in the page's language and
real dates and numbers. Only community staff download, and only their own communities' rows:
grid workers read the lists on screen but do not carry the community's personal data away.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from tongde import exports

from .models import Dwelling, Household, Owner
from .selectors import AnyUser, staff_community_ids

CHUNK = 2000


def can_export(user: AnyUser) -> bool:
    """Community staff (not grid workers, companies, committees or residents) and superusers."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or staff_community_ids(user, include_grid_workers=False))
    )


def exportable(qs: QuerySet, user: AnyUser, community_field: str) -> QuerySet:
    """``qs`` narrowed to the communities ``user`` is staff of (everything for a superuser)."""
    if user.is_superuser:
        return qs
    ids = staff_community_ids(user, include_grid_workers=False)
    return qs.filter(**{f"{community_field}__in": ids})


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _address_headers() -> list[str]:
    """The first columns of the room and household downloads: where the room is."""
    return [_("Community"), _("Compound"), _("Building"), _("Unit"), _("Dwelling")]


def _address(d: Dwelling) -> list:
    compound = d.unit.building.compound
    return [compound.community.name, compound.name, d.unit.building.code, d.unit.code, d.code]


def dwellings_response(rows: QuerySet[Dwelling]) -> HttpResponse:
    def line(d: Dwelling) -> list:
        owner = d.owner
        return [
            *_address(d),
            d.area_m2,
            _yes_no(d.is_developer_held),
            owner.owner_ref if owner else "",
            owner.name if owner else "",
            d.household_count,
            d.resident_count,
        ]

    sheet = exports.Sheet(
        _("Dwellings"),
        [
            *_address_headers(),
            _("Area (m²)"),
            _("Held by the developer"),
            _("Owner reference"),
            _("Owner"),
            _("Households"),
            _("Residents"),
        ],
        (line(d) for d in rows.iterator(chunk_size=CHUNK)),
        widths={0: 16, 1: 20, 8: 16},
        formats={5: "0.00"},
    )
    return exports.xlsx_response(exports.dated_filename(_("Dwellings")), [sheet])


def households_response(rows: QuerySet[Household]) -> HttpResponse:
    def line(h: Household) -> list:
        return [
            *_address(h.dwelling),
            h.head_name,
            h.residents,
            _yes_no(h.is_owner_occupied),
            h.moved_in_on,
            h.moved_out_on,
        ]

    sheet = exports.Sheet(
        _("Households"),
        [
            *_address_headers(),
            _("Head of household"),
            _("Residents"),
            _("Owner lives here"),
            _("Moved in"),
            _("Moved out"),
        ],
        (line(h) for h in rows.iterator(chunk_size=CHUNK)),
        widths={0: 16, 1: 20, 5: 14, 8: 12, 9: 12},
    )
    return exports.xlsx_response(exports.dated_filename(_("Households")), [sheet])


def owners_response(rows: QuerySet[Owner]) -> HttpResponse:
    def line(o: Owner) -> list:
        return [
            o.community.name,
            o.owner_ref,
            o.name,
            o.get_kind_display(),
            o.phone,
            o.dwelling_count,
        ]

    sheet = exports.Sheet(
        _("Owners"),
        [
            _("Community"),
            _("Reference"),
            _("Name"),
            _("Kind"),
            _("Phone"),
            _("Dwellings held"),
        ],
        (line(o) for o in rows.iterator(chunk_size=CHUNK)),
        widths={0: 16, 2: 16, 4: 16},
    )
    return exports.xlsx_response(exports.dated_filename(_("Owners")), [sheet])
