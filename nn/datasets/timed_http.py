"""urllib's urlopen, but every read is held to a time budget, so no server can make it hang.

A per-read timeout alone does not stop a server that sends one byte every few seconds:
each read returns in time and a 10 MB file takes months. Here a `Budget` gives the whole
response (status line, headers, body) `deadline` seconds, plus one more second for every
`min_rate` bytes of body the caller has counted (`budget.count(n)`), and every socket
read waits at most what is left (and at most `timeout`). Past that, the read raises
`TooSlow`, a `TimeoutError`. Only body bytes extend the budget: a server flooding
protocol bytes (endless `100 Continue` lines, trailers, chunk extensions) gains nothing.
Only http, https and local file:// URLs are opened (urllib would also follow a redirect
to ftp://, where no budget applies).

    budget = Budget(timeout=10, deadline=60, min_rate=50_000)
    with open_url(url, budget) as response:
        while chunk := response.read(65536):
            budget.count(len(chunk))
"""

import http.client
import io
import time
import urllib.error
import urllib.request


class TooSlow(TimeoutError):
    """The response did not arrive within its time budget."""


class Budget:
    """The time one response may take: max(deadline, received / min_rate) seconds from
    the start, so a file of S bytes gets max(deadline, S / min_rate) seconds in all."""

    def __init__(self, timeout, deadline, min_rate):
        self.timeout, self.deadline, self.min_rate = timeout, deadline, min_rate
        self.start, self.received = time.monotonic(), 0

    def count(self, n):
        """`n` more bytes of body arrived (what earns more time)."""
        self.received += n

    def wait(self):
        """Seconds the next read may wait: `timeout`, or less close to the deadline."""
        elapsed = time.monotonic() - self.start
        left = max(self.deadline, self.received / self.min_rate) - elapsed
        if left <= 0:
            raise TooSlow(
                f"too slow: {self.received:,} bytes in {elapsed:.1f} s (a file gets "
                f"max({self.deadline} s, size / {self.min_rate:,} bytes/s))"
            )
        return min(self.timeout, left)


class _BudgetReader(io.RawIOBase):
    """A socket's reading side where every read waits only as long as the budget allows."""

    def __init__(self, sock, budget):
        super().__init__()
        self._sock, self._raw, self._budget = sock, sock.makefile("rb", buffering=0), budget

    def readable(self):
        return True

    def readinto(self, buffer):
        self._sock.settimeout(self._budget.wait())
        try:
            count = self._raw.readinto(buffer)
        except TimeoutError:
            self._budget.wait()  # past the deadline: say "too slow"
            raise
        return count

    def close(self):
        self._raw.close()
        super().close()


class _BudgetSocket:
    """A connected socket whose response reads go through a `_BudgetReader`."""

    def __init__(self, sock, budget):
        self._sock, self._budget = sock, budget

    def makefile(self, mode="r", *args, **kwargs):
        if mode != "rb":
            return self._sock.makefile(mode, *args, **kwargs)
        return io.BufferedReader(_BudgetReader(self._sock, self._budget))

    def __getattr__(self, name):  # sendall, close, ...: the socket's own
        return getattr(self._sock, name)


class _Budgeted:
    """An http.client connection whose socket is read under a `Budget` (status line,
    headers and body alike: a server trickling headers is caught too)."""

    def __init__(self, *args, budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget = budget

    def connect(self):
        super().connect()  # for HTTPS this includes the TLS handshake
        self.sock = _BudgetSocket(self.sock, self.budget)


class _HTTPConnection(_Budgeted, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_Budgeted, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, budget):
        super().__init__()
        self.budget = budget

    def http_open(self, req):
        return self.do_open(_HTTPConnection, req, budget=self.budget)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, budget):
        super().__init__()
        self.budget = budget

    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context, budget=self.budget)


class _OnlyHTTP(urllib.request.FTPHandler):
    """Refuses ftp:// (as a URL or a redirect target): its reads have no budget."""

    def ftp_open(self, req):
        raise urllib.error.URLError(f"{req.full_url}: only http, https and file URLs are fetched")


def open_url(url, budget):
    """urllib.request.urlopen(url) with HTTP(S) reads held to `budget` (proxies and
    redirects as urllib does them; file:// read as is; other schemes refused)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("http", "https", "file"):
        raise urllib.error.URLError(f"{url}: only http, https and file URLs are fetched")
    opener = urllib.request.build_opener(_HTTPHandler(budget), _HTTPSHandler(budget), _OnlyHTTP())
    return opener.open(url, timeout=budget.timeout)
