from governance.core.audit_checkpoints import export_checkpoint, public_key_pem
from governance.management.base import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Sign the audit chain's head and write it to AUDIT_CHECKPOINT_DIR (or --directory), emailing it to the "
        "auditors. With --public-key, print the public key auditors use to check checkpoints offline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Write the checkpoint here instead of AUDIT_CHECKPOINT_DIR")
        parser.add_argument("--no-email", action="store_true", help="Write the file only")
        parser.add_argument("--public-key", action="store_true", help="Print the checkpoint public key (PEM)")

    def handle(self, *args, directory=None, no_email=False, public_key=False, **options):
        if public_key:
            self.stdout.write(public_key_pem(), ending="")
            return
        exported = export_checkpoint(directory=directory, email=not no_email)
        if exported is None:
            self.stdout.write("The audit trail is empty: no checkpoint.")
            return
        document, path = exported
        self.stdout.write(f"Checkpoint of chain index {document['payload']['chain_index']} written to {path}.")
