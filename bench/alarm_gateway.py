"""An SMS gateway for the alarm benches: the local outbox recorder that also appends one line per raw call
(``<unix time> <idempotency key>``) to the file ``LINLI_BENCH_GATEWAY_LOG`` names, so calls from several
processes (and calls made by a process killed before it recorded them) can be counted and timed."""

import os
import time

from linli.core.gateways import LocalSmsGateway


class RecordingGateway(LocalSmsGateway):
    def send(self, *, phone: str, body: str, idempotency_key: str) -> str:
        path = os.environ.get("LINLI_BENCH_GATEWAY_LOG", "")
        if path:
            line = f"{time.time():.6f} {idempotency_key}\n".encode()
            # One write with O_APPEND: lines from several processes never interleave.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        delay = float(os.environ.get("LINLI_BENCH_GATEWAY_DELAY", "0"))
        if delay:
            time.sleep(delay)  # a gateway takes a moment: a kill can land mid-call
        return super().send(phone=phone, body=body, idempotency_key=idempotency_key)
