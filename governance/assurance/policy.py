"""Who may see and do what in assurance: risks, rounds, returns and the SIRO's report."""

from __future__ import annotations

import copy

from governance.assurance.models import AssuranceReturn, AssuranceRound, InformationRisk
from governance.core.models import User
from governance.core.policy import has_oversight, is_member, is_siro, oversees_area, stands_in
from governance.core.selectors import oversees_any_area
from governance.core.two_person import is_person, second_person, stand_ins
from governance.register.assets import can_edit as can_edit_asset
from governance.register.models import InformationAsset


def can_manage_risks(user: User, asset: InformationAsset) -> bool:
    """The asset's IAM, its area's Deputy SIRO and administrators record and update its risks."""
    return user.is_authenticated and can_edit_asset(user, asset)


def can_edit_risk(user: User, risk: InformationRisk) -> bool:
    return can_manage_risks(user, risk.asset)


def can_see_risks(user: User, asset: InformationAsset) -> bool:
    return user.is_authenticated and (can_edit_asset(user, asset) or has_oversight(user))


def can_view_risk_list(user: User) -> bool:
    """The list of risks across assets: organisation-wide oversight, and Deputy SIROs for their areas
    (``selectors.overseen_risks`` lists what each sees)."""
    return is_member(user) and (has_oversight(user) or oversees_any_area(user))


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


def can_sign_report(user: User, round_: AssuranceRound) -> bool:
    """Only the SIRO signs the SIRO's report (auditors and administrators read it, never sign it)."""
    return user.is_authenticated and user.is_active and is_siro(user)


def can_view_return(user: User, ret: AssuranceReturn) -> bool:
    """The IAM who owns it, the Deputy SIRO of its area, organisation-wide oversight, and the SIRO's
    alternate where the return's acceptance falls to them (``selectors.visible_returns`` is the same
    rule as a list)."""
    if not is_member(user):
        return False
    return (
        ret.iam_id == user.pk
        or oversees_area(user, ret.business_area)
        or has_oversight(user)
        or decides_as_stand_in(user, ret)
    )


def decides_as_stand_in(user: User, ret: AssuranceReturn) -> bool:
    """The SIRO or the SIRO's alternate, who accepts this return because its area's Deputy SIRO may not."""
    return stands_in(user) and is_person(user, stand_in_decider(ret))


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


def return_signers(ret: AssuranceReturn) -> set[int]:
    """Who took the first step of a return: the IAM it belongs to, and whoever signed it."""
    return {pk for pk in (ret.iam_id, ret.signed_by_id) if pk is not None}


def stand_in_decider(ret: AssuranceReturn) -> User | None:
    """Who accepts a return when its area's Deputy SIRO cannot (the post is empty, or the Deputy SIRO
    is the IAM who signed it): the SIRO, then the SIRO's named alternate."""
    area = ret.business_area
    deputy = area.deputy_siro if area is not None else None
    if deputy is not None and deputy.is_active and deputy.pk not in return_signers(ret):
        return None
    return second_person(stand_ins(), excluding=return_signers(ret))


def can_decide_return(user: User, ret: AssuranceReturn) -> bool:
    """The Deputy SIRO of the return's area accepts or sends back a signed return, a second person:
    never the IAM who signed it. The SIRO (then the SIRO's alternate) stands in where the Deputy
    SIRO is that IAM or the post is empty."""
    if not (user.is_authenticated and ret.state == AssuranceReturn.State.SIGNED):
        return False
    if user.pk in return_signers(ret):
        return False
    return oversees_area(user, ret.business_area) or is_person(user, stand_in_decider(ret))


def return_as_signed_by(ret: AssuranceReturn, user: User) -> AssuranceReturn:
    """The return as it is once ``user`` signed it (not saved)."""
    signed = copy.copy(ret)
    signed.state, signed.signed_by = AssuranceReturn.State.SIGNED, user
    return signed


def can_view_my_returns(user: User) -> bool:
    return user.is_authenticated


def can_view_policy(user: User) -> bool:
    """All staff see the policy's statements and the controls that enforce them."""
    return user.is_authenticated


def can_view_policy_evidence(user: User) -> bool:
    """Auditors, the SIRO and administrators also see the live figures and the links to the evidence."""
    return user.is_authenticated and has_oversight(user)
