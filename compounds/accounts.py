"""Accounts (账号): community staff give grid workers, company users and committee members their
logins, and take them back.

Staff manage what lies in their communities: a staff or grid-worker membership of the community,
a company membership of a company serving its compounds today and no other community's (a
company login works wherever the company serves), a committee membership of one of its
compounds. An account is theirs to manage when all its memberships lie there (an account that
also works elsewhere can get or lose a membership here, but gets a password link or is
deactivated only by someone who manages all of it); superusers manage everything but are
managed by no one here, nor are Django admin accounts. Nobody grants themselves a role, and a
company's user is never also staff or a grid worker.

Nobody types or reads another person's password: a new account has none, and staff hand over a
one-time link (valid ``PASSWORD_RESET_TIMEOUT``, spent once the password is set) with which its
owner chooses one. Memberships keep their history (who granted or ended what, when); each
account's creation, password link and (de)activation is an ``AccountEvent``; accounts are
deactivated, never deleted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from .models import (
    AccountEvent,
    AccountPreference,
    Community,
    Compound,
    Membership,
    PropertyCompany,
    Residency,
    ServiceContract,
)
from .selectors import staff_community_ids

User = get_user_model()

USERNAME_TAKEN = _("This login name is taken: choose another.")
# Erased accounts are renamed "erased-<id>" (see ``retention``): nobody may take such a name.
RESERVED_USERNAME_PREFIX = "erased-"
USERNAME_RESERVED = _("Login names beginning with “erased-” are reserved: choose another.")
SCOPE_REQUIRED = {
    Membership.Role.STAFF: _("Choose the community."),
    Membership.Role.GRID_WORKER: _("Choose the community."),
    Membership.Role.COMPANY: _("Choose the property company."),
    Membership.Role.COMMITTEE: _("Choose the compound."),
}
OUT_OF_SCOPE = _("You manage accounts of your own communities only.")
ALREADY_MEMBER = _("This account already has this role here.")
NOT_YOURS = _("This account also works outside your communities: ask an administrator.")
NOT_YOURSELF = _("You cannot deactivate your own account.")
NOT_YOURSELF_END = _("You cannot end your own role: ask a colleague.")
NOT_YOURSELF_GRANT = _("You cannot grant roles to your own account: ask a colleague.")
CONFLICTING_ROLES = _(
    "A property company's user cannot also be community staff or a grid worker: the community "
    "checks the company's work."
)


def managed_community_ids(user: Any) -> set[int] | None:
    """The communities whose accounts ``user`` manages; ``None`` means every one (superuser)."""
    if user.is_superuser:
        return None
    return staff_community_ids(user, include_grid_workers=False)


def in_communities_q(community_ids: set[int] | None, prefix: str = "") -> Q:
    """Memberships lying in ``community_ids`` (see the module docstring); every one for
    ``None``."""
    if community_ids is None:
        return Q()
    return (
        Q(**{f"{prefix}community_id__in": community_ids})
        | Q(**{f"{prefix}compound__community_id__in": community_ids})
        | Q(**{f"{prefix}company_id__in": own_companies(community_ids)})
    )


def own_companies(community_ids: set[int]) -> QuerySet:
    """Ids of the companies that serve compounds of ``community_ids`` today and none elsewhere: a
    company login works for every compound the company serves, so a company that also serves
    another community's compounds is an administrator's to manage."""
    current = ServiceContract.objects.current()
    elsewhere = current.exclude(compound__community_id__in=community_ids)
    return (
        current.filter(compound__community_id__in=community_ids)
        .exclude(company_id__in=elsewhere.values("company_id"))
        .values("company_id")
    )


def account_list(*, user: Any, role: str = "") -> QuerySet:
    """Accounts with a membership in the communities ``user`` manages (with ``role`` there, if
    given), each with those memberships prefetched (``scoped``) and ``works_elsewhere``
    annotated. A fixed number of queries."""
    ids = managed_community_ids(user)
    mine = Membership.objects.filter(in_communities_q(ids)).select_related(
        "community", "company", "compound"
    )
    elsewhere = Membership.objects.filter(user=OuterRef("pk")).exclude(in_communities_q(ids))
    wanted = mine.filter(role=role) if role else mine
    return (
        # Superusers and Django admin accounts are an administrator's.
        User.objects.filter(
            Exists(wanted.filter(user=OuterRef("pk"))), is_superuser=False, is_staff=False
        )
        .annotate(works_elsewhere=Exists(elsewhere))
        .prefetch_related(
            Prefetch("memberships", queryset=mine.order_by("role", "pk"), to_attr="scoped")
        )
        .order_by("-is_active", "username")
    )


def scope_choices(user: Any) -> dict[str, QuerySet]:
    """What ``user`` may grant: communities, companies serving their compounds, compounds."""
    ids = managed_community_ids(user)
    communities = Community.objects.order_by("name")
    # Forms list them by community, then in natural order (``choices.CompoundChoiceField``).
    compounds = (
        Compound.objects.filter(is_archived=False)
        .select_related("community")
        .order_by("community__name", "name", "pk")
    )
    companies = PropertyCompany.objects.order_by("name")
    if ids is not None:
        communities = communities.filter(pk__in=ids)
        compounds = compounds.filter(community_id__in=ids)
        companies = companies.filter(pk__in=own_companies(ids))
    return {"community": communities, "company": companies, "compound": compounds}


def _scope(role: str, scope: dict[str, Any]) -> dict[str, Any]:
    """The one scope field a role takes, checked: ``{"community": c}`` and so on."""
    field = {
        Membership.Role.STAFF: "community",
        Membership.Role.GRID_WORKER: "community",
        Membership.Role.COMPANY: "company",
        Membership.Role.COMMITTEE: "compound",
    }[role]
    if not scope.get(field):
        raise ValidationError({field: SCOPE_REQUIRED[role]})
    return {field: scope[field]}


def _check_grant(by: Any, role: str, scope: dict[str, Any]) -> dict[str, Any]:
    chosen = _scope(role, scope)
    ((field, value),) = chosen.items()
    if not scope_choices(by)[field].filter(pk=value.pk).exists():
        raise ValidationError({field: OUT_OF_SCOPE})
    return chosen


def check_login_name_free(username: str) -> str:
    """The login name as it will be saved, refused when another account holds it, whatever its
    case, or when it is reserved. Django stores names in NFKC form, so "ｅｒａｓｅｄ-3" is checked
    as the "erased-3" it would become."""
    username = User.normalize_username(username.strip())
    if username.lower().startswith(RESERVED_USERNAME_PREFIX):
        raise ValidationError(USERNAME_RESERVED, code="reserved")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(USERNAME_TAKEN, code="taken")
    return username


def new_account(username: str, full_name: str, email: str = "") -> Any:
    """An account checked but not saved yet, with no password (its owner sets one through a
    one-time link, or the caller sets it): the login name free whatever its case."""
    try:
        username = check_login_name_free(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    account = User(username=username, first_name=full_name.strip(), email=email.strip())
    account.set_unusable_password()
    account.full_clean(exclude=["password"])
    return account


def save_new_account(account: Any) -> None:
    """Save an account from ``new_account``. The same name sent twice at once (a double tap)
    passes the check in both requests; the database's unique index decides, and the loser is
    told the name is taken instead of a server error."""
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise ValidationError({"username": [USERNAME_TAKEN]}) from exc


@transaction.atomic
def account_create(
    *, by: Any, username: str, full_name: str, email: str, role: str, **scope: Any
) -> Any:
    """A new account with one membership and no password yet (see ``password_link``)."""
    account = new_account(username, full_name, email)
    chosen = _check_grant(by, role, scope)
    save_new_account(account)
    Membership.objects.create(user=account, role=role, **chosen)
    AccountEvent.objects.create(account=account, kind=AccountEvent.Kind.CREATED, by=by)
    return account


COMMUNITY_ROLES = (Membership.Role.STAFF, Membership.Role.GRID_WORKER)


@transaction.atomic
def membership_grant(*, by: Any, account: Any, role: str, **scope: Any) -> Membership:
    if account.pk == by.pk:
        raise ValidationError(NOT_YOURSELF_GRANT)
    chosen = _check_grant(by, role, scope)
    if Membership.objects.filter(user=account, role=role, **chosen).exists():
        raise ValidationError(ALREADY_MEMBER)
    # Who scores and verifies must not also answer as the company, nor the reverse.
    held = set(account.memberships.values_list("role", flat=True))
    if (role == Membership.Role.COMPANY and held & set(COMMUNITY_ROLES)) or (
        role in COMMUNITY_ROLES and Membership.Role.COMPANY in held
    ):
        raise ValidationError(CONFLICTING_ROLES)
    return Membership.objects.create(user=account, role=role, **chosen)


@transaction.atomic
def membership_end(*, by: Any, membership: Membership) -> bool:
    """End a membership in ``by``'s communities; its history keeps who ended it and when.
    True when the account, left with nothing, was deactivated with it."""
    if membership.user_id == by.pk:
        raise ValidationError(NOT_YOURSELF_END)
    ids = managed_community_ids(by)
    if not Membership.objects.filter(in_communities_q(ids), pk=membership.pk).exists():
        raise ValidationError(OUT_OF_SCOPE)
    membership.delete()
    return _deactivate_if_nothing_left(by, membership.user)


def _deactivate_if_nothing_left(by: Any, account: Any) -> bool:
    """An account left with no role and no verified home would still sign in, yet no staff
    member could reach it any more (the accounts pages list people by their roles): it stops
    with its last role, recorded as deactivated by ``by``. True when it did."""
    if not account.is_active or account.is_superuser or account.is_staff:
        return False
    if account.memberships.exists():
        return False
    if account.residencies.filter(status=Residency.Status.VERIFIED).exists():
        return False
    account.is_active = False
    account.save(update_fields=["is_active"])
    AccountEvent.objects.create(account=account, kind=AccountEvent.Kind.DEACTIVATED, by=by)
    return True


def manages_all_of(by: Any, account: Any) -> bool:
    """True when every membership of ``account`` lies in the communities ``by`` manages."""
    ids = managed_community_ids(by)
    return not account.memberships.exclude(in_communities_q(ids)).exists()


@transaction.atomic
def account_set_active(*, by: Any, account: Any, active: bool) -> Any:
    """Deactivate (the login stops working at once) or reactivate an account."""
    if account.pk == by.pk:
        raise ValidationError(NOT_YOURSELF)
    if not manages_all_of(by, account):
        raise ValidationError(NOT_YOURS)
    account.is_active = active
    account.save(update_fields=["is_active"])
    kind = AccountEvent.Kind.REACTIVATED if active else AccountEvent.Kind.DEACTIVATED
    AccountEvent.objects.create(account=account, kind=kind, by=by)
    return account


def password_link(request: HttpRequest, account: Any, *, by: Any) -> str:
    """The one-time address at which ``account`` sets its password (Django's reset token: it
    expires after ``PASSWORD_RESET_TIMEOUT`` and once the password changes). Only for someone
    who manages all of the account: the link signs in as its owner everywhere it works."""
    if not manages_all_of(by, account):
        raise ValidationError(NOT_YOURS)
    AccountEvent.objects.create(account=account, kind=AccountEvent.Kind.PASSWORD_LINK, by=by)
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(account.pk)),
            "token": default_token_generator.make_token(account),
        },
    )
    return request.build_absolute_uri(path)


# An account's own settings ----------------------------------------------------------------------

LANGUAGE_NOT_OFFERED = _("Choose one of the languages offered.")


def account_language_set(*, user: Any, language: str) -> None:
    """Record ``language`` as the one ``user`` reads mail in (and its links lead to).

    One query whether or not the account had a preference (an upsert on the one-to-one), so the
    middleware that follows a switch of the pages' language may call it within a page."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": LANGUAGE_NOT_OFFERED}, code="invalid")
    AccountPreference.objects.bulk_create(
        [AccountPreference(user=user, language=language)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["language"],
    )
    # A preference already read through ``user.preference`` would be stale now.
    user._state.fields_cache.pop("preference", None)
