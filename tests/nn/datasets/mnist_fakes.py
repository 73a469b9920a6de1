"""A small fake MNIST and a local HTTP server that misbehaves on request: never a real host.

The server speaks raw bytes so it can send what no well-behaved server would: a bad status
line, a 70 KB header, 101 headers, a chunked body cut short, a reset, a trickle. The first
part of the path picks the behaviour: `GET /good/<file>`, `GET /trickle-body/<file>`, ...
"""

import gzip
import socket
import struct
import threading
import time

import numpy as np

N = 5  # images per split in the fake MNIST
FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
TRICKLE_SECONDS = 0.02  # between two bytes of a trickle
TRICKLE_BYTES = 500  # a trickle ends after 10 s: a broken deadline fails, not hangs


def idx_gz(array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def fake_mnist():
    """{file name: .gz bytes}: N random 28x28 images and N labels per split."""
    rng = np.random.default_rng(0)
    files = {}
    for name in FILES:
        shape = (N, 28, 28) if "images" in name else (N,)
        files[name] = idx_gz(rng.integers(0, 256 if "images" in name else 10, shape))
    return files


def head(status="200 OK", *headers):
    return (
        f"HTTP/1.1 {status}\r\n"
        + "".join(h + "\r\n" for h in headers)
        + "Connection: close\r\n\r\n"
    ).encode()


def trickle(conn, data):
    for i in range(min(len(data), TRICKLE_BYTES)):
        conn.sendall(data[i : i + 1])
        time.sleep(TRICKLE_SECONDS)


def reset(conn):
    """Close with an RST instead of a FIN: the client sees 'connection reset by peer'."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def wait_for_close(conn):
    conn.settimeout(10)
    try:
        while conn.recv(1024):
            pass
    except OSError:
        pass


def flood(conn, start, blob, seconds=10):
    """`start`, then `blob` over and over (about 1 MB/s) until the client hangs up."""
    conn.sendall(start)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        conn.sendall(blob)
        time.sleep(0.01)


BEHAVIOURS = {
    "good": lambda conn, body: conn.sendall(head("200 OK", f"Content-Length: {len(body)}") + body),
    "missing": lambda conn, body: conn.sendall(head("404 Not Found", "Content-Length: 0")),
    "bad-status": lambda conn, body: conn.sendall(b"NOT-HTTP 200 OK\r\n\r\n" + body),
    "long-status": lambda conn, body: conn.sendall(b"HTTP/1.1 200 " + b"O" * 70_000),
    "huge-header": lambda conn, body: conn.sendall(head("200 OK", "X-Big: " + "a" * 70_000) + body),
    "many-headers": lambda conn, body: conn.sendall(
        head("200 OK", *(f"X-{i}: {i}" for i in range(101))) + body
    ),
    "cut-chunked": lambda conn, body: conn.sendall(
        head("200 OK", "Transfer-Encoding: chunked") + b"1000\r\n" + body[:100]
    ),
    "cut-length": lambda conn, body: conn.sendall(
        head("200 OK", "Content-Length: 1000") + body[:100]
    ),
    "reset": lambda conn, body: (
        conn.sendall(head("200 OK", "Content-Length: 10000") + body[:50]),
        reset(conn),
    ),
    "wrong-checksum": lambda conn, body: conn.sendall(
        head("200 OK", f"Content-Length: {len(body)}") + body[:-1] + bytes([body[-1] ^ 1])
    ),
    "too-long": lambda conn, body: conn.sendall(head("200 OK") + bytes(30_000)),
    "too-long-announced": lambda conn, body: conn.sendall(
        head("200 OK", "Content-Length: 1000000000") + body
    ),
    "silent": lambda conn, body: wait_for_close(conn),
    "trickle-body": lambda conn, body: (
        conn.sendall(head("200 OK", f"Content-Length: {len(body)}")),
        trickle(conn, body),
    ),
    "trickle-headers": lambda conn, body: trickle(conn, head("200 OK") + body),
    # protocol bytes, never body: they must not buy the download more time
    "continue-flood": lambda conn, body: flood(conn, b"", b"HTTP/1.1 100 Continue\r\n\r\n" * 400),
    "trailer-flood": lambda conn, body: flood(
        conn,
        head("200 OK", "Transfer-Encoding: chunked") + b"1\r\nx\r\n0\r\n",
        (b"X-T: " + b"t" * 1000 + b"\r\n") * 10,
    ),
    "ftp-redirect": lambda conn, body: conn.sendall(
        head("302 Found", "Location: ftp://127.0.0.1:9/mnist.gz", "Content-Length: 0")
    ),
}


class Server:
    """A raw HTTP server on 127.0.0.1; `requests` lists the paths asked for, in order
    ("<tls>" for a TLS handshake, which it answers in plain text)."""

    def __init__(self, files):
        self.files, self.requests = files, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)  # to notice `close` (closing does not wake
        self.stopped = threading.Event()  # a thread blocked in accept)
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, behaviour):
        return f"{self.base}{behaviour}/"

    def asked(self, behaviour):
        return sum(path.startswith(f"/{behaviour}/") for path in self.requests)

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            try:
                conn.settimeout(10)
                request = conn.recv(1)
                if request == b"\x16":  # a TLS ClientHello: answer in plain HTTP
                    self.requests.append("<tls>")
                    conn.sendall(head("400 Bad Request", "Content-Length: 0"))
                    return
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                path = request.split(b" ")[1].decode()
                self.requests.append(path)
                behaviour, _, name = path.strip("/").partition("/")
                body = self.files.get(name)
                if body is None:
                    behaviour = "missing"
                BEHAVIOURS[behaviour](conn, body)
            except OSError:  # the client gave up first: fine
                pass

    def close(self):
        self.stopped.set()
        self.thread.join()
        self.listener.close()
