"""An email backend for the fault tests: one JSON line per message sent, appended under a lock.

``FAULTS_MAILBOX`` names the file. A message whose subject starts with ``[slow]``
is held for ``FAULTS_SLOW_SECONDS`` before it counts as sent, after the sending
process has written its id to ``<mailbox>.slow-<pid>``: the test kills that
process in the middle and then checks the message was sent exactly once. Each message is
built as the SMTP backend builds it, so one it would refuse (a line break in a header
raises ``BadHeaderError``) is refused here too.
"""

from __future__ import annotations

import fcntl
import json
import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        path = os.environ["FAULTS_MAILBOX"]
        for message in email_messages:
            message.message()  # the headers, as SMTP would send them: refuses a line break in the subject
            if message.subject.startswith("[slow]"):
                with open(f"{path}.slow-{os.getpid()}", "w") as marker:
                    marker.write(str(os.getpid()))
                time.sleep(float(os.environ.get("FAULTS_SLOW_SECONDS", "8")))
            line = json.dumps({"to": message.to, "subject": message.subject, "pid": os.getpid()})
            with open(path, "a") as mailbox:
                fcntl.flock(mailbox, fcntl.LOCK_EX)
                mailbox.write(line + "\n")
        return len(email_messages)
