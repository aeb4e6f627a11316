"""Wiring between the domains: signal receivers (sign-in evidence, role permissions kept in step),
domain events, and the rules a lower domain needs from a higher one (what an asset's history hides)."""

from __future__ import annotations

from axes.signals import user_locked_out
from celery import signals as celery_signals
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from two_factor.signals import user_verified

# Each domain's describers module registers how its events read in the histories.
from governance.access import describers as _access_describers  # noqa: F401
from governance.access.grants import suspend_for_leaver
from governance.access.lifecycle import sync_training
from governance.contracts import describers as _contract_describers  # noqa: F401
from governance.contracts.records import release_contracts_of
from governance.core import approval_gates, events, history
from governance.core.auth_backends import gave_right_password_while_locked, refused_by_account_lock
from governance.core.models import SecurityEvent
from governance.core.roles import sync_group_permissions
from governance.core.security import note_password_failure, record_event
from governance.incidents import describers as _incident_describers  # noqa: F401
from governance.incidents.linked import record_lifted_suspension
from governance.incidents.models import Incident, IncidentLink
from governance.incidents.policy import sees_every_named_grant_holder
from governance.operations.metrics import observe_task
from governance.outputs.researchers import ENDED as CONTRACT_ENDED
from governance.outputs.researchers import end_researchers_of
from governance.outputs.submissions import destroy_outputs_of
from governance.privacy import describers as _privacy_describers  # noqa: F401
from governance.privacy import screening as dpia_screening
from governance.privacy.models import ProcessingActivity, SharingAgreement
from governance.register import describers as _register_describers  # noqa: F401
from governance.register.models import (
    InformationAsset,
    InformationAssetGroupObjectPermission,
    InformationAssetUserObjectPermission,
)
from governance.register.policy import can_see_holders
from governance.releases import describers as _release_describers  # noqa: F401
from governance.training.courses import forget_clearance_cache
from governance.training.models import Course, TrainingStatus

# Who holds rights on an asset is shown in its history only to those who oversee it.
history.hide_parts(
    InformationAsset, can_see_holders, InformationAssetUserObjectPermission, InformationAssetGroupObjectPermission
)
# An incident's links name each grant's holder: shown only to those who may open every grant it names.
history.hide_parts(Incident, sees_every_named_grant_holder, IncidentLink)


