"""Who holds a claim, and until when: the ledger's "sending" rows and the inbox's updates.

Several processes may run on one database, and any of them may die. A claim is therefore a
lease: the holder's name and a time it runs until. A live process renews its leases; a lease
past its time belongs to a dead (or stuck) process and is taken over. The conditional update
that claims stays the arbiter between processes.

The holder's name is the process's (`[process] name`, else the host's name): a process started
again under the same name is the same worker come back, and takes its own leases over at once
(what it had in flight when it died), as a single process always did; another process waits
for them to expire. Two processes running at once must therefore have different names.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class Lease:
    holder: str
    duration: timedelta = LEASE

    def until(self, now: datetime) -> datetime:
        return now + self.duration


def default_holder(name: str | None = None) -> str:
    """The process's name in the leases it holds (64 characters at most: the column's)."""
    return (name or socket.gethostname() or "solidaire")[:64]


DEFAULT_LEASE = Lease(default_holder())
