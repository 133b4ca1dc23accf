"""Another tenant's ids, tried on every page and every form.

The promise: a company sees only its own compounds, a resident only their own home, a grid
worker their own grid, committee members their own committee and staff their own community.
For each demo role X this sweep makes X', the same role in another tenant (another company,
home, grid, committee, community), crawls both (``tests.crawl``), and has X' request every page
X reached whose exact path X' did not, and send every POST form of X's pages whose action X' did
not reach, with the form's untouched data. X' must be refused (403, 404, 405 or sent to sign in)
and nothing in the database may change. The public must not reach any page a role reached and
the public crawl did not.

Pages carry their query strings (``tests.crawl``). A list X' opens itself, asked with X's filter
or page (``?compound=3``, ``?page=2``), may answer, but only with what X' sees anyway: every page
it links to must be one X' opened or saw a link to in its own crawl.

A page X' may rightly open though no link of its own led there is allowed below, with why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client

from compounds import residents, services
from compounds.models import Compound, Dwelling, Grid, Membership, PropertyCompany
from tests import factories
from tests.crawl import SKIPPED, Page, crawl, demo_for_module, parse, shape

ROLES = ("staff", "grid", "company", "committee", "resident")

# (role or "*", address shape): pages the other tenant may open, and why. Shapes as in
# ``tests.crawl.shape`` (numbers blanked).
ALLOWED: dict[tuple[str, str], str] = {
    ("*", "/campaigns/regulations/N/"): "public library; opinions and files for the community's"
    " readers only (is_regulation_reader)",
    ("anonymous", "/campaigns/regulations/"): "the public library of regulations",
    ("anonymous", "/campaigns/meetings/counts/"): "public: meetings counted by period, no content",
    ("*", "/scorecards/public/tongde-lane/compound/N/"): "a compound's public scorecard (the"
    " public crawl misses it: /scorecards/public/ redirects)",
}

# Tables a refused request may write to without changing anything the product holds.
UNWATCHED_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog"}


@dataclass
class World:
    others: dict[str, str]  # demo username → the other tenant's username
    pages: dict[str | None, dict[str, Page]]  # username (None: the public) → its crawl


def _other_tenants() -> dict[str, str]:
    """One account per role in another tenant than the demo account's, made the way the
    product makes them."""
    staff = Membership.objects.get(user__username="staff", role=Membership.Role.STAFF).user
    # Staff of another community (a new, empty one).
    other_staff = factories.membership_user(
        Membership.Role.STAFF, community=factories.CommunityFactory(name="别的社区")
    )
    # The worker of 第二网格; the demo's "grid" runs 第一网格.
    community = Grid.objects.get(code="g3-1").community
    other_grid = factories.membership_user(Membership.Role.GRID_WORKER, community=community)
    services.grid_update(
        grid=Grid.objects.get(community=community, code="g3-2"),
        data={"worker": other_grid},
        user=staff,
    )
    # The company serving 金鑫小区 and 金水湾; the demo's "company" serves 康盛花园.
    jinxin = Compound.objects.get(code="jinxin")
    other_company = factories.membership_user(
        Membership.Role.COMPANY,
        company=PropertyCompany.objects.get(contracts__compound=jinxin, contracts__ends_on=None),
    )
    # 金鑫小区's committee; the demo's "committee" sits on 康盛花园's.
    other_committee = factories.membership_user(Membership.Role.COMMITTEE, compound=jinxin)
    # A resident verified in 金鑫小区; the demo's "resident" lives in 康盛花园.
    other_resident = factories.UserFactory(username="resident-other", first_name="钱多多")
    dwelling = Dwelling.objects.filter(unit__building__compound=jinxin).order_by("pk").first()
    residency = residents.claim(
        account=other_resident, dwelling=dwelling, relation="owner", phone="13909370000"
    )
    residents.verify(by=staff, residency=residency)
    users = {
        "staff": other_staff,
        "grid": other_grid,
        "company": other_company,
        "committee": other_committee,
        "resident": other_resident,
    }
    return {role: user.username for role, user in users.items()}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo and the other tenants, crawled once for the module; rolled back afterwards."""
    with demo_for_module(django_db_blocker):
        others = _other_tenants()
        pages = {u: crawl(u) for u in (None, *ROLES, *others.values())}
        yield World(others, pages)


@pytest.fixture(autouse=True)
def _photos(demo_media) -> None:
    """The crawl opens the demo's photos."""


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _refused(response, *, methods: tuple[int, ...] = (403, 404)) -> bool:
    if response.status_code in methods:
        return True
    if response.status_code in (301, 302, 303):
        return response.headers["Location"].startswith(resolve_url(settings.LOGIN_URL))
    return False


def _links(response, path: str) -> set[str]:
    """The pages (paths, without their query) a response links to."""
    if "text/html" not in response.headers.get("Content-Type", ""):
        return set()
    links, _ = parse(response.content.decode(), f"http://testserver{path}")
    return {link.partition("?")[0] for link in links}


def _seen(pages: dict[str, Page]) -> set[str]:
    """Every page (path, without its query) a crawl opened or saw a link to."""
    return {p.partition("?")[0] for page in pages.values() for p in (page.path, *page.links)}


def _allowed(role: str, path: str) -> bool:
    return (role, shape(path)) in ALLOWED or ("*", shape(path)) in ALLOWED


