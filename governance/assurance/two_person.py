"""Every two-person rule of the portal, in one list: its two steps, who takes each, who stands in.

The policy traceability page lists them; ``tests/core/test_two_person_rules.py`` checks each,
for every person of the role world, that whoever takes (or would take) the first step on a
record is refused the second. Each rule's predicates live in its domain's ``policy.py``.
"""

from __future__ import annotations

from governance.access import policy as access
from governance.assurance import policy as assurance
from governance.contracts import policy as contracts
from governance.core.two_person import TwoPersonRule
from governance.outputs import policy as outputs
from governance.privacy import policy as privacy
from governance.releases import policy as releases

PROPERTY_TEST = "tests/core/test_two_person_rules.py::test_nobody_takes_both_steps_of_a_two_person_rule"

RULES: tuple[TwoPersonRule, ...] = (
    TwoPersonRule(
        key="access-high-risk",
        title="Access to identifiable or special category data",
        first_step="The asset's IAM decides the request (its area's Deputy SIRO when there is no active IAM "
        "or the IAM asked)",
        second_step="The area's Deputy SIRO approves it, never the requester or whoever took the IAM's decision",
        stand_in="The SIRO, then the SIRO's named alternate",
        may_first=access.can_decide_as_iam,
        as_done_first=access.request_as_decided_by,
        may_second=access.can_decide_as_deputy,
        test="tests/access/test_two_person_access.py::test_the_deputy_who_took_the_iam_step_cannot_approve_it_too",
    ),
    TwoPersonRule(
        key="assurance-return",
        title="An IAM's annual assurance return",
        first_step="The IAM signs the return",
        second_step="The Deputy SIRO of its area accepts or sends it back, never its signer",
        stand_in="The SIRO (then the SIRO's named alternate) when the Deputy SIRO is the IAM or the post is empty",
        may_first=assurance.can_answer_return,
        as_done_first=assurance.return_as_signed_by,
        may_second=assurance.can_decide_return,
        test="tests/assurance/test_two_person_returns.py::test_the_siro_accepts_the_return_of_an_iam_who_is_the_deputy",
    ),
    TwoPersonRule(
        key="release-sign-off",
        title="Disclosure control of a statistical release",
        first_step="The release's author uploads its tables; the author or a signer checks them",
        second_step="The Chief Statistician or a disclosure-control officer signs it off, never one who prepared, "
        "uploaded or checked its tables",
        stand_in="Another disclosure-control officer, or the Chief Statistician",
        may_first=releases.can_check,
        as_done_first=releases.release_as_checked_by,
        may_second=releases.can_sign_off,
        test="tests/releases/test_two_person_sign_off.py::test_a_signer_who_checked_a_table_cannot_sign_the_release_off",
    ),
    TwoPersonRule(
        key="contract-data-release",
        title="Data released to a contractor",
        first_step="The asset's IAM approves the data sent from it (its area's Deputy SIRO when the IAM manages "
        "the contract)",
        second_step="The contract's manager records the data's release, never one who approved it",
        stand_in="The SIRO, then the SIRO's named alternate, when the Deputy SIRO manages the contract",
        may_first=contracts.can_review,
        as_done_first=contracts.contract_asset_as_approved_by,
        may_second=contracts.can_release_data_of,
        test="tests/contracts/test_two_person_release.py::test_an_iam_who_manages_the_contract_does_not_approve_its_data",
    ),
    TwoPersonRule(
        key="recertification",
        title="Recertification of a grant",
        first_step="The holder holds the grant",
        second_step="The asset's IAM confirms or revokes it in the access review, never its holder",
        stand_in="The Deputy SIRO when the IAM holds it; then the SIRO, then the SIRO's named alternate",
        may_first=lambda user, review: user.pk == review.grant.holder_id,
        as_done_first=lambda review, user: review,
        may_second=access.can_review,
        test="tests/access/test_two_person_access.py::test_the_siro_recertifies_a_grant_held_by_the_iam_and_deputy",
    ),
    TwoPersonRule(
        key="output-clearance",
        title="A researcher's output leaving the secure setting",
        first_step="A researcher of the contract submits the output",
        second_step="A disclosure-control officer clears it, asks for changes or refuses it, never its submitter",
        stand_in="Another disclosure-control officer",
        may_first=outputs.may_submit_on,
        as_done_first=outputs.output_as_submitted_by,
        may_second=outputs.can_decide,
        test="tests/outputs/test_outputs.py::test_the_checker_never_decides_on_what_they_submitted",
    ),
    TwoPersonRule(
        key="dpia-sign-off",
        title="Sign-off of a data protection impact assessment",
        first_step="The IAM (or owner) the DPIA names signs it (its area's Deputy SIRO when there is no active IAM)",
        second_step="The area's Deputy SIRO signs it too, never whoever signed as the IAM: its author never "
        "signs it off alone",
        stand_in="The SIRO, then the SIRO's named alternate, when the Deputy SIRO signed as the IAM",
        may_first=privacy.can_sign_dpia_as_iam,
        as_done_first=privacy.dpia_as_signed_by,
        may_second=privacy.can_sign_dpia_as_deputy,
        test="tests/privacy/test_dpias.py::test_the_two_sign_offs_are_two_people_and_the_author_does_not_sign_alone",
    ),
)