@receiver(user_logged_in, dispatch_uid="custodian_login")
def _logged_in(sender, request, user, **kwargs):
    record_event(SecurityEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="custodian_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(SecurityEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="custodian_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    if not credentials or "username" not in credentials:
        return  # not a password: a refused single sign-on is recorded as such (governance.core.sso)
    if gave_right_password_while_locked(request):
        return  # refused for the lock, recorded as such (LOCKED_OUT); only wrong passwords are failures
    username = credentials.get("username", "") if credentials else ""
    user = get_user_model().objects.filter(username=username).first() if username else None
    record_event(SecurityEvent.Kind.PASSWORD_FAILED, request=request, user=user, username=username)
    note_password_failure(username, request=request, user=user)


@receiver(user_locked_out, dispatch_uid="custodian_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    if refused_by_account_lock(request):
        return  # the account-wide lock is recorded once, as ACCOUNT_LOCKED, when it starts
    user = get_user_model().objects.filter(username=username).first() if username else None
    record_event(SecurityEvent.Kind.LOCKED_OUT, request=request, user=user, username=username or "")


@receiver(user_verified, dispatch_uid="custodian_backup_code_used")
def _verified(sender, request, user, device, **kwargs):
    if isinstance(device, StaticDevice):
        record_event(SecurityEvent.Kind.BACKUP_CODE_USED, request=request, user=user)


CLEARANCE_FIELDS = {"is_active", "is_data_handler", "leaver_date", "business_area"}


@receiver(post_save, sender=TrainingStatus, dispatch_uid="custodian_clearance_status")
@receiver(post_save, sender=Course, dispatch_uid="custodian_clearance_course")
def _clearance_changed(sender, **kwargs):
    forget_clearance_cache()


@receiver(post_save, sender=get_user_model(), dispatch_uid="custodian_clearance_user")
def _person_changed(sender, update_fields=None, **kwargs):
    if update_fields is None or CLEARANCE_FIELDS & set(update_fields):
        forget_clearance_cache()


@receiver(post_migrate, dispatch_uid="custodian_sync_groups")
def _sync_groups(sender, app_config=None, **kwargs):
    if app_config is not None and app_config.label == "governance":
        sync_group_permissions()


# --- domain events: lower domains tell the higher ones (governance.core.events) ---


@receiver(events.person_left, dispatch_uid="custodian_leaver_grants")
def _suspend_leavers_grants(sender, person, **kwargs):
    suspend_for_leaver(person)


@receiver(events.person_left, dispatch_uid="custodian_leaver_contracts")
def _release_leavers_contracts(sender, person, **kwargs):
    release_contracts_of(person)  # their rows go; the contracts show a manager is needed


@receiver(events.clearance_signed, dispatch_uid="custodian_clearance_restores_grants")
def _restore_grants_after_training(sender, person, **kwargs):
    # Access suspended for lapsed training comes back as soon as the person is cleared again.
    sync_training(holder=person)


@receiver(events.incident_suspension_lifted, dispatch_uid="custodian_restore_on_incident_log")
def _restore_on_incident_log(sender, grant, by, reason, restored, **kwargs):
    # However access an incident suspended comes back, the incident's log shows it.
    record_lifted_suspension(grant, by=by, reason=reason, restored=restored)


@receiver(events.contract_status_changed, dispatch_uid="custodian_contract_end_researchers")
def _end_researchers_with_contract(sender, contract, previous, target, **kwargs):
    # Researchers' accounts end with the contract; its outputs' files go with its data.
    if target == contract.Status.DESTRUCTION_CERTIFIED:
        destroy_outputs_of(contract)
    if target in CONTRACT_ENDED:
        end_researchers_of(
            contract, reason=f"The contract {contract.reference} is {contract.get_status_display().lower()}."
        )


# --- DPIAs: screening new records, and the approvals a DPIA stops ----------------------------

# Access requests, contracts and sharing agreements are not approved while their DPIA is needed and unsigned.
approval_gates.register("dpia", dpia_screening.approval_problems)


@receiver(events.needs_dpia_screening, dispatch_uid="custodian_dpia_screening")
def _screen_for_dpia(sender, record, **kwargs):
    dpia_screening.screen(record)


@receiver(post_save, sender=ProcessingActivity, dispatch_uid="custodian_dpia_screen_activity")
@receiver(post_save, sender=SharingAgreement, dispatch_uid="custodian_dpia_screen_agreement")
def _screen_new_privacy_record(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        dpia_screening.screen(instance)


@receiver(m2m_changed, sender=ProcessingActivity.assets.through, dispatch_uid="custodian_dpia_activity_assets")
@receiver(m2m_changed, sender=SharingAgreement.data_items.through, dispatch_uid="custodian_dpia_agreement_items")
def _screen_privacy_record_data(sender, instance, action, reverse=False, **kwargs):
    # Their data is chosen once they are saved: screened when it is, once.
    if action == "post_add" and not reverse:
        dpia_screening.screen(instance)


# --- Celery task outcomes, counted for the metrics -----------------------------------------


def _task_name(sender) -> str:
    return getattr(sender, "name", None) or str(sender)


@celery_signals.task_success.connect(dispatch_uid="custodian_task_success")
def _task_succeeded(sender=None, **kwargs):
    observe_task(_task_name(sender), "success")


@celery_signals.task_failure.connect(dispatch_uid="custodian_task_failure")
def _task_failed(sender=None, **kwargs):
    observe_task(_task_name(sender), "failure")


@celery_signals.task_retry.connect(dispatch_uid="custodian_task_retry")
def _task_retried(sender=None, **kwargs):
    observe_task(_task_name(sender), "retry")


@celery_signals.task_revoked.connect(dispatch_uid="custodian_task_revoked")
def _task_revoked(sender=None, **kwargs):
    observe_task(_task_name(sender), "revoked")


# The map of where the data goes: its cached department maps are dropped when a flow's records change.
def _connect_data_map() -> None:
    from governance.access.models import AccessGrant
    from governance.contracts.models import ContractAsset, ResearchContract
    from governance.privacy.flows import forget_flows
    from governance.privacy.models import SharingAgreement
    from governance.releases.models import ReleaseSource, StatisticalRelease

    for model in (
        AccessGrant,
        ContractAsset,
        ResearchContract,
        SharingAgreement,
        ReleaseSource,
        StatisticalRelease,
        InformationAsset,
    ):
        post_save.connect(forget_flows, sender=model, dispatch_uid=f"data_map_saved_{model.__name__}")
        post_delete.connect(forget_flows, sender=model, dispatch_uid=f"data_map_deleted_{model.__name__}")
    m2m_changed.connect(forget_flows, sender=SharingAgreement.assets.through, dispatch_uid="data_map_agreement_assets")


_connect_data_map()
