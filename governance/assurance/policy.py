"""Who may see and do what in assurance: risks, rounds, returns and the SIRO's report."""

from __future__ import annotations

from governance.assurance.models import AssuranceReturn, AssuranceRound, InformationRisk
from governance.core.models import User
from governance.core.policy import has_oversight, is_member, is_siro, oversees_area
from governance.core.selectors import oversees_any_area
from governance.register.assets import can_edit as can_edit_asset
from governance.register.models import InformationAsset


def can_manage_risks(user: User, asset: InformationAsset) -> bool:
    """The asset's IAM, its area's Deputy SIRO and administrators record and update its risks."""
    return user.is_authenticated and can_edit_asset(user, asset)


def can_edit_risk(user: User, risk: InformationRisk) -> bool:
    return can_manage_risks(user, risk.asset)


def can_see_risks(user: User, asset: InformationAsset) -> bool:
    return user.is_authenticated and (can_edit_asset(user, asset) or has_oversight(user))


def can_open_round(user: User) -> bool:
    """Only the SIRO opens an assurance round."""
    return user.is_authenticated and user.is_active and is_siro(user)


def can_view_rounds(user: User) -> bool:
    """The SIRO and auditors see every round; Deputy SIROs see the rounds for their areas' returns."""
    return user.is_authenticated and (has_oversight(user) or oversees_any_area(user))


def can_view_round(user: User, round_: AssuranceRound) -> bool:
    return can_view_rounds(user)


def can_view_report(user: User, round_: AssuranceRound) -> bool:
    """The SIRO's report: organisation-wide oversight only."""
    return user.is_authenticated and has_oversight(user)


def can_view_return(user: User, ret: AssuranceReturn) -> bool:
    """The IAM who owns it, the Deputy SIRO of its area, and organisation-wide oversight
    (``selectors.visible_returns`` is the same rule as a list)."""
    if not is_member(user):
        return False
    return ret.iam_id == user.pk or oversees_area(user, ret.business_area) or has_oversight(user)


def can_answer_return(user: User, ret: AssuranceReturn) -> bool:
    """Only the IAM, only while the return is unsigned and its round open."""
    return (
        user.is_authenticated
        and ret.iam_id == user.pk
        and ret.state == AssuranceReturn.State.DRAFT
        and ret.round.state == AssuranceRound.State.OPEN
    )


def can_correct_return(user: User, ret: AssuranceReturn) -> bool:
    """The IAM starts a correction of a signed or sent-back return while the round is open."""
    return (
        user.is_authenticated
        and ret.iam_id == user.pk
        and ret.state in (AssuranceReturn.State.SIGNED, AssuranceReturn.State.SENT_BACK)
        and ret.round.state == AssuranceRound.State.OPEN
    )


def can_decide_return(user: User, ret: AssuranceReturn) -> bool:
    """The Deputy SIRO of the return's area accepts or sends back a signed return; never their own."""
    return (
        user.is_authenticated
        and ret.state == AssuranceReturn.State.SIGNED
        and ret.iam_id != user.pk
        and oversees_area(user, ret.business_area)
    )


def can_view_my_returns(user: User) -> bool:
    return user.is_authenticated


def can_view_policy(user: User) -> bool:
    """All staff see the policy's statements and the controls that enforce them."""
    return user.is_authenticated


def can_view_policy_evidence(user: User) -> bool:
    """Auditors, the SIRO and administrators also see the live figures and the links to the evidence."""
    return user.is_authenticated and has_oversight(user)