def _snapshot(tables: list[str] | None = None) -> dict[str, tuple]:
    """Rows per table and a checksum of them (PostgreSQL). On SQLite, row counts only: it has
    no string_agg over whole rows, and CI runs the sweep on PostgreSQL."""
    if tables is None:
        tables = sorted(set(connection.introspection.table_names()) - UNWATCHED_TABLES)
    if not tables:
        return {}
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        rows = "md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
    else:
        rows = "''"
    parts = [f"SELECT '{t}', count(*), {rows} FROM {qn(t)} x" for t in tables]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def _writes() -> dict[str, int] | None:
    """Rows written per table so far in this transaction (PostgreSQL's own statistics), so
    that only the tables a request wrote to are checksummed again; None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return dict(cursor.fetchall())


def _changed_by(send, baseline: dict[str, tuple]):
    """Send a request in a savepoint rolled back afterwards; return its response and the tables
    whose rows it changed, against ``baseline`` (the snapshot of the state before)."""
    with transaction.atomic():
        before = _writes()
        response = send()
        after = _writes()
        if after is None:
            tables = list(baseline)
        else:
            tables = [t for t in baseline if after.get(t, 0) != before.get(t, 0)]
        now = _snapshot(tables)
        transaction.set_rollback(True)
    return response, [t for t in tables if now[t] != baseline[t]]


@pytest.mark.parametrize("role", ROLES)
def test_another_tenant_opens_none_of_the_pages_it_was_not_led_to(world, db, role):
    # given: what the demo account reached and what the other tenant reached itself
    other = world.others[role]
    own = set(world.pages[other])
    client = _client(other)
    leaks = []
    tried = 0
    # when: the other tenant asks for each of the rest
    opened = {p.partition("?")[0] for p, page in world.pages[other].items() if page.status == 200}
    seen = _seen(world.pages[other])
    for path in sorted(set(world.pages[role]) - own):
        if world.pages[role][path].status != 200 or _allowed(role, path):
            continue
        tried += 1
        response = client.get(path)
        if _refused(response):
            continue
        # A list the tenant opens itself, filtered or paged with the demo account's values (its
        # compound, its month, page 2): answering is fine, showing more is not. What it shows
        # of the rest is read from its links: a row of another tenant links to its page.
        if path.partition("?")[0] in opened and response.status_code == 200:
            unseen = _links(response, path) - seen
            if not unseen:
                continue
            leaks.append(f"{response.status_code} {path} links to {sorted(unseen)[:5]}")
        else:
            leaks.append(f"{response.status_code} {path}")
    # then
    assert not leaks, f"{other} (another tenant than {role}) opened:\n" + "\n".join(leaks)
    # Grid workers read their whole community, and a resident's pages carry no id of the home:
    # the other grid worker and resident reach the very same paths. Elsewhere an empty sweep
    # would mean the crawl lost its way.
    assert tried or role in {"grid", "resident"}


def test_the_public_opens_no_page_of_a_role(world, db):
    # given: every page a signed-in role reached that the public crawl did not
    public = set(world.pages[None])
    private = {
        path
        for username, pages in world.pages.items()
        if username is not None
        for path, page in pages.items()
        if page.status == 200
    } - public
    client = Client()
    # when
    leaks = []
    for path in sorted(private):
        if _allowed("anonymous", path):
            continue
        response = client.get(path)
        if response.status_code == 200:
            leaks.append(path)
    # then
    assert not leaks, "the public opened:\n" + "\n".join(leaks)


@pytest.mark.parametrize("role", ROLES)
def test_another_tenant_changes_nothing_with_the_forms_it_was_not_given(world, db, role):
    # given: the POST forms on the demo account's pages whose action the other tenant did not reach
    other = world.others[role]
    own = {p.split("?")[0] for p in world.pages[other]}
    forms = {}
    for page in world.pages[role].values():
        for form in page.forms:
            path = form.action.split("?")[0]
            if form.method != "post" or path in own or _allowed(role, path):
                continue
            # Signing out or switching language is the client's own business (and signing out
            # would leave the rest of the sweep anonymous).
            if SKIPPED.search(path) or path.startswith("/i18n/"):
                continue
            data = form.data()
            data.pop("csrfmiddlewaretoken", None)
            forms.setdefault((form.action, repr(sorted(data.items()))), form)
    client = _client(other)
    baseline = _snapshot()
    leaks = []
    for form in forms.values():
        if "_auth_user_id" not in client.session:
            client = _client(other)  # a refused form that signed the tenant out proves nothing
        # when: the other tenant sends the form as it stands
        response, changed = _changed_by(
            lambda f=form, c=client: c.post(f.action, f.data()), baseline
        )
        # then
        if not _refused(response, methods=(403, 404, 405)) or changed:
            leaks.append(f"{response.status_code} POST {form.action} changed {changed}")
    assert not leaks, f"{other} (another tenant than {role}) was let in:\n" + "\n".join(leaks)


def test_the_snapshot_sees_a_write(world, db):
    # given
    baseline = _snapshot()
    community = Grid.objects.get(code="g3-1").community
    # when
    _, changed = _changed_by(
        lambda: community.grids.filter(code="g3-2").update(name="改"), baseline
    )
    # then
    assert changed == ["compounds_grid"]
